import { hasLoneSurrogate } from "./exact.js";
import { DataHandler } from "./handler.js";
import { decodeText, encodeText } from "./values.js";

/**
 * Why UTF-8 text cannot keep this string exactly, or undefined when it can. A leading U+FEFF cannot
 * be told from a byte-order mark, which readers (this one too) drop.
 */
function textRefusal(value: string): string | undefined {
  if (value.charCodeAt(0) === 0xfeff)
    return "value: a string starting with U+FEFF (read as a byte-order mark)";
  if (hasLoneSurrogate(value)) return "value: a string with an unpaired surrogate (UTF-8 cannot encode it)";
  return undefined;
}

/**
 * Strings as UTF-8 text. `.csv` is here for writing a string as CSV; tables own `.csv` for reading.
 * A string text cannot keep goes to JSON under a bare key, and is refused under a text extension.
 */
export class TextHandler extends DataHandler {
  readonly extensions = [".txt", ".md", ".html", ".htm", ".csv", ".log", ".xml", ".svg"];
  override priority = 10;

  canHandleData(value: unknown): boolean {
    return typeof value === "string" && textRefusal(value) === undefined;
  }

  decode(bytes: Uint8Array): unknown {
    return decodeText(bytes);
  }

  encode(value: unknown): Uint8Array {
    if (typeof value !== "string") throw new TypeError("a text file holds a string");
    const refusal = textRefusal(value);
    if (refusal) throw new TypeError(`${refusal} cannot be stored as text exactly; use .json`);
    return encodeText(value);
  }
}
