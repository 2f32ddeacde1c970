import { describeUnsupported, findUnsupported, type ValueRules } from "./exact.js";
import { DataHandler } from "./handler.js";
import { jsonLevel, parseJson, stringifyJson } from "./json-text.js";
import { decodeText, encodeText } from "./values.js";

/** What JSON keeps, for naming the part of a value it cannot (see json-text.ts for the writer). */
export const JSON_RULES: ValueRules = {
  format: "JSON",
  structured: false,
  negativeZero: true,
  loneSurrogates: true,
  protoKey: true,
  nonFinite: true,
  bigints: "beyond-safe",
  cycles: false,
};

/** A TypeError (the store makes it an UnsupportedFormatError) naming what JSON cannot keep. */
export function jsonRefusal(value: unknown, what: string): TypeError {
  const found = findUnsupported(value, JSON_RULES);
  const where = found ? describeUnsupported(found) : "value: nested too deep";
  return new TypeError(`${where}; ${what}`);
}

/**
 * JSON for plain objects, arrays, numbers, booleans and null, read and written as Python's `json`
 * does (`NaN`, `Infinity`, integers of any size). Also reads what the Python AutoStore writes for
 * Pydantic models and dataclasses (`.pydantic.json`, `.dataclass.json`): plain JSON whose shape a
 * `schema` option can check.
 */
export class JsonHandler extends DataHandler {
  readonly extensions = [".json", ".pydantic.json", ".dataclass.json"];
  override priority = 10;

  // A string goes to text first (the text handler ranks above this one); it comes here only when
  // text cannot keep it (an unpaired surrogate, a leading U+FEFF), since JSON escapes both.
  canHandleData(value: unknown): boolean {
    return jsonLevel(value) !== undefined;
  }

  decode(bytes: Uint8Array): unknown {
    return parseJson(decodeText(bytes));
  }

  encode(value: unknown): Uint8Array {
    const level = jsonLevel(value);
    if (level === undefined) throw jsonRefusal(value, "use .cbor (the default for such values)");
    return encodeText(stringifyJson(value, level));
  }
}
