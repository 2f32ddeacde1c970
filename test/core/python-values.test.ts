/**
 * JSON and YAML between this library and Python, both ways, with the real /usr/bin/python3: what we
 * write to `.json`/`.jsonl`/`.txt` reads in Python's `json` as the same value, Python's `json.dump`
 * output (NaN, Infinity, integers of any size) reads here exactly, and every YAML file we write loads
 * in PyYAML (`yaml.safe_load`) to the same value. Values are compared in a canonical form both sides
 * compute: integers as digits, other floats as their IEEE bits, strings as UTF-16 code units.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AutoStore } from "../../src/node/index.js";
import { anyString, exactDifference, jsonValue } from "../conformance/values.js";
import { runPython } from "../helpers/python.js";
import { tempDir } from "../helpers/tmp.js";

type Canon = unknown[];

/** The canonical form of a value, as the Python side computes it (`CANON` below). */
function canon(v: unknown): Canon {
  if (v === null) return ["null"];
  if (typeof v === "boolean") return ["bool", v];
  if (typeof v === "bigint") return ["num", v.toString()];
  if (typeof v === "number") {
    if (Number.isSafeInteger(v) && !Object.is(v, -0)) return ["num", String(v)];
    if (Number.isNaN(v)) return ["float", "nan"];
    const view = new DataView(new ArrayBuffer(8));
    view.setFloat64(0, v);
    return ["float", view.getBigUint64(0).toString(16).padStart(16, "0")];
  }
  if (v instanceof Date) return ["date", String(v.getTime())];
  if (typeof v === "string") return ["str", Array.from({ length: v.length }, (_, i) => v.charCodeAt(i))];
  if (Array.isArray(v)) return ["list", v.map(canon)];
  const entries = Object.keys(v as object).map((k) => [
    canon(k)[1],
    canon((v as Record<string, unknown>)[k]),
  ]);
  return ["dict", entries.sort((a, b) => compareUnits(a[0] as number[], b[0] as number[]))];
}

function compareUnits(a: number[], b: number[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++)
    if (a[i] !== b[i]) return (a[i] as number) - (b[i] as number);
  return a.length - b.length;
}

const CANON = `
import datetime, json, math, struct, sys, yaml

EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)

def canon(v):
    if v is None: return ["null"]
    if isinstance(v, datetime.datetime):
        if v.tzinfo is None: return ["naive datetime", v.isoformat()]
        return ["date", str((v - EPOCH) // datetime.timedelta(milliseconds=1))]
    if isinstance(v, datetime.date): return ["bare date", v.isoformat()]
    if isinstance(v, bool): return ["bool", v]
    if isinstance(v, int): return ["num", str(v)]
    if isinstance(v, float):
        if v.is_integer() and abs(v) <= 2**53 - 1 and not (v == 0 and math.copysign(1, v) < 0):
            return ["num", str(int(v))]
        if math.isnan(v): return ["float", "nan"]
        return ["float", struct.pack(">d", v).hex()]
    if isinstance(v, str):
        b = v.encode("utf-16-le", "surrogatepass")
        return ["str", list(struct.unpack("<%dH" % (len(b) // 2), b))]
    if isinstance(v, list): return ["list", [canon(x) for x in v]]
    if isinstance(v, dict):
        return ["dict", sorted(([canon(k)[1], canon(x)] for k, x in v.items()), key=lambda e: e[0])]
    raise TypeError("unexpected %s" % type(v).__name__)

def canon_sorted(c):
    if c[0] == "list": return ["list", [canon_sorted(x) for x in c[1]]]
    if c[0] == "dict": return ["dict", sorted(([k, canon_sorted(x)] for k, x in c[1]), key=lambda e: e[0])]
    return c
`;

