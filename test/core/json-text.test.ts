/**
 * The JSON reader's slow path (text with NaN/Infinity tokens or long integers) against JSON.parse:
 * the same values for the same text, and the same refusals for text that is not JSON.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseExtendedJson } from "../../src/core/handlers/json-parser.js";
import { needsParser, parseJson, stringifyJson } from "../../src/core/handlers/json-text.js";

// JSON.stringify writes an integer between 2^53 and 1e21 as bare digits, which this reader takes for
// a BigInt on purpose (Python's ints): such values are left to the other tests.
function printsBigDigits(v: unknown): boolean {
  if (typeof v === "number")
    return Number.isInteger(v) && Math.abs(v) > Number.MAX_SAFE_INTEGER && Math.abs(v) < 1e21;
  if (typeof v !== "object" || v === null) return false;
  return Object.values(v).some(printsBigDigits);
}

// A BigInt beside the text sends it through the hand-written parser.
const slow = (text: string) => `[${text}, 12345678901234567890, NaN]`;

describe("JSON with Python's extensions", () => {
  it("reads any JSON text as JSON.parse does, when NaN or a big integer sends it down the slow path", () => {
    fc.assert(
      fc.property(
        fc.jsonValue().filter((v) => !printsBigDigits(v)),
        fc.constantFrom(undefined, 2, "\t"),
        (value, indent) => {
          const text = JSON.stringify(value, null, indent);
          const read = parseExtendedJson(slow(text)) as unknown[];
          expect(read[0]).toStrictEqual(JSON.parse(text));
          expect(read[1]).toBe(12345678901234567890n);
          expect(read[2]).toBeNaN();
        },
      ),
      { numRuns: 500 },
    );
  });

  it("refuses what JSON.parse refuses", () => {
    const jsonish = fc.string({ unit: fc.constantFrom(...'{}[]:,"\\ -+.0123456789eEtrufalsnNI\n\u0001x') });
    fc.assert(
      fc.property(jsonish, (text) => {
        fc.pre(!/NaN|Infinity/.test(text)); // JSON.parse refuses these; here they are values
        let plain: unknown;
        try {
          plain = JSON.parse(`[${text}, 0, null]`);
        } catch {
          expect(() => parseExtendedJson(slow(text))).toThrow(SyntaxError);
          return;
        }
        expect(parseExtendedJson(slow(text))).toStrictEqual([
          ...(plain as unknown[]).slice(0, -2),
          12345678901234567890n,
          Number.NaN,
        ]);
      }),
      { numRuns: 2000 },
    );
  });

  it("keeps a __proto__ key as data, and writes what it reads", async () => {
    // Text with NaN loads the extended parser: parseJson answers with a promise.
    const read = (await parseJson(
      '{"__proto__": {"polluted": 1}, "n": NaN, "big": -99999999999999999999}',
    )) as Record<string, unknown>;
    expect(Object.getPrototypeOf(read)).toBe(Object.prototype);
    expect(Object.keys(read)).toEqual(["__proto__", "n", "big"]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(stringifyJson(read)).toBe('{"__proto__":{"polluted":1},"n":NaN,"big":-99999999999999999999}');
    expect(stringifyJson([-0, 2 ** 60, Number.NEGATIVE_INFINITY])).toBe(
      "[-0.0,1.152921504606847e+18,-Infinity]",
    );
    expect(await parseJson("[-0.0,1.152921504606847e+18,-Infinity]")).toStrictEqual([
      -0,
      2 ** 60,
      Number.NEGATIVE_INFINITY,
    ]);
  });
});

describe("needsParser", () => {
  it("answers as /NaN|Infinity|(?<![.\\d])\\d{16}/ does", () => {
    const regex = /NaN|Infinity|(?<![.\d])\d{16}/;
    const char = fc.constantFrom("0", "1", "9", ".", "-", "e", " ", '"', "N", "a", "I", "nfinity", ",");
    fc.assert(
      fc.property(fc.array(char, { maxLength: 80 }), fc.integer({ min: 0, max: 40 }), (chars, run) => {
        // Long digit runs at any offset: they are what the stride scan is about.
        const text = chars.join("") + "7".repeat(run) + chars.slice(0, 5).join("");
        expect(needsParser(text)).toBe(regex.test(text));
        expect(needsParser(chars.join(""))).toBe(regex.test(chars.join("")));
      }),
      { numRuns: 5000 },
    );
  });
});
