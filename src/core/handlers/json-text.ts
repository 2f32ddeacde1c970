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

/** Parses JSON, also the `NaN`/`Infinity` tokens and integers beyond 2^53 (as BigInt) Python writes. */
export function parseJson(text: string): unknown {
  if (!needsParser(text)) return JSON.parse(text);
  const parser = new Parser(text);
  const value = parser.value();
  parser.end();
  return value;
}

const NUMBER = /-?(?:0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y;
// biome-ignore lint/suspicious/noControlCharactersInRegex: JSON strings may not hold them raw
const CONTROL = /[\u0000-\u001f]/;

class Parser {
  #at = 0;
  constructor(readonly text: string) {}

  value(): unknown {
    this.#skip();
    const c = this.text[this.#at];
    if (c === "{") return this.#object();
    if (c === "[") return this.#array();
    if (c === '"') return this.#string();
    if ((c !== undefined && c >= "0" && c <= "9") || (c === "-" && this.text[this.#at + 1] !== "I")) {
      return this.#number();
    }
    for (const [word, value] of WORDS) {
      if (this.text.startsWith(word, this.#at)) {
        this.#at += word.length;
        return value;
      }
    }
    return this.#fail("unexpected character");
  }

  end(): void {
    this.#skip();
    if (this.#at < this.text.length) this.#fail("unexpected text after the value");
  }

  #object(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    this.#at++;
    this.#skip();
    if (this.text[this.#at] === "}") {
      this.#at++;
      return out;
    }
    for (;;) {
      this.#skip();
      if (this.text[this.#at] !== '"') this.#fail("expected a property name");
      const key = this.#string();
      this.#skip();
      this.#expect(":");
      const value = this.value();
      // A "__proto__" key is data, as JSON.parse makes it, not the prototype.
      if (key === "__proto__") {
        Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
      } else {
        out[key] = value;
      }
      this.#skip();
      if (this.text[this.#at] === "}") {
        this.#at++;
        return out;
      }
      this.#expect(",");
    }
  }

  #array(): unknown[] {
    const out: unknown[] = [];
    this.#at++;
    this.#skip();
    if (this.text[this.#at] === "]") {
      this.#at++;
      return out;
    }
    for (;;) {
      out.push(this.value());
      this.#skip();
      if (this.text[this.#at] === "]") {
        this.#at++;
        return out;
      }
      this.#expect(",");
    }
  }

  #string(): string {
    // Find the closing quote (one not escaped by an odd run of backslashes); JSON.parse then
    // checks and unescapes the string.
    let end = this.#at;
    for (;;) {
      end = this.text.indexOf('"', end + 1);
      if (end < 0) this.#fail("unterminated string");
      let slashes = 0;
      while (this.text[end - 1 - slashes] === "\\") slashes++;
      if (slashes % 2 === 0) break;
    }
    const raw = this.text.slice(this.#at + 1, end);
    this.#at = end + 1;
    // Most strings have no escapes: take them as they are, once checked for raw control characters.
    if (!raw.includes("\\") && !CONTROL.test(raw)) return raw;
    return JSON.parse(`"${raw}"`) as string;
  }

  #number(): number | bigint {
    NUMBER.lastIndex = this.#at;
    const match = NUMBER.exec(this.text);
    if (!match) this.#fail("unexpected character");
    const token = match[0];
    this.#at = NUMBER.lastIndex;
    const n = Number(token);
    // An integer token beyond 2^53 would be rounded as a number: it reads as a BigInt.
    return match[1] === undefined && match[2] === undefined && !Number.isSafeInteger(n) ? BigInt(token) : n;
  }

  #skip(): void {
    let at = this.#at;
    for (let c = this.text.charCodeAt(at); c === 32 || c === 10 || c === 13 || c === 9; )
      c = this.text.charCodeAt(++at);
    this.#at = at;
  }

  #expect(c: string): void {
    if (this.text[this.#at] !== c) this.#fail(`expected '${c}'`);
    this.#at++;
  }

  #fail(why: string): never {
    throw new SyntaxError(`${why} at position ${this.#at}`);
  }
}

const WORDS: ReadonlyArray<readonly [string, unknown]> = [
  ["true", true],
  ["false", false],
  ["null", null],
  ["NaN", Number.NaN],
  ["Infinity", Number.POSITIVE_INFINITY],
  ["-Infinity", Number.NEGATIVE_INFINITY],
];
