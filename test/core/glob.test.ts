/**
 * listFiles patterns: only `*`, `?`, `**`, `[...]` and `{a,b}` are special, every other character
 * matches itself. Generated file names with any printable character, and patterns made from them
 * with parts replaced by wildcards, list exactly what a reference matcher of the documented syntax
 * accepts, on memory and on local disk.
 */
import { randomUUID } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { validateKey } from "../../src/core/keys.js";
import { AutoStore, InvalidKeyError, MemoryBackend } from "../../src/node/index.js";
import { tempDir } from "../helpers/tmp.js";

/**
 * The reference: the documented syntax, translated as plainly as possible. It expects well-formed
 * patterns (classes closed, braces balanced with literal braces written `[{]`), which is what the
 * generator below makes.
 */
function reference(pattern: string): RegExp {
  const cps = Array.from(pattern);
  let re = "";
  let depth = 0;
  for (let i = 0; i < cps.length; i++) {
    const c = cps[i] as string;
    const segmentStart = i === 0 || cps[i - 1] === "/";
    if (c === "/" && cps.slice(i + 1).join("") === "**") {
      re += "(?:/.*)?"; // `a/**`: `a` itself and everything under it
      break;
    }
    if (c === "*" && cps[i + 1] === "*" && segmentStart && (i + 2 === cps.length || cps[i + 2] === "/")) {
      re += i + 2 === cps.length ? ".*" : "(?:[^/]*/)*";
      i += 2;
    } else if (c === "*") re += "[^/]*";
    else if (c === "?") re += "[^/]";
    else if (c === "[") {
      let j = i + 1;
      const negate = cps[j] === "!" || cps[j] === "^";
      if (negate) j++;
      const start = j;
      j++; // a `]` right after `[` or `[!` is a member
      while (cps[j] !== "]") j++;
      const members = cps.slice(start, j);
      let cls = "";
      for (let k = 0; k < members.length; k++) {
        const m = members[k] as string;
        if (members[k + 1] === "-" && k + 2 < members.length) {
          cls += `${esc(m)}-${esc(members[k + 2] as string)}`;
          k += 2;
        } else cls += esc(m);
      }
      re += `(?!/)[${negate ? "^" : ""}${cls}]`;
      i = j;
    } else if (c === "{") {
      depth++;
      re += "(?:";
    } else if (c === "}" && depth > 0) {
      depth--;
      re += ")";
    } else if (c === "," && depth > 0) re += "|";
    else re += c.replace(/[.*+?^${}()|[\]\\]/gu, "\\$&");
  }
  return new RegExp(`^${re}$`, "su");
}
const esc = (c: string) => c.replace(/[\\\]^[-]/gu, "\\$&");

function referenceMatch(pattern: string, key: string, recursive: boolean): boolean {
  const re = reference(pattern);
  if (re.test(key)) return true;
  if (!recursive) return false;
  const parts = key.split("/");
  for (let n = parts.length - 1; n > 0; n--) if (re.test(parts.slice(0, n).join("/"))) return true;
  return false;
}

// Printable ASCII but `/` and `\` (keys hold no backslash), a few letters beyond ASCII, an astral one.
const ASCII = Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)).filter(
  (c) => c !== "/" && c !== "\\",
);
const CHARS = [...ASCII, "é", "ü", "中", "😀"];
// A small alphabet too, so that names share parts and patterns have near misses.
const NEAR = Array.from("ab1 ()!+@.,[]{}*?");

const segment = fc
  .oneof(
    fc.string({ unit: fc.constantFrom(...CHARS), minLength: 1, maxLength: 8 }),
    fc.string({ unit: fc.constantFrom(...NEAR), minLength: 1, maxLength: 5 }),
  )
  .filter((s) => s !== "." && s !== ".." && !s.startsWith(".autostore"));
const isValidKey = (k: string) => {
  try {
    validateKey(k);
    return true;
  } catch {
    return false; // e.g. `C: x`, which looks like a drive path
  }
};
const key = fc
  .array(segment, { minLength: 1, maxLength: 3 })
  .map((parts) => parts.join("/"))
  .filter(isValidKey);
/** Files that can all exist at once: none is another's folder. */
const files = fc
  .uniqueArray(key, { minLength: 1, maxLength: 8 })
  .map((keys) => keys.filter((k) => !keys.some((other) => other.startsWith(`${k}/`))));

/** A character written so that it matches itself in a pattern. */
const literal = (c: string) => ("*?[]{},".includes(c) ? `[${c}]` : c);
const CLASS_UNSAFE = "]-!^\\"; // and a backslash, which no key or pattern holds

type Op = "literal" | "question" | "star" | "class" | "negated" | "range" | "segment" | "globstar" | "brace";
const op = fc.constantFrom<Op>(
  "literal",
  "literal",
  "question",
  "star",
  "class",
  "negated",
  "range",
  "segment",
  "globstar",
  "brace",
);

