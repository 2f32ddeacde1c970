/**
 * JSON as Python's `json` module writes and reads it: `NaN`, `Infinity` and `-Infinity` as bare
 * tokens, and integers of any size as bare digits. `JSON.parse` refuses the tokens and rounds the
 * integers, so text that has either goes through a small parser here; all other text takes
 * `JSON.parse`, decided by a cheap scan.
 *
 * What this library writes, so that both our reader and Python's `json.loads` read it exactly:
 * `NaN`/`Infinity`/`-Infinity` as those tokens, `-0` as `-0.0`, a BigInt beyond ±(2^53 - 1) as its
 * digits (read back as a BigInt), and a number at or beyond 2^53 in exponent form (`1e+21`), so that
 * it reads back as a number, not as a BigInt.
 */

/** How JSON holds a value: `plain` (JSON.stringify is exact), `extended` (our writer is), or not at all. */
export type JsonLevel = "plain" | "extended" | undefined;

// Nesting deeper than this is taken for a cycle (or near the engine's stack limit) and left to
// CBOR, which keeps cycles. A depth count costs nothing per call, where a set of visited objects did.
const MAX_DEPTH = 1000;
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * Whether JSON (ours) reads `value` back exactly: plain objects, arrays without holes, strings,
 * booleans, null, any number, BigInts beyond ±(2^53 - 1); no `undefined`, cycles or class instances.
 */
export function jsonLevel(value: unknown): JsonLevel {
  const level = levelAt(value, 0);
  return level === 0 ? undefined : level === 1 ? "extended" : "plain";
}

// 0: not JSON, 1: extended, 2: plain.
function levelAt(v: unknown, depth: number): 0 | 1 | 2 {
  switch (typeof v) {
    case "string":
    case "boolean":
      return 2;
    case "number":
      // -0 and the non-finite numbers need our writer; so do integers JSON.parse would take for BigInts.
      return Number.isFinite(v) && !Object.is(v, -0) && Math.abs(v) <= Number.MAX_SAFE_INTEGER ? 2 : 1;
    case "bigint":
      return v > MAX_SAFE || v < -MAX_SAFE ? 1 : 0;
    case "object": {
      if (v === null) return 2;
      if (depth >= MAX_DEPTH) return 0;
      let level: 0 | 1 | 2 = 2;
      const proto: unknown = Object.getPrototypeOf(v);
      if (proto === Array.prototype) {
        const array = v as unknown[];
        for (let i = 0; i < array.length; i++) {
          if (!(i in array)) return 0;
          const item = levelAt(array[i], depth + 1);
          if (item < level) level = item;
          if (level === 0) return 0;
        }
        return level;
      }
      if (proto !== Object.prototype && proto !== null) return 0;
      if (Object.getOwnPropertySymbols(v).length > 0) return 0;
      const record = v as Record<string, unknown>;
      for (const key in record) {
        const item = levelAt(record[key], depth + 1);
        if (item < level) level = item;
        if (level === 0) return 0;
      }
      return level;
    }
    default:
      return 0;
  }
}

/** JSON text for a value {@link jsonLevel} accepts. */
export function stringifyJson(value: unknown, level: JsonLevel = jsonLevel(value)): string {
  return level === "plain" ? JSON.stringify(value) : write(value);
}

function write(v: unknown): string {
  switch (typeof v) {
    case "number":
      if (Number.isNaN(v)) return "NaN";
      if (v === Number.POSITIVE_INFINITY) return "Infinity";
      if (v === Number.NEGATIVE_INFINITY) return "-Infinity";
      if (Object.is(v, -0)) return "-0.0";
      // toExponential() gives the shortest digits that read back as the same number.
      return Math.abs(v) > Number.MAX_SAFE_INTEGER ? v.toExponential() : JSON.stringify(v);
    case "bigint":
      return v.toString();
    case "object": {
      if (v === null) return "null";
      if (Array.isArray(v)) return `[${v.map(write).join(",")}]`;
      const record = v as Record<string, unknown>;
      const parts: string[] = [];
      for (const key of Object.keys(record)) parts.push(`${JSON.stringify(key)}:${write(record[key])}`);
      return `{${parts.join(",")}}`;
    }
    default:
      return JSON.stringify(v);
  }
}

/**
 * True unless JSON.parse reads the text exactly: it has a NaN/Infinity token, or an integer long
 * enough to pass 2^53 (16 digits); a run of digits after a "." is a fraction (Python writes 1/7 with
 * 17 of them). A match inside a string only costs the slower path, never a wrong value. As the
 * regular expression `/NaN|Infinity|(?<![.\d])\d{16}/`, at a fraction of its cost: a run of 16 digits
 * holds two positions eight apart that are multiples of 8, so only every eighth character is looked
 * at until two such positions hold digits.
 */
export function needsParser(text: string): boolean {
  if (text.includes("NaN") || text.includes("Infinity")) return true;
  const length = text.length;
  for (let at = 0; at + 8 < length; at += 8) {
    if (!isDigit(text.charCodeAt(at)) || !isDigit(text.charCodeAt(at + 8))) continue;
    let start = at;
    while (start > 0 && isDigit(text.charCodeAt(start - 1))) start--;
    let end = at + 1;
    while (end < length && isDigit(text.charCodeAt(end))) end++;
    if (end - start >= 16 && (start === 0 || text.charCodeAt(start - 1) !== 46) /* . */) return true;
    // Past this run: the next multiple of 8 after its end.
    at = end - (end % 8);
  }
  return false;
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

/** Parses JSON text that {@link needsParser} flags (see `json-parser.ts`, loaded on first use). */
export type ExtendedParser = (text: string) => unknown;

let extended: Promise<ExtendedParser> | undefined;

/**
 * The parser for the `NaN`/`Infinity` tokens and integers beyond 2^53 (as BigInt) that Python
 * writes. It loads on first use: most JSON is read by `JSON.parse`, and a web page that never meets
 * such text never ships it.
 */
export function loadExtendedParser(): Promise<ExtendedParser> {
  extended ??= import("./json-parser.js").then((m) => m.parseExtendedJson);
  return extended;
}

/**
 * Parses JSON, also the `NaN`/`Infinity` tokens and integers beyond 2^53 (as BigInt) Python writes:
 * the value at once for text `JSON.parse` reads exactly, a promise of it otherwise.
 */
export function parseJson(text: string): unknown {
  if (!needsParser(text)) return JSON.parse(text);
  return loadExtendedParser().then((parse) => parse(text));
}
