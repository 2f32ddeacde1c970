/**
 * MIME types by extension, for `contentType` metadata and S3 uploads. The types a store writes
 * every day are known here; any other extension loads the full standard table
 * (`mime-table.ts`, `mime/lite`) on first use, which keeps it out of a web app's start bundle.
 */

/** The type of a key without a known extension. */
export const FALLBACK = "application/octet-stream";

// Types `mime` does not know, or knows differently from what data tools expect.
export const OVERRIDES: Record<string, string> = {
  jsonl: "application/jsonl",
  parquet: "application/vnd.apache.parquet",
  arrow: "application/vnd.apache.arrow.file",
  feather: "application/vnd.apache.arrow.file",
  npy: "application/octet-stream",
  npz: "application/zip",
  safetensors: "application/octet-stream",
  yaml: "application/yaml",
  yml: "application/yaml",
  cbor: "application/cbor",
};

// What `mime/lite` answers for the extensions the built-in handlers write and a few common web
// types; a test holds these equal to the full table.
export const COMMON: Record<string, string> = {
  json: "application/json",
  txt: "text/plain",
  csv: "text/csv",
  bin: "application/octet-stream",
  html: "text/html",
  css: "text/css",
  js: "text/javascript",
  xml: "application/xml",
  svg: "image/svg+xml",
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  gif: "image/gif",
  webp: "image/webp",
  pdf: "application/pdf",
  zip: "application/zip",
  gz: "application/gzip",
  md: "text/markdown",
};

/** The key's last extension, lower-case and without its dot; undefined when the name has none. */
export function extensionOf(key: string): string | undefined {
  const dot = key.lastIndexOf(".");
  if (dot === -1 || dot < key.lastIndexOf("/")) return undefined;
  return key.slice(dot + 1).toLowerCase();
}

/**
 * The MIME type for a key when its extension is one of the common ones known by heart (no table to
 * load); undefined otherwise. For backends that keep no type and must answer synchronously (OPFS).
 */
export function knownContentType(key: string): string | undefined {
  const ext = extensionOf(key);
  return ext === undefined ? undefined : (OVERRIDES[ext] ?? COMMON[ext]);
}

/** The MIME type for a key, from its last extension. */
export async function contentTypeFor(key: string): Promise<string> {
  if (extensionOf(key) === undefined) return FALLBACK;
  const known = knownContentType(key);
  if (known !== undefined) return known;
  const { contentTypeForSync } = await import("./mime-table.js");
  return contentTypeForSync(key);
}
