/**
 * Bare-key resolution: which file a key without a known extension names. Its representations are the
 * files `key.<registered extension>` (lower case, as every writer of this library and Python's
 * AutoStore names them), plus the extensionless file `key` itself. They are found without reading the
 * key's whole folder, so a bare key costs the same among 20 siblings as among 20,000:
 * - backends with local lookups (`headMany`: disk, OPFS) look up each candidate name;
 * - the others list the prefix `key.` (memory: one lookup in its index of dotted prefixes, cheaper
 *   than hashing ~30 names in a large space; S3: one request, since every extension starts with a
 *   dot; none when a cache in front holds a fresh listing), and head the exact name only when that
 *   finds nothing or when every file is wanted.
 */
import {
  type Backend,
  type CallOptions,
  type ListedObject,
  listVariantsOf,
  type ObjectMeta,
} from "./backend.js";
import { AmbiguousKeyError, KeyNotFoundError, UnsupportedOperationError } from "./errors.js";
import type { HandlerRegistry } from "./handlers/registry.js";
import { MAX_KEY_BYTES } from "./keys.js";

/** The representations of a bare key that exist, and the extensionless file itself if it exists. */
export interface Variants {
  /** Files `key.<registered ext>`, in key order. */
  withExtension: Array<ListedObject & { ext: string }>;
  /** A file named exactly `key` (no extension), if any. */
  exact?: ListedObject;
}

const encoder = new TextEncoder();

/**
 * Finds the representations of a bare key. The extensionless file is looked for when no
 * representation has an extension (`"ifNone"`, the default), always (`"always"`: a delete removes it
 * too) or never (`"never"`: replacing a bare key's value keeps it). `ignoreCache` lists on the
 * storage itself even when a cache holds a fresh listing.
 */
export async function findVariants(
  backend: Backend,
  key: string,
  registry: HandlerRegistry,
  options: CallOptions & { exact?: "always" | "ifNone" | "never"; ignoreCache?: boolean } = {},
): Promise<Variants> {
  const variants: Variants = { withExtension: [] };
  const call = options.signal ? { signal: options.signal } : {};
  if (backend.headMany) {
    // Tight loops: this runs on every bare-key get and set, ~30 lookups each.
    const exts = registry.extensions;
    const names = candidateKeys(key, exts);
    const found = await backend.headMany(names, call);
    for (let i = 0; i < found.length; i++) {
      const meta = found[i];
      if (meta && names[i] !== key) variants.withExtension.push({ ...meta, ext: exts[i] as string });
    }
    if (variants.withExtension.length > 1) variants.withExtension.sort((a, b) => (a.key < b.key ? -1 : 1));
    if (wantsExact(options.exact, variants)) {
      const [exact] = await backend.headMany([key], call);
      if (exact) variants.exact = { ...exact };
    }
    return variants;
  }
  let noListing: UnsupportedOperationError | undefined;
  try {
    const listed = await listVariantsOf(
      backend,
      key,
      options.ignoreCache ? { ...call, ignoreCache: true } : call,
    );
    for (const entry of listed) {
      const split = registry.splitKey(entry.key);
      // `key.` also lists `key.v2.json` (the bare key `key.v2`) and `key.JSON`: neither is a representation.
      if (split && split.bare === key && entry.key.endsWith(split.ext)) {
        variants.withExtension.push({ ...entry, ext: split.ext });
      }
    }
  } catch (err) {
    // No listing (plain HTTP): only the exact name can be found, such as a presigned URL's.
    if (!(err instanceof UnsupportedOperationError)) throw err;
    noListing = err;
  }
  if (noListing || wantsExact(options.exact, variants)) {
    const exact = await headIfExists(backend, key, call);
    if (exact) variants.exact = { ...exact };
    else if (noListing) throw noListing;
  }
  return variants;
}

function wantsExact(exact: "always" | "ifNone" | "never" | undefined, variants: Variants): boolean {
  return exact === "always" || (exact !== "never" && variants.withExtension.length === 0);
}

/**
 * `key + ext` for every registered extension, in the registry's order. A name past the key length
 * limit cannot exist; it stays in the list (so indexes line up) as the key itself, and is skipped.
 */
function candidateKeys(key: string, exts: readonly string[]): string[] {
  const names = new Array<string>(exts.length);
  const long = key.length * 3 + 32 > MAX_KEY_BYTES;
  for (let i = 0; i < exts.length; i++) {
    const name = key + exts[i];
    names[i] = long && encoder.encode(name).length > MAX_KEY_BYTES ? key : name;
  }
  return names;
}

/** The object's metadata, or undefined when there is none. */
async function headIfExists(
  backend: Backend,
  key: string,
  options: CallOptions,
): Promise<ObjectMeta | undefined> {
  try {
    return await backend.head(key, options);
  } catch (err) {
    if (err instanceof KeyNotFoundError) return undefined;
    throw err;
  }
}

/** The file a key reads from, and the extension whose handler decodes it (none: raw bytes). */
export interface ResolvedFile {
  key: string;
  ext?: string;
}

/**
 * The file a key with a registered extension reads from: the key itself, decoded by that extension's
 * handler; undefined for a bare key. In a URL key a query string is not part of the file name:
 * `k.json?X-Amz-Signature=…` (a presigned URL) is JSON. In a name, `?` is a character like any other.
 */
export function resolveByExtension(
  backend: Backend,
  key: string,
  registry: HandlerRegistry,
): ResolvedFile | undefined {
  const split = registry.splitKey(key);
  if (split) return { key, ext: split.ext };
  const query = backend.urlKeys ? key.indexOf("?") : -1;
  const inUrl = query > 0 ? registry.splitKey(key.slice(0, query)) : undefined;
  return inUrl ? { key, ext: inUrl.ext } : undefined;
}

/**
 * Resolves a key for reading:
 * - a key with a registered extension is itself;
 * - a bare key with exactly one representation is that file (preferring `format`'s extension, when
 *   given, among several);
 * - several: {@link AmbiguousKeyError} naming them all; none: the extensionless file if it exists,
 *   else {@link KeyNotFoundError}.
 */
export async function resolveForRead(
  backend: Backend,
  key: string,
  registry: HandlerRegistry,
  options: CallOptions & { format?: string; ignoreCache?: boolean; outward: (key: string) => string },
): Promise<ResolvedFile> {
  const forced = options.format === undefined ? undefined : registry.normalizeFormat(options.format);
  const known = resolveByExtension(backend, key, registry);
  if (known) return forced ? { key, ext: forced } : known;

  const variants = await findVariants(backend, key, registry, options);
  let found = variants.withExtension;
  if (forced && found.length > 1) {
    const preferred = found.filter((v) => v.ext === forced);
    if (preferred.length === 1) found = preferred;
  }
  if (found.length === 1) {
    const only = found[0] as ListedObject & { ext: string };
    return { key: only.key, ext: forced ?? only.ext };
  }
  const context = { key: options.outward(key), uri: backend.uri(key), backend: backend.scheme };
  if (found.length > 1) {
    const names = found.map((v) => options.outward(v.key));
    throw new AmbiguousKeyError(
      `ambiguous key '${context.key}': it matches ${names.join(", ")}; name the file with its extension`,
      names,
      context,
    );
  }
  if (variants.exact) {
    const resolved: ResolvedFile = { key };
    if (forced) resolved.ext = forced;
    return resolved;
  }
  throw new KeyNotFoundError(`not found: ${context.uri} (no file with a known extension)`, context);
}
