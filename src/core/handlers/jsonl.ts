import { DataHandler } from "./handler.js";
import { decodeText, encodeText, isJsonValue, isPlainObject } from "./values.js";

/** JSON Lines: an array of plain objects, one JSON document per line. */
export class JsonlHandler extends DataHandler {
  readonly extensions = [".jsonl", ".ndjson"];
  override priority = 12;

  canHandleData(value: unknown): boolean {
    return Array.isArray(value) && value.length > 0 && value.every(isPlainObject) && isJsonValue(value);
  }

  decode(bytes: Uint8Array): unknown {
    const rows: unknown[] = [];
    const lines = decodeText(bytes).split("\n");
    for (let i = 0; i < lines.length; i++) {
      const line = (lines[i] as string).trim();
      if (line === "") continue;
      try {
        rows.push(JSON.parse(line));
      } catch (err) {
        throw new SyntaxError(`line ${i + 1}: ${(err as Error).message}`);
      }
    }
    return rows;
  }

  encode(value: unknown): Uint8Array {
    if (!Array.isArray(value) || !isJsonValue(value)) {
      throw new TypeError("JSON Lines holds an array of JSON values");
    }
    return encodeText(value.map((row) => `${JSON.stringify(row)}\n`).join(""));
  }
}
