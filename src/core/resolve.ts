/**
 * Bare-key resolution: which file a key without a known extension names. One delimited listing of
 * the key's siblings finds every representation (`config.json`, `config.yaml`…) in one request.
 */
import { type Backend, type CallOptions, isCommonPrefix, type ListedObject } from "./backend.js";
import { AmbiguousKeyError, KeyNotFoundError } from "./errors.js";
import type { HandlerRegistry } from "./handlers/registry.js";

/** The representations of a bare key that exist, and the extensionless file itself if it exists. */
export interface Variants {
  /** Files `key.<registered ext>`, in listing order. */
  withExtension: Array<ListedObject & { ext: string }>;
  /** A file named exactly `key` (no extension), if any. */
  exact?: ListedObject;
}

/** Lists the representations of a bare key. */
export async function findVariants(
  backend: Backend,
  key: string,
  registry: HandlerRegistry,
  options?: CallOptions,
): Promise<Variants> {
  const variants: Variants = { withExtension: [] };
  for await (const entry of backend.list(key, { ...options, delimiter: true })) {
    if (isCommonPrefix(entry)) continue;
    if (entry.key === key) {
      variants.exact = entry;
      continue;
    }
    const split = registry.splitKey(entry.key);
    if (split && split.bare === key) variants.withExtension.push({ ...entry, ext: split.ext });
  }
  return variants;
}

/** The file a key reads from, and the extension whose handler decodes it (none: raw bytes). */
export interface ResolvedFile {
  key: string;
  ext?: string;
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
  options: CallOptions & { format?: string; outward: (key: string) => string },
): Promise<ResolvedFile> {
  const forced = options.format === undefined ? undefined : registry.normalizeFormat(options.format);
  // In a URL key a query string is not part of the file name: `k.json?X-Amz-Signature=…` (a
  // presigned URL) is JSON. In a name, `?` is a character like any other.
  const query = backend.urlKeys ? key.indexOf("?") : -1;
  const split = registry.splitKey(key) ?? (query > 0 ? registry.splitKey(key.slice(0, query)) : undefined);
  if (split) return { key, ext: forced ?? split.ext };

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
