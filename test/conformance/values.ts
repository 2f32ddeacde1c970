/**
 * The value round-trip suite: `get(set(v))` is `v` exactly (`Object.is` for numbers, the same
 * prototype for objects, holes stay holes), or `set` throws a typed error naming the property path
 * and writes nothing. Each backend's test file calls `testValues(name, factory)`.
 */
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type AutoStore, isAutoStoreError } from "../../src/core/index.js";
import type { StoreFixture } from "./store.js";

/** How hard to try: fewer runs for slow backends. */
export interface ValuesSuiteOptions {
  numRuns?: number;
}

/** Where `a` and `b` first differ (`value.a[2]: -0 vs 0`), or undefined when they are exactly equal. */
export function exactDifference(
  a: unknown,
  b: unknown,
  path = "value",
  seen = new Map<object, unknown>(),
): string | undefined {
  if (typeof a !== typeof b) return `${path}: ${typeof a} vs ${typeof b}`;
  if (typeof a !== "object" || a === null || b === null) {
    if (typeof a === "function" || typeof a === "symbol") return `${path}: a ${typeof a}`;
    return Object.is(a, b) ? undefined : `${path}: ${show(a)} vs ${show(b)}`;
  }
  const x = a as object;
  const y = b as object;
  // A cycle must come back as a cycle; a shared reference may come back shared (CBOR) or as equal
  // copies (JSON), which is the same value.
  if (seen.get(x) === y) return undefined;
  if (!seen.has(x)) seen.set(x, y);
  if (Object.getPrototypeOf(x) !== Object.getPrototypeOf(y)) {
    return `${path}: prototype ${x.constructor?.name} vs ${y.constructor?.name}`;
  }
  if (x instanceof Date)
    return Object.is(x.getTime(), (y as Date).getTime()) ? undefined : `${path}: date differs`;
  if (x instanceof RegExp) return String(x) === String(y) ? undefined : `${path}: ${x} vs ${y}`;
  if (ArrayBuffer.isView(x)) {
    const p = Array.from(x as unknown as ArrayLike<unknown>);
    const q = Array.from(y as unknown as ArrayLike<unknown>);
    return exactDifference(p, q, path, new Map());
  }
  if (x instanceof Map) {
    const p = [...x];
    const q = [...(y as Map<unknown, unknown>)];
    return exactDifference(p, q, `${path}<Map entries>`, seen);
  }
  if (x instanceof Set) return exactDifference([...x], [...(y as Set<unknown>)], `${path}<Set>`, seen);
  if (Array.isArray(x)) {
    const q = y as unknown[];
    if (x.length !== q.length) return `${path}: length ${x.length} vs ${q.length}`;
    for (let i = 0; i < x.length; i++) {
      if (i in x !== i in q) return `${path}[${i}]: a hole on one side only`;
      const d = exactDifference(x[i], q[i], `${path}[${i}]`, seen);
      if (d) return d;
    }
    return undefined;
  }
  const kx = Object.keys(x).sort();
  const ky = Object.keys(y).sort();
  if (kx.join("\u0000") !== ky.join("\u0000")) return `${path}: keys ${show(kx)} vs ${show(ky)}`;
  for (const k of kx) {
    const d = exactDifference(
      (x as Record<string, unknown>)[k],
      (y as Record<string, unknown>)[k],
      `${path}[${JSON.stringify(k)}]`,
      seen,
    );
    if (d) return d;
  }
  return undefined;
}

/**
 * `exactDifference`, with the one conversion the format table documents: a typed array written on its
 * own (not a Uint8Array, which is bytes) is a NumPy `.npy` file and reads back as an `NdArray`.
 */
function readBackDifference(value: unknown, read: unknown): string | undefined {
  if (ArrayBuffer.isView(value) && !(value instanceof Uint8Array) && !(read instanceof Uint8Array)) {
    return exactDifference(value, (read as { data?: unknown }).data);
  }
  return exactDifference(value, read);
}