// Python reads each file we wrote, by extension, and prints the ones whose value differs (or fail).
const READ_OURS = `${CANON}
folder, listing = sys.argv[1], json.load(open(sys.argv[2]))
bad = []
for name, expected in listing:
    path = folder + "/" + name
    try:
        if name.endswith(".jsonl"):
            value = [json.loads(line) for line in open(path, encoding="utf-8").read().split("\\n") if line.strip()]
        elif name.endswith(".json"):
            value = json.load(open(path, encoding="utf-8"))
        elif name.endswith(".txt"):
            value = open(path, encoding="utf-8", newline="").read()
        else:
            value = yaml.safe_load(open(path, "rb"))
        if json.dumps(canon(value)) != json.dumps(canon_sorted(expected)):
            bad.append([name, "differs: %r" % (value,)])
    except Exception as e:
        bad.append([name, "%s: %s" % (type(e).__name__, e)])
print(json.dumps(bad))
`;

/** Writes each value under a bare key (or `key.yaml`), then has Python read them all; returns its complaints. */
async function pythonReads(
  store: AutoStore,
  folder: string,
  values: unknown[],
  ext = "",
): Promise<unknown[]> {
  const listing: [string, Canon][] = [];
  for (const [i, value] of values.entries()) {
    const stored = await store.set(`v${i}${ext}`, value);
    listing.push([stored, canon(value)]);
    // Our own reader must agree too.
    expect(exactDifference(value, await store.get(stored))).toBeUndefined();
  }
  const listingPath = join(folder, "listing.json");
  await writeFile(listingPath, JSON.stringify(listing));
  return JSON.parse(await runPython(READ_OURS, [join(folder, "data"), listingPath])) as unknown[];
}

// Python's json.dump with its defaults (NaN and Infinity as tokens, ints of any size), pretty and
// compact, ASCII-escaped and raw UTF-8; and JSON Lines of dicts.
const WRITE_PYTHON = `${CANON}
import random
folder = sys.argv[1]
rng = random.Random(int(sys.argv[2]))
SPECIAL = [math.nan, math.inf, -math.inf, -0.0, 0.0, 2.0**60, 1e300, 5e-324, 0.1, 2**53, 2**53 + 1,
           -(2**53) - 1, 2**64, 3791411052119578828, -(2**100), 9007199254740991, 1.0, 5]
def text(surrogates):
    units = [rng.choice([rng.randrange(32, 127), rng.randrange(0, 0x110000)]) for _ in range(rng.randrange(6))]
    if not surrogates: units = [u for u in units if not 0xd800 <= u < 0xe000]
    return "".join(map(chr, units))
def value(depth, surrogates):
    kind = rng.randrange(8 if depth < 3 else 5)
    if kind == 0: return rng.choice(SPECIAL)
    if kind == 1: return rng.randint(-(2**70), 2**70)
    if kind == 2: return rng.uniform(-1e6, 1e6)
    if kind == 3: return text(surrogates)
    if kind == 4: return rng.choice([None, True, False, rng.randint(-1000, 1000)])
    if kind == 5: return [value(depth + 1, surrogates) for _ in range(rng.randrange(4))]
    return {text(surrogates): value(depth + 1, surrogates) for _ in range(rng.randrange(4))}
expected = []
for i in range(int(sys.argv[3])):
    ascii_only = i % 2 == 0
    v = value(0, ascii_only)
    with open("%s/p%d.json" % (folder, i), "w", encoding="utf-8") as f:
        json.dump(v, f, ensure_ascii=ascii_only, indent=2 if i % 3 == 0 else None)
    rows = [{"row": value(1, True)} for _ in range(3)]
    with open("%s/p%d.jsonl" % (folder, i), "w", encoding="utf-8") as f:
        f.write("".join(json.dumps(r) + "\\n" for r in rows))
    expected.append([canon(v), canon(rows)])
print(json.dumps(expected))
`;

