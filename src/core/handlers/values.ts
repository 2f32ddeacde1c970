/**
 * Cheap structural tests on values, shared by handlers' `canHandleData`.
 */

/** An object made by `{}`, `Object.create(null)` or JSON.parse: not a class instance. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * True when JSON round-trips the value exactly: plain objects, arrays, strings, booleans, null and
 * finite numbers, without `undefined`, sparse arrays or cycles. Anything else would be changed by
 * JSON (NaN → null, Date → string, Map → {}), so it goes to a format that keeps it (CBOR).
 */
export function isJsonValue(value: unknown): boolean {
  return isJsonAt(value, 0);
}

// Nesting deeper than this is taken for a cycle (or near JSON.stringify's own stack limit) and left
// to CBOR, which keeps cycles. A depth count costs nothing per call, where a set of visited objects
// allocated on every `set` did.
const MAX_JSON_DEPTH = 1000;

function isJsonAt(v: unknown, depth: number): boolean {
  switch (typeof v) {
    case "string":
    case "boolean":
      return true;
    case "number":
      return Number.isFinite(v);
    case "object": {
      if (v === null) return true;
      if (depth >= MAX_JSON_DEPTH) return false;
      if (Array.isArray(v)) {
        for (let i = 0; i < v.length; i++) {
          if (!(i in v) || !isJsonAt(v[i], depth + 1)) return false;
        }
        return true;
      }
      if (!isPlainObject(v)) return false;
      for (const key in v) if (!isJsonAt(v[key], depth + 1)) return false;
      return true;
    }
    default:
      return false;
  }
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
