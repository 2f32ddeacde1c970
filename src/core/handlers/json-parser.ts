/**
 * The JSON parser for what `JSON.parse` cannot read exactly: `NaN`, `Infinity` and `-Infinity` as
 * bare tokens, and integers beyond ±(2^53 - 1) (read as BigInt), as Python's `json` writes them (the
 * rules are in `json-text.ts`). Loaded on first use.
 */

/** Parses one JSON document, extended as above; a `SyntaxError` names the offset of what is wrong. */
export function parseExtendedJson(text: string): unknown {
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
