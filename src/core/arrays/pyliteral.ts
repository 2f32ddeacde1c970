/**
 * A reader for the Python literal that is an `.npy` header (`{'descr': '<f8', 'fortran_order':
 * False, 'shape': (3, 4), }`): dicts, tuples, lists, strings, integers, True/False/None. Nothing is
 * evaluated; anything else is an error.
 */

/** A parsed Python literal. Tuples and lists both become arrays. */
export type PyLiteral = string | number | boolean | null | PyLiteral[] | { [key: string]: PyLiteral };

// Headers are tiny; the depth bound keeps a hostile `[[[[…` from exhausting the stack.
const MAX_DEPTH = 32;

/** Parses a Python literal; throws an `Error` saying where it stopped making sense. */
export function parsePyLiteral(text: string): PyLiteral {
  let pos = 0;

  const fail = (what: string): never => {
    throw new Error(`bad header: ${what} at offset ${pos} in ${JSON.stringify(text.slice(0, 200))}`);
  };
  const skip = () => {
    while (pos < text.length && /\s/.test(text[pos] as string)) pos++;
  };

  const value = (depth: number): PyLiteral => {
    if (depth > MAX_DEPTH) fail("nesting too deep");
    skip();
    const c = text[pos];
    if (c === "{") return dict(depth);
    if (c === "(" || c === "[") return sequence(c === "(" ? ")" : "]", depth);
    if (c === "'" || c === '"') return string(c);
    const word = /^(True|False|None)\b/.exec(text.slice(pos, pos + 5));
    if (word) {
      pos += (word[1] as string).length;
      return word[1] === "True" ? true : word[1] === "False" ? false : null;
    }
    const num = /^-?\d+[lL]?/.exec(text.slice(pos, pos + 40));
    if (num) {
      pos += num[0].length;
      const n = Number(num[0].replace(/[lL]$/, ""));
      if (!Number.isSafeInteger(n)) fail(`integer ${num[0]} out of range`);
      return n;
    }
    return fail("unexpected token");
  };

  const items = <T>(close: string, item: () => T): T[] => {
    const out: T[] = [];
    pos++;
    for (;;) {
      skip();
      if (text[pos] === close) {
        pos++;
        return out;
      }
      out.push(item());
      skip();
      if (text[pos] === ",") pos++;
      else if (text[pos] !== close) fail(`expected ',' or '${close}'`);
    }
  };

  const sequence = (close: string, depth: number): PyLiteral[] => items(close, () => value(depth + 1));

  const dict = (depth: number): { [key: string]: PyLiteral } => {
    const out: { [key: string]: PyLiteral } = Object.create(null);
    items("}", () => {
      skip();
      const q = text[pos];
      if (q !== "'" && q !== '"') fail("expected a string key");
      const key = string(q as string);
      skip();
      if (text[pos] !== ":") fail("expected ':'");
      pos++;
      out[key] = value(depth + 1);
    });
    return out;
  };

  const string = (quote: string): string => {
    let out = "";
    pos++;
    while (pos < text.length) {
      const c = text[pos++] as string;
      if (c === quote) return out;
      if (c !== "\\") {
        out += c;
        continue;
      }
      const e = text[pos++];
      const simple: Record<string, string> = { n: "\n", t: "\t", r: "\r", "0": "\0" };
      if (e === "x") {
        const hex = text.slice(pos, pos + 2);
        if (!/^[0-9a-fA-F]{2}$/.test(hex)) fail("bad \\x escape");
        out += String.fromCharCode(Number.parseInt(hex, 16));
        pos += 2;
      } else if (e !== undefined) out += simple[e] ?? e;
    }
    return fail("unterminated string");
  };

  const result = value(0);
  skip();
  if (pos !== text.length) fail("trailing characters");
  return result;
}
