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
  const inPath = new Set<object>();
  const visit = (v: unknown): boolean => {
    switch (typeof v) {
      case "string":
      case "boolean":
        return true;
      case "number":
        return Number.isFinite(v);
      case "object": {
        if (v === null) return true;
        if (inPath.has(v)) return false;
        if (Array.isArray(v)) {
          inPath.add(v);
          for (let i = 0; i < v.length; i++) {
            if (!(i in v) || !visit(v[i])) return false;
          }
          inPath.delete(v);
          return true;
        }
        if (!isPlainObject(v)) return false;
        inPath.add(v);
        for (const key in v) if (!visit(v[key])) return false;
        inPath.delete(v);
        return true;
      }
      default:
        return false;
    }
  };
  return visit(value);
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