/** A pattern from one segment: the op applied at position `at` (and `to`), the rest literal. */
function segmentPattern(seg: string, kind: Op, at: number, to: number, other: string): string {
  const cps = Array.from(seg);
  const i = at % cps.length;
  const j = i + 1 + (to % (cps.length - i));
  const c = cps[i] as string;
  const lit = (from: number, until = cps.length) => cps.slice(from, until).map(literal).join("");
  const around = (middle: string) => lit(0, i) + middle + lit(i + 1);
  const code = c.codePointAt(0) as number;
  switch (kind) {
    case "literal":
      return lit(0);
    case "question":
      return around("?");
    case "star":
      return `${lit(0, i)}*${lit(j)}`;
    case "segment":
      return "*";
    case "globstar":
      return "**";
    case "brace":
      return `{${lit(0)},${Array.from(other).map(literal).join("")}}`;
    case "class": {
      const extra = Array.from(other)[0] as string;
      if (CLASS_UNSAFE.includes(c) || CLASS_UNSAFE.includes(extra)) return around("?");
      return around(`[${extra}${c}]`);
    }
    case "negated": {
      const not = Array.from(other).find((x) => x !== c && !CLASS_UNSAFE.includes(x));
      return not === undefined ? around("?") : around(`[!${not}]`);
    }
    case "range": {
      const low = String.fromCodePoint(Math.max(0x21, code - (to % 20)));
      const high = String.fromCodePoint(Math.min(0x7e, code + (at % 20)));
      if (code > 0x7e || [low, high].some((x) => CLASS_UNSAFE.includes(x))) return around("?");
      return around(`[${low}-${high}]`);
    }
  }
}

const scenario = files.chain((keys) =>
  fc.record({
    keys: fc.constant(keys),
    pick: fc.nat({ max: keys.length - 1 }),
    ops: fc.array(fc.tuple(op, fc.nat(), fc.nat(), segment), { minLength: 3, maxLength: 3 }),
    recursive: fc.boolean(),
    drop: fc.boolean(),
  }),
);

function patternOf(s: { keys: string[]; pick: number; ops: [Op, number, number, string][]; drop: boolean }) {
  let segments = (s.keys[s.pick] as string).split("/");
  // Sometimes a pattern for the picked file's folder, to exercise `recursive`.
  if (s.drop && segments.length > 1) segments = segments.slice(0, -1);
  return segments
    .map((seg, n) => {
      const [kind, at, to, other] = s.ops[n] as [Op, number, number, string];
      return segmentPattern(seg, kind, at, to, other);
    })
    .join("/");
}

async function list(store: AutoStore, pattern: string, recursive: boolean): Promise<string[]> {
  const out: string[] = [];
  for await (const k of store.listFiles(pattern, { recursive })) out.push(k);
  return out.sort();
}

async function checkScenario(store: AutoStore, s: Parameters<typeof patternOf>[0] & { recursive: boolean }) {
  const pattern = patternOf(s);
  const expected = s.keys.filter((k) => referenceMatch(pattern, k, s.recursive)).sort();
  expect(await list(store, pattern, s.recursive), `pattern ${JSON.stringify(pattern)}`).toEqual(expected);
  if (!s.drop) expect(expected).toContain(s.keys[s.pick]); // the generator's own sanity
}

describe.each([
  [
    "memory",
    async () => {
      const name = `glob-${randomUUID()}`;
      return { store: new AutoStore(`memory://${name}`), done: async () => MemoryBackend.drop(name) };
    },
  ],
  [
    "local disk",
    async () => {
      const dir = await tempDir("autostore-glob-");
      const store = new AutoStore(dir.path);
      return {
        store,
        done: async () => {
          await store.close();
          await dir.remove();
        },
      };
    },
  ],
] as const)("listFiles patterns on %s", (_name, open) => {
  it("lists exactly what the documented syntax matches, for generated names and patterns", async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        const { store, done } = await open();
        try {
          for (const k of s.keys) await store.primaryBackend.write(k, new Uint8Array([1]));
          await checkScenario(store, s);
        } finally {
          await done();
        }
      }),
      { numRuns: 120 },
    );
  });

  it("matches parentheses, !, + and @ as themselves", async () => {
    const { store, done } = await open();
    try {
      const names = [
        "dir/report (1).json",
        "dir/report 1.json",
        "dir/!(a).txt",
        "dir/a.txt",
        "dir/+(b)",
        "dir/b",
      ];
      for (const k of [...names, "dir/@(c|d)", "dir/c", "dir/d"])
        await store.primaryBackend.write(k, new Uint8Array(1));
      expect(await list(store, "dir/report (1)*", false)).toEqual(["dir/report (1).json"]);
      expect(await list(store, "dir/!(a)*", false)).toEqual(["dir/!(a).txt"]);
      expect(await list(store, "dir/+(b)", false)).toEqual(["dir/+(b)"]);
      expect(await list(store, "dir/@(c|d)", false)).toEqual(["dir/@(c|d)"]);
      expect(await list(store, "dir/{a,b}*", false)).toEqual(["dir/a.txt", "dir/b"]);
    } finally {
      await done();
    }
  });

  it("matches *, ? and [ literally inside a class, and refuses backslash escapes", async () => {
    const { store, done } = await open();
    try {
      for (const k of ["x/a*b", "x/aXb", "x/a?b", "x/a[b", "x/a{b}", "x/ab"]) {
        await store.primaryBackend.write(k, new Uint8Array(1));
      }
      expect(await list(store, "x/a[*]b", false)).toEqual(["x/a*b"]);
      expect(await list(store, "x/a[?]b", false)).toEqual(["x/a?b"]);
      expect(await list(store, "x/a[[]b", false)).toEqual(["x/a[b"]);
      expect(await list(store, "x/a[{]b}", false)).toEqual(["x/a{b}"]);
      expect(await list(store, "x/a[b", false)).toEqual(["x/a[b"]); // an unclosed `[` is itself
      expect(await list(store, "x/a?b", false)).toEqual(["x/a*b", "x/a?b", "x/aXb", "x/a[b"]);
      await expect(list(store, "x/a\\*b", false)).rejects.toBeInstanceOf(InvalidKeyError);
      await expect(list(store, "x/a\\*b", false)).rejects.toThrow(/\[\*\]/);
    } finally {
      await done();
    }
  });
});
