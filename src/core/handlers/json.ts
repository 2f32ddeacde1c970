import { DataHandler } from "./handler.js";
import { decodeText, encodeText, isJsonValue } from "./values.js";

/**
 * JSON for plain objects, arrays, numbers, booleans and null. Also reads what the Python AutoStore
 * writes for Pydantic models and dataclasses (`.pydantic.json`, `.dataclass.json`): plain JSON whose
 * shape a `schema` option can check.
 */
export class JsonHandler extends DataHandler {
  readonly extensions = [".json", ".pydantic.json", ".dataclass.json"];
  override priority = 10;

  canHandleData(value: unknown): boolean {
    return typeof value !== "string" && isJsonValue(value);
  }

  decode(bytes: Uint8Array): unknown {
    return JSON.parse(decodeText(bytes));
  }

  encode(value: unknown): Uint8Array {
    if (!isJsonValue(value)) {
      throw new TypeError(
        "JSON cannot hold this value exactly (it has NaN, undefined, a Date, a Map or a class instance); use .cbor",
      );
    }
    return encodeText(JSON.stringify(value));
  }
}
