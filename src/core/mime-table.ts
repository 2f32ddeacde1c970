/**
 * The full MIME table (`mime/lite`: the standard types, about 10 KB minified). The browser and edge
 * builds load it only for an extension {@link contentTypeFor} does not know by heart; the Node build
 * uses it directly, where listings need a type synchronously.
 */
import mime from "mime/lite";
import { extensionOf, FALLBACK, OVERRIDES } from "./mime.js";

/** The MIME type for a key, from its last extension, synchronously. */
export function contentTypeForSync(key: string): string {
  const ext = extensionOf(key);
  if (ext === undefined) return FALLBACK;
  return OVERRIDES[ext] ?? mime.getType(ext) ?? FALLBACK;
}