// Strings PyYAML (YAML 1.1) resolves to something else, or refuses, when written plain.
const YAML_SPECIALS = [
  ...["yes", "no", "on", "off", "y", "n", "Y", "N", "Yes", "NO", "True", "false", "~", "null", "Null", ""],
  ...[".nan", ".NaN", ".inf", "-.inf", "+.inf", "0x1f", "0o17", "0b101", "017", "012", "08", "1_000", "+1"],
  ...["1:30", "-1:30", "1:30.5", "190:20:30", "2024-01-02", "2001-12-14t21:59:43.10-05:00", "2002-12-14"],
  ...["2001-12-14 21:59:43.10 -5", "1e5", "1e+5", "1.5e3", "6.8523015e+5", "685.230_15e+03", "0.", "._"],
  ...["=", "<<", "-", "?", ":", "- x", "? x", "a: b", "a #b", "#c", "&a", "*a", "!t", "!!str", "%x", "@x"],
  ...["`x", "'q'", '"d"', "|", ">", "{a}", "[a]", ",", "---", "...", "a\n---\nb", " lead", "trail ", "\t"],
  ...["\ufeffbom", "\u0085", "\u2028", "\u2029", "\ufffe", "\uffff", "\u007f", "\u009f", "\ud800", "é", "😀"],
];
const yamlString = fc.oneof(
  anyString,
  fc.constantFrom(...YAML_SPECIALS),
  fc.stringMatching(/^[-+0-9:._eExob]{1,8}$/),
  fc.tuple(fc.constantFrom(...YAML_SPECIALS), fc.constantFrom(...YAML_SPECIALS)).map(([a, b]) => a + b),
);
const yamlScalar = fc.oneof(
  yamlString,
  fc.double(),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.date({
    min: new Date("0001-01-01T00:00:00Z"),
    max: new Date("9999-12-31T23:59:59.999Z"),
    noInvalidDate: true,
  }),
  fc.constantFrom(
    new Date(0),
    new Date("2024-01-02T00:00:00Z"),
    new Date("0001-01-01T00:00:00Z"),
    new Date("0099-12-31T23:59:59.999Z"),
  ),
);
const yamlDocument = fc.oneof(
  yamlString,
  fc.array(yamlScalar, { maxLength: 6 }),
  fc.uniqueArray(fc.tuple(yamlString, yamlScalar), { maxLength: 6, selector: (e) => e[0] }).map((entries) => {
    const out: Record<string, unknown> = {};
    for (const [k, v] of entries)
      Object.defineProperty(out, k, { value: v, enumerable: true, writable: true });
    return out;
  }),
);