function show(v: unknown): string {
  if (typeof v === "bigint") return `${v}n`;
  if (Object.is(v, -0)) return "-0";
  return typeof v === "string" ? JSON.stringify(v) : String(v);
}

/** An object built from entries with `defineProperty`, so a `__proto__` key is data, as JSON makes it. */
function objectOf(entries: ReadonlyArray<readonly [string, unknown]>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of entries)
    Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
  return out;
}

// Strings with any code point, and the ones formats trip on: unpaired surrogates, U+FEFF, line
// separators, control characters.
const tricky = fc.constantFrom(
  "",
  "\ud800",
  "\udfff",
  "\ufeff",
  "\u2028",
  "\u0085",
  "\u0000",
  "\r\n",
  "\ufffe",
  "😀",
);
export const anyString = fc
  .tuple(tricky, fc.string({ unit: "binary", maxLength: 8 }), tricky, fc.string({ maxLength: 4 }))
  .map((parts) => parts.join(""));
const key = fc.oneof(
  fc.string({ maxLength: 6 }),
  anyString,
  fc.constantFrom("__proto__", "yes", "1", "toString"),
);
const bigBeyondSafe = fc.oneof(
  fc.bigInt({ min: 2n ** 53n, max: 2n ** 80n }),
  fc.bigInt({ min: -(2n ** 80n), max: -(2n ** 53n) }),
);

// Values JSON keeps (with NaN, ±Infinity, -0, big integers and every string): they must go to JSON
// (or text, JSON Lines) and come back exactly.
export const { json: jsonValue } = fc.letrec<{ json: unknown }>((tie) => ({
  json: fc.oneof(
    { depthSize: "small" },
    fc.double(),
    fc.integer(),
    fc.constantFrom(-0, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 2 ** 60, 1e21),
    bigBeyondSafe,
    fc.boolean(),
    fc.constant(null),
    anyString,
    fc.array(tie("json"), { maxLength: 4 }),
    fc.uniqueArray(fc.tuple(key, tie("json")), { maxLength: 4, selector: (e) => e[0] }).map(objectOf),
  ),
}));

// Values CBOR keeps: JSON's (without -0, unpaired surrogates and "__proto__", which CBOR cannot
// hold) plus Date, Map, Set, RegExp, typed arrays, every BigInt and undefined.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const wellFormed = anyString.filter((s) => !LONE_SURROGATE.test(s));
const { structured } = fc.letrec<{ structured: unknown }>((tie) => ({
  structured: fc.oneof(
    { depthSize: "small" },
    fc.double().filter((n) => !Object.is(n, -0)),
    fc.bigInt(),
    fc.constant(undefined),
    fc.constant(null),
    wellFormed,
    // CBOR holds a date as epoch seconds in a float: exact to the millisecond within ±100,000 years
    // of 1970 (further out, a date is refused, as the mix below checks).
    fc.date({ min: new Date("-009999-01-01"), max: new Date("+009999-12-31") }),
    fc.constant(new Date(Number.NaN)),
    fc.constant(/a+b/giu),
    fc.float64Array({ maxLength: 4 }),
    fc.int32Array({ maxLength: 4 }),
    fc.uint8Array({ maxLength: 4 }),
    fc.bigInt64Array({ maxLength: 3 }),
    fc.array(tie("structured"), { maxLength: 4 }),
    fc
      .uniqueArray(fc.tuple(wellFormed, tie("structured")), { maxLength: 3, selector: (e) => e[0] })
      .map(objectOf),
    fc.array(fc.tuple(tie("structured"), tie("structured")), { maxLength: 3 }).map((e) => new Map(e)),
    fc.array(tie("structured"), { maxLength: 3 }).map((e) => new Set(e)),
  ),
}));

class Point {
  constructor(readonly x = 1) {}
  norm(): number {
    return this.x;
  }
}

