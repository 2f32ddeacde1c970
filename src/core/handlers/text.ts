import { DataHandler } from "./handler.js";
import { decodeText, encodeText } from "./values.js";

/** Strings as UTF-8 text. `.csv` is here for writing a string as CSV; tables own `.csv` for reading. */
export class TextHandler extends DataHandler {
  readonly extensions = [".txt", ".md", ".html", ".htm", ".csv", ".log", ".xml", ".svg"];
  override priority = 10;

  canHandleData(value: unknown): boolean {
    return typeof value === "string";
  }

  decode(bytes: Uint8Array): unknown {
    return decodeText(bytes);
  }

  encode(value: unknown): Uint8Array {
    if (typeof value !== "string") throw new TypeError("a text file holds a string");
    return encodeText(value);
  }
}
