/**
 * MIME types by extension, for `contentType` metadata and S3 uploads. `mime/lite` carries only the
 * standard types, which is all a store needs.
 */
import mime from "mime/lite";

const FALLBACK = "application/octet-stream";

// Types `mime` does not know, or knows differently from what data tools expect.
const OVERRIDES: Record<string, string> = {
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

/** The MIME type for a key, from its last extension. */
export function contentTypeFor(key: string): string {
  const dot = key.lastIndexOf(".");
  if (dot === -1 || dot < key.lastIndexOf("/")) return FALLBACK;
  const ext = key.slice(dot + 1).toLowerCase();
  return OVERRIDES[ext] ?? mime.getType(ext) ?? FALLBACK;
}