// Parts no format keeps exactly. Each is built fresh: a WeakMap or Promise cannot be shared by runs.
const refused = fc.constantFrom<[string, () => unknown]>(
  ["WeakMap", () => new WeakMap()],
  ["WeakSet", () => new WeakSet()],
  ["Promise", () => Promise.resolve(1)],
  ["URL", () => new URL("https://example.com/")],
  ["class instance", () => new Point()],
  ["function", () => () => 1],
  ["symbol", () => Symbol("s")],
  ["Error", () => new Error("x")],
  ["boxed string", () => new String("x")],
);
// A path into a value: object keys (identifiers, as the error prints them) and array indices.
const segment = fc.oneof(fc.constantFrom("items", "when", "a", "b_2"), fc.nat(3));

/** `part` placed at `segments` inside plain objects and arrays, and the path an error should name. */
function placeAt(
  segments: ReadonlyArray<string | number>,
  part: () => unknown,
): { value: unknown; path: string } {
  let value: unknown = part();
  for (let i = segments.length - 1; i >= 0; i--) {
    const s = segments[i] as string | number;
    if (typeof s === "number") {
      const array: unknown[] = Array.from({ length: s + 1 }, () => 0);
      array[s] = value;
      value = array;
    } else {
      value = { other: 1, [s]: value };
    }
  }
  return {
    value,
    path: `value${segments.map((s) => (typeof s === "number" ? `[${s}]` : `.${s}`)).join("")}`,
  };
}

