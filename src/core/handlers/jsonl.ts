import { DataHandler } from "./handler.js";
import { jsonRefusal } from "./json.js";
import {
  type ExtendedParser,
  jsonLevel,
  loadExtendedParser,
  needsParser,
  stringifyJson,
} from "./json-text.js";
import { decodeText, encodeText, isPlainObject } from "./values.js";

/** JSON Lines: an array of plain objects, one JSON document per line (Python's `json` on each). */
export class JsonlHandler extends DataHandler {
  readonly extensions = [".jsonl", ".ndjson"];
  override priority = 12;

  canHandleData(value: unknown): boolean {
    return (
      Array.isArray(value) && value.length > 0 && value.every(isPlainObject) && jsonLevel(value) !== undefined
    );
  }

  decode(bytes: Uint8Array): unknown {
    const text = decodeText(bytes);
    // The extended parser loads only for text that needs it (see json-text.ts).
    return needsParser(text)
      ? loadExtendedParser().then((parse) => parseLines(text, parse))
      : parseLines(text);
  }

  encode(value: unknown): Uint8Array {
    if (!Array.isArray(value)) throw new TypeError("JSON Lines holds an array of JSON values");
    const level = jsonLevel(value);
    if (level === undefined) throw jsonRefusal(value, "use .cbor");
    return encodeText(value.map((row) => `${stringifyJson(row, level)}\n`).join(""));
  }
}

/** The rows of JSON Lines text, each parsed by `parse` where given, else by `JSON.parse`. */
function parseLines(text: string, parse: ExtendedParser = JSON.parse): unknown[] {
  const rows: unknown[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] as string).trim();
    if (line === "") continue;
    try {
      rows.push(parse(line));
    } catch (err) {
      throw new SyntaxError(`line ${i + 1}: ${(err as Error).message}`);
    }
  }
  return rows;
}
