/**
 * Cheap structural tests on values, shared by handlers' `canHandleData`.
 */

/** An object made by `{}`, `Object.create(null)` or JSON.parse: not a class instance. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** A byte container the bytes handler writes as-is. */
export function isBinary(value: unknown): value is Uint8Array | ArrayBuffer | Blob {
  return (
    value instanceof Uint8Array ||
    value instanceof ArrayBuffer ||
    (typeof Blob !== "undefined" && value instanceof Blob)
  );
}

const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

/** UTF-8 bytes of a string. */
export function encodeText(text: string): Uint8Array {
  return utf8.encode(text);
}

/** A UTF-8 string from bytes; invalid UTF-8 throws (the store turns it into a DecodeError). A BOM is dropped. */
export function decodeText(bytes: Uint8Array): string {
  return utf8Decoder.decode(bytes);
}