/** Runs the value round-trip suite against stores made fresh for every test by `factory`. */
export function testValues(
  name: string,
  factory: () => Promise<StoreFixture>,
  { numRuns = 100 }: ValuesSuiteOptions = {},
): void {
  describe(`value round trips: ${name}`, () => {
    let fixture: StoreFixture;
    let store: AutoStore;
    let run = 0;
    beforeEach(async () => {
      fixture = await factory();
      store = fixture.store;
    });
    afterEach(async () => {
      await fixture.cleanup?.();
    });

    /** Writes `value` over an earlier value under a fresh bare key; returns the stored key and the read. */
    async function roundTrip(
      value: unknown,
    ): Promise<{ stored: string; read: unknown } | { error: unknown }> {
      const k = `v${run++}`;
      await store.set(k, { earlier: k });
      try {
        const stored = await store.set(k, value);
        return { stored, read: await store.get(k) };
      } catch (error) {
        // Refused: the earlier value is untouched and nothing else was written.
        expect(await store.get(k)).toEqual({ earlier: k });
        const files: string[] = [];
        for await (const f of store.listFiles(`${k}.*`)) files.push(f);
        expect(files).toEqual([`${k}.json`]);
        return { error };
      }
    }

    it("keeps every JSON value exactly, in JSON (NaN, ±Infinity, -0, big integers, any string)", async () => {
      await fc.assert(
        fc.asyncProperty(jsonValue, async (value) => {
          const result = await roundTrip(value);
          if ("error" in result) throw result.error;
          expect(result.stored).toMatch(/\.(json|jsonl|txt)$/);
          expect(readBackDifference(value, result.read)).toBeUndefined();
        }),
        { numRuns },
      );
    });

    it("keeps Date, Map, Set, RegExp, typed arrays, BigInt and undefined exactly", async () => {
      await fc.assert(
        fc.asyncProperty(structured, async (value) => {
          const result = await roundTrip(value);
          if ("error" in result) throw result.error;
          expect(readBackDifference(value, result.read)).toBeUndefined();
        }),
        { numRuns },
      );
    });

    it("refuses a value with a part no format keeps, naming its path, and writes nothing", async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(segment, { maxLength: 4 }), refused, async (segments, [what, part]) => {
          const { value, path } = placeAt(segments, part);
          const result = await roundTrip(value);
          expect("error" in result, `${what} at ${path} was stored`).toBe(true);
          if (!("error" in result)) return;
          expect(isAutoStoreError(result.error, "UNSUPPORTED_FORMAT")).toBe(true);
          expect(String((result.error as Error).message)).toContain(segments.length === 0 ? "" : `${path}:`);
        }),
        { numRuns },
      );
    });

    it("round-trips or refuses any mix, never changing a value", async () => {
      const mixed = fc.oneof(
        jsonValue,
        structured,
        fc.tuple(jsonValue, structured).map(([j, s]) => ({ j, s, list: [j, s] })),
        fc
          .tuple(structured, fc.constantFrom(-0, "\ud800x", "\ufeffx"))
          .map(([s, odd]) => new Map([[odd, s]])),
        fc.sparseArray(jsonValue, { maxLength: 4 }),
        fc.tuple(structured, refused).map(([s, [, part]]) => ({ s, bad: part() })),
        fc.date().map((d) => ({ d })),
      );
      await fc.assert(
        fc.asyncProperty(mixed, async (value) => {
          const result = await roundTrip(value);
          if ("error" in result) {
            expect(isAutoStoreError(result.error, "UNSUPPORTED_FORMAT")).toBe(true);
            expect((result.error as Error).message).toMatch(/value.*: .* cannot be stored in \w+ exactly/s);
            return;
          }
          expect(readBackDifference(value, result.read)).toBeUndefined();
        }),
        { numRuns },
      );
    });

    it("names the examples: -0, holes, lone surrogates, a BOM, cycles, class instances", async () => {
      expect(await store.set("zero", -0)).toBe("zero.json");
      expect(Object.is(await store.get("zero"), -0)).toBe(true);
      expect(await store.set("lone", "a\ud800b")).toBe("lone.json");
      expect(await store.get("lone")).toBe("a\ud800b");
      expect(await store.set("bom", "\ufeffx")).toBe("bom.json");
      expect(await store.get("bom")).toBe("\ufeffx");
      const refusedText = await store.set("bom.txt", "\ufeffx").catch((e: unknown) => e);
      expect(isAutoStoreError(refusedText, "UNSUPPORTED_FORMAT")).toBe(true);
      expect(await store.has("bom.txt")).toBe(false);

      const cycle: Record<string, unknown> = { name: "loop", when: new Date(0) };
      cycle.self = cycle;
      expect(await store.set("cycle", cycle)).toBe("cycle.cbor");
      const read = await store.get<Record<string, unknown>>("cycle");
      expect(read.self).toBe(read);

      // biome-ignore lint/suspicious/noSparseArray: a hole is what is tested
      const holes = await store.set("holes", [1, , 3]).catch((e: unknown) => e);
      expect(String(holes)).toContain("value[1]: a hole");
      const when = await store
        .set("deep", { items: [0, 1, 2, { when: new URL("https://x.org/") }] })
        .catch((e: unknown) => e);
      expect(isAutoStoreError(when, "UNSUPPORTED_FORMAT")).toBe(true);
      expect(String(when)).toContain("value.items[3].when: a URL");
      for (const k of ["holes", "deep"]) expect(await store.has(k)).toBe(false);

      // A format named by the key refuses what it cannot keep, naming where it is.
      const yaml = await store.set("cfg.yaml", { a: { m: new Map() } }).catch((e: unknown) => e);
      expect(String(yaml)).toContain("value.a.m: a Map cannot be stored in YAML exactly");
      const json = await store.set("n.json", { n: [5n] }).catch((e: unknown) => e);
      expect(String(json)).toContain("value.n[0]: the BigInt 5n");
      const cbor = await store.set("z.cbor", new Map([["k", -0]])).catch((e: unknown) => e);
      expect(String(cbor)).toContain('value.get("k"): -0 cannot be stored in CBOR exactly');
      for (const k of ["cfg.yaml", "n.json", "z.cbor"]) expect(await store.has(k)).toBe(false);
    });
  });
}
