/**
 * Key rules. A key is a `/`-separated path relative to a store's root. Keys are checked before any
 * I/O so that nothing is ever read or written outside the root.
 */
import { InvalidKeyError } from "./errors.js";

/** The longest key accepted, in UTF-8 bytes (S3's own limit). */
export const MAX_KEY_BYTES = 1024;

/**
 * Names the library reserves for itself: temporary files of in-flight writes start with this. A key
 * with a segment that starts with it is refused on every backend, so a stored value can never be
 * mistaken for (or swept as) an abandoned temporary file, nor hidden from listings.
 */
export const TEMP_PREFIX = ".autostore-tmp-";

const URI_PATTERN = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\/(.*)$/s;
const encoder = new TextEncoder();
// The last key `validateKey` accepted under the strictest rules.
let lastAccepted: string | undefined;

/** A URI split into its scheme and what follows `scheme://`. */
export interface ParsedUri {
  /** Lower-cased scheme, e.g. `s3`, `memory`, `file`. */
  scheme: string;
  /** Everything after `scheme://`, e.g. `bucket/prefix/key.json`. */
  rest: string;
}

/** Splits `scheme://rest`; returns undefined for plain paths and keys (`./data`, `a/b.json`). */
export function parseUri(value: string): ParsedUri | undefined {
  // Most keys are plain: no pattern to run over them.
  if (!value.includes("://")) return undefined;
  const match = URI_PATTERN.exec(value);
  if (!match) return undefined;
  return { scheme: (match[1] as string).toLowerCase(), rest: match[2] as string };
}

/**
 * Validates a relative key and returns it unchanged.
 *
 * Refused: empty keys, `.`/`..` and empty segments, absolute paths (`/x`, `C:/x`), backslashes, NUL and
 * control characters, keys over {@link MAX_KEY_BYTES} bytes, and segments starting with the reserved
 * {@link TEMP_PREFIX}.
 *
 * @param options.allowTrailingSlash accept `dir/` (a folder or dataset key); default false.
 * @param options.allowEmpty accept `""` (the root itself, for listings); default false.
 */
export function validateKey(
  key: string,
  options: { allowTrailingSlash?: boolean; allowEmpty?: boolean } = {},
): string {
  // Runs on every call, often many times per call: no closures or allocations on the accepting path.
  // The store checks a key, then its backend checks the same string again: the second time is one
  // comparison (of two references, mostly).
  if (key === lastAccepted) return key;
  if (typeof key !== "string") refuse(key, "a key must be a string");
  if (key === "") {
    if (options.allowEmpty) return key;
    refuse(key, "the key is empty");
  }
  // C0 controls, DEL and C1 controls are never meaningful in a file name, and dangerous in logs and
  // terminals. One pass for both checks: a control character is reported before a backslash.
  let backslash = false;
  for (let i = 0; i < key.length; i++) {
    const code = key.charCodeAt(i);
    if (code < 32 || (code >= 127 && code <= 159)) refuse(key, "it contains NUL or a control character");
    if (code === 92) backslash = true;
  }
  if (backslash) refuse(key, "it contains a backslash; use '/' between segments");
  // A UTF-16 unit is at most 3 UTF-8 bytes: short keys need no encoding to be measured.
  if (key.length * 3 > MAX_KEY_BYTES && encoder.encode(key).length > MAX_KEY_BYTES) {
    refuse(key, `it is longer than ${MAX_KEY_BYTES} bytes`);
  }
  if (key.charCodeAt(0) === 47 /* / */) refuse(key, "it is absolute; keys are relative to the store's root");
  if (key.charCodeAt(1) === 58 /* : */ && isAsciiLetter(key.charCodeAt(0)))
    refuse(key, "it looks like a drive path; keys are relative to the store's root");
  const end = options.allowTrailingSlash && key.endsWith("/") ? key.length - 1 : key.length;
  let start = 0;
  while (start <= end) {
    let slash = key.indexOf("/", start);
    if (slash === -1 || slash > end) slash = end;
    const length = slash - start;
    if (length === 0) refuse(key, "it has an empty segment ('//' or a trailing '/')");
    if (key.charCodeAt(start) === 46 /* . */) {
      if (length === 1 || (length === 2 && key.charCodeAt(start + 1) === 46)) {
        refuse(key, `it has a '${key.slice(start, slash)}' segment`);
      }
      if (key.startsWith(TEMP_PREFIX, start)) {
        refuse(key, `names starting with '${TEMP_PREFIX}' are reserved for temporary files`);
      }
    }
    start = slash + 1;
  }
  // Valid under the strictest rules (no trailing slash, not empty): valid under any.
  if (end === key.length) lastAccepted = key;
  return key;
}

function isAsciiLetter(code: number): boolean {
  return (code >= 65 && code <= 90) || (code >= 97 && code <= 122);
}

function refuse(key: unknown, why: string): never {
  const shown = showKey(key);
  throw new InvalidKeyError(`invalid key ${JSON.stringify(shown)}: ${why}`, { key: shown });
}

/**
 * Any value a caller passed as a key, as text for messages. Never throws: a symbol, or an object whose
 * `toString` is broken, is shown by its kind.
 */
export function showKey(key: unknown): string {
  if (typeof key === "string") return key;
  if (typeof key === "symbol") return key.description ?? "symbol";
  try {
    return String(key);
  } catch {
    return Object.prototype.toString.call(key);
  }
}

/**
 * Validates a listing prefix: like a key, but it may be empty (the whole store) and may end in `/`.
 */
export function validatePrefix(prefix: string): string {
  return validateKey(prefix, { allowTrailingSlash: true, allowEmpty: true });
}

/** The last segment of a key: `a/b/c.json` → `c.json`. */
export function basename(key: string): string {
  const trimmed = key.endsWith("/") ? key.slice(0, -1) : key;
  return trimmed.slice(trimmed.lastIndexOf("/") + 1);
}

/** Everything before the last segment, with its trailing `/`: `a/b/c.json` → `a/b/`; `c` → ``. */
export function dirname(key: string): string {
  const trimmed = key.endsWith("/") ? key.slice(0, -1) : key;
  return trimmed.slice(0, trimmed.lastIndexOf("/") + 1);
}

/** Joins a prefix and a key with exactly one `/` between them. */
export function joinKey(prefix: string, key: string): string {
  if (prefix === "") return key;
  if (key === "") return prefix;
  return prefix.endsWith("/") ? prefix + key : `${prefix}/${key}`;
}