describe("Python interop: JSON and YAML", () => {
  let dir: { path: string; remove: () => Promise<void> };
  let run = 0;
  beforeAll(async () => {
    dir = await tempDir();
  });
  afterAll(async () => {
    await dir.remove();
  });
  const freshStore = () => {
    const folder = join(dir.path, `run-${run++}`);
    return { folder, store: new AutoStore(join(folder, "data")) };
  };

  it("writes JSON (NaN, ±Infinity, -0, big integers, any string) that Python's json reads as the same value", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(jsonValue, { minLength: 150, maxLength: 150 }), async (values) => {
        const { folder, store } = freshStore();
        expect(await pythonReads(store, folder, values)).toEqual([]);
      }),
      { numRuns: 3 },
    );
  });

  it("reads exactly what Python's json.dump writes: NaN, Infinity, integers beyond 2^53 as BigInt", async () => {
    const { folder, store } = freshStore();
    const data = join(folder, "data");
    await runPython("import os, sys; os.makedirs(sys.argv[1])", [data]);
    const count = 200;
    const expected = JSON.parse(await runPython(WRITE_PYTHON, [data, "7", String(count)])) as [
      Canon,
      Canon,
    ][];
    for (let i = 0; i < count; i++) {
      const [json, jsonl] = expected[i] as [Canon, Canon];
      expect(canon(await store.get(`p${i}.json`)), `p${i}.json`).toEqual(json);
      expect(canon(await store.get(`p${i}.jsonl`)), `p${i}.jsonl`).toEqual(jsonl);
    }
    await writeFile(join(data, "id.json"), '{"id": 3791411052119578828, "ok": NaN, "lo": -Infinity}');
    const read = await store.get<Record<string, unknown>>("id.json");
    expect(read.id).toBe(3791411052119578828n);
    expect(read.ok).toBeNaN();
    expect(read.lo).toBe(Number.NEGATIVE_INFINITY);
  });

  it("writes YAML that PyYAML loads to the same value, over generated strings, keys, numbers and dates", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(yamlDocument, { minLength: 300, maxLength: 300 }), async (docs) => {
        const { folder, store } = freshStore();
        expect(await pythonReads(store, folder, docs, ".yaml")).toEqual([]);
      }),
      { numRuns: 3 },
    );
  });

  it("reads what PyYAML's safe_dump writes as PyYAML reads it back: y, n, Y and N stay strings", async () => {
    // PyYAML's booleans are yes/no, true/false and on/off; YAML 1.1's y and n are plain strings to it
    // (and so written unquoted, as keys of coordinates often are).
    const pyString = fc.oneof(
      fc.string({ maxLength: 12 }),
      fc.constantFrom(...YAML_SPECIALS.filter((x) => !/[\ud800-\udfff]/.test(x))),
    );
    const pyScalar = fc.oneof(
      pyString,
      fc.integer(),
      fc.boolean(),
      fc.constant(null),
      fc
        .double({ noNaN: true })
        // JSON carries these as bare digits, which Python reads as an int and JavaScript cannot hold.
        .filter((d) => !(Number.isInteger(d) && Math.abs(d) > Number.MAX_SAFE_INTEGER && Math.abs(d) < 1e21)),
    );
    const pyDocument = fc.oneof(
      fc.array(pyScalar, { maxLength: 5 }),
      fc.dictionary(pyString, pyScalar, { maxKeys: 5 }),
    );
    const fixed = { x: 1, y: 2, n: "y", Y: "N", on: "off", yes: true, no: false };
    await fc.assert(
      fc.asyncProperty(fc.array(pyDocument, { minLength: 100, maxLength: 100 }), async (generated) => {
        const docs = [fixed, ...generated];
        const { folder, store } = freshStore();
        const data = join(folder, "data");
        await mkdir(folder, { recursive: true });
        await writeFile(join(folder, "docs.json"), JSON.stringify(docs));
        const expected = JSON.parse(
          await runPython(
            `${CANON}
import os
os.makedirs(sys.argv[1])
out = []
for i, doc in enumerate(json.load(open(sys.argv[2]))):
    path = "%s/p%d.yaml" % (sys.argv[1], i)
    open(path, "w").write(yaml.safe_dump(doc))
    out.append(canon(yaml.safe_load(open(path))))
print(json.dumps(out))`,
            [data, join(folder, "docs.json")],
          ),
        ) as Canon[];
        for (let i = 0; i < docs.length; i++) {
          expect(canon(await store.get(`p${i}.yaml`)), `p${i}.yaml`).toEqual(expected[i]);
        }
      }),
      { numRuns: 2 },
    );
  });

  it("reads PyYAML's dates as the same instants, also before the year 100 (Python's datetime.min)", async () => {
    const { folder, store } = freshStore();
    const data = join(folder, "data");
    await runPython(
      `import datetime, os, sys, yaml
os.makedirs(sys.argv[1])
utc = datetime.timezone.utc
value = {"min": datetime.datetime.min, "early": datetime.datetime(99, 12, 31, 23, 59, 59, 999000, tzinfo=utc),
         "leap": datetime.date(4, 2, 29), "shifted": datetime.datetime(1, 1, 1, 1, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=1))),
         "now": datetime.datetime(2024, 1, 2, 3, 4, 5, 6000, tzinfo=utc), "day": datetime.date(2024, 1, 2)}
open(sys.argv[1] + "/dates.yaml", "w").write(yaml.safe_dump(value))`,
      [data],
    );
    const read = await store.get<Record<string, Date>>("dates.yaml");
    const iso = Object.fromEntries(Object.entries(read).map(([k, d]) => [k, d.toISOString()]));
    expect(iso).toEqual({
      min: "0001-01-01T00:00:00.000Z",
      early: "0099-12-31T23:59:59.999Z",
      leap: "0004-02-29T00:00:00.000Z",
      shifted: "0001-01-01T00:00:00.000Z",
      now: "2024-01-02T03:04:05.006Z",
      day: "2024-01-02T00:00:00.000Z",
    });
  });
});
