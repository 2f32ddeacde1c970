/**
 * AutoPath's I/O over a store's backends. A path names one file exactly (no extension is guessed);
 * a folder is a real folder where the backend has them (`Backend.folders`) and a prefix with objects
 * under it elsewhere.
 */

import { isDirectory, exists as objectExists, type Progress } from "../backend.js";
import { type CallOptionKind, checkCallOptions } from "../call-options.js";
import {
  asCallError,
  DecodeError,
  InvalidKeyError,
  IsADirectoryError,
  isAutoStoreError,
  KeyNotFoundError,
  ReadOnlyError,
  UnsupportedFormatError,
  UnsupportedOperationError,
} from "../errors.js";
import type { FileMetadata } from "../store-options.js";
import type { AutoPath, PathCallOptions, PathTransferOptions } from "./autopath.js";
import { storeInternals } from "./internals.js";

const TRANSFER = { onProgress: "function" } as const;
/** The options each AutoPath call takes besides `signal`: others are a `ConfigError` (a typo). */
export const OPTION_FIELDS: Readonly<Record<string, Readonly<Record<string, CallOptionKind>>>> = {
  read: { ...TRANSFER, ignoreCache: "boolean" },
  write: TRANSFER,
  load: { ...TRANSFER, ignoreCache: "boolean", format: "string" },
  save: { ...TRANSFER, format: "string" },
  mkdir: { parents: "boolean", existOk: "boolean" },
  unlink: { missingOk: "boolean" },
  uploadFrom: { ...TRANSFER, size: "number" },
  downloadTo: TRANSFER,
  copyTo: TRANSFER,
  moveTo: TRANSFER,
};

import { type Located, locate } from "./locate.js";

export { type Located, locate };

/** Runs an I/O step so that it rejects with the signal's reason once aborted, else an AutoStoreError. */
export async function guard<T>(
  action: string,
  path: AutoPath,
  options: PathCallOptions | undefined,
  run: (at: Located) => Promise<T>,
): Promise<T> {
  try {
    checkCallOptions(`AutoPath.${action}`, options, OPTION_FIELDS[action]);
    return await run(locate(path));
  } catch (err) {
    throw typed(err, action, path, options?.signal);
  }
}

export function typed(err: unknown, action: string, path: AutoPath, signal?: AbortSignal): unknown {
  const call = { action, key: String(path), ...(signal ? { signal } : {}) };
  if (signal?.aborted || isAutoStoreError(err)) return asCallError(err, call);
  // Another error (a source stream that failed mid-upload): named by the path's URI as well.
  let uri: string | undefined;
  try {
    uri = locate(path).uri;
  } catch {
    // A path that does not resolve has no URI; its key names it.
  }
  return asCallError(err, uri === undefined ? call : { ...call, uri });
}

export function context(at: Located) {
  return { key: at.storeKey, uri: at.uri, backend: at.target.backend.scheme };
}

export function checkWritable(at: Located, action: string): void {
  if (!at.target.backend.capabilities.writable) {
    throw new ReadOnlyError(
      `${action} ${at.uri}: the ${at.target.backend.scheme} backend is read-only`,
      context(at),
    );
  }
}

/** True when the path names a file (a folder's root key never does). */
export async function fileExists(at: Located, signal?: AbortSignal): Promise<boolean> {
  return at.target.key !== "" && objectExists(at.target.backend, at.target.key, signal ? { signal } : {});
}

export async function folderExists(at: Located, signal?: AbortSignal): Promise<boolean> {
  const { backend, key } = at.target;
  if (backend.folders) return backend.folders.isFolder(key, { signal });
  if (key !== "") {
    try {
      return await isDirectory(backend, key, { signal });
    } catch (err) {
      // A backend without listings (HTTP): a URL names a file or nothing. A listing answered 404
      // (S3's NoSuchBucket): nothing is there, as for the bucket itself below and for `has`.
      if (err instanceof UnsupportedOperationError) return false;
      if (isAutoStoreError(err) && err.status === 404) return false;
      throw err;
    }
  }
  // The root (a bucket) is a folder while it exists, empty or not.
  try {
    for await (const _ of backend.list("", { signal, delimiter: true })) break;
    return true;
  } catch (err) {
    if (err instanceof KeyNotFoundError || err instanceof UnsupportedOperationError) return false;
    if (isAutoStoreError(err) && err.status === 404) return false;
    throw err;
  }
}

export const exists = (path: AutoPath, o?: PathCallOptions) =>
  guard("exists", path, o, async (at) => (await fileExists(at, o?.signal)) || folderExists(at, o?.signal));

export const isFile = (path: AutoPath, o?: PathCallOptions) =>
  guard("isFile", path, o, (at) => fileExists(at, o?.signal));

export const isDir = (path: AutoPath, o?: PathCallOptions) =>
  guard("isDir", path, o, (at) => folderExists(at, o?.signal));

/** A missing file's error: `IsADirectoryError` when a folder stands there. */
export async function notAFile(
  at: Located,
  err: unknown,
  action: string,
  signal?: AbortSignal,
): Promise<unknown> {
  if ((at.target.key === "" || err instanceof KeyNotFoundError) && (await folderExists(at, signal))) {
    return new IsADirectoryError(`${action} ${at.uri}: it is a folder`, { ...context(at), cause: err });
  }
  return err;
}

export const stat = (path: AutoPath, o?: PathCallOptions) =>
  guard("stat", path, o, async (at): Promise<FileMetadata> => {
    try {
      if (at.target.key === "") throw new KeyNotFoundError(`not found: ${at.uri}`, context(at));
      const meta = await at.target.backend.head(at.target.key, { signal: o?.signal });
      const out: FileMetadata = {
        key: at.target.outward(meta.key),
        uri: at.uri,
        size: meta.size,
        modifiedTime: meta.modifiedTime,
      };
      if (meta.etag !== undefined) out.etag = meta.etag;
      if (meta.contentType !== undefined) out.contentType = meta.contentType;
      return out;
    } catch (err) {
      throw await notAFile(at, err, "stat", o?.signal);
    }
  });

async function readAt(
  at: Located,
  o: PathTransferOptions & { ignoreCache?: boolean } = {},
): Promise<Uint8Array> {
  try {
    if (at.target.key === "") throw new KeyNotFoundError(`not found: ${at.uri}`, context(at));
    const progress = endOnce(o.onProgress);
    const result = await at.target.backend.read(at.target.key, {
      signal: o.signal,
      onProgress: progress.report,
      ignoreCache: o.ignoreCache,
    });
    const bytes = await result.bytes();
    progress.end(bytes.length);
    return bytes;
  } catch (err) {
    throw await notAFile(at, err, "read", o.signal);
  }
}

export const readBytes = (path: AutoPath, o?: PathTransferOptions & { ignoreCache?: boolean }) =>
  guard("read", path, o, (at) => readAt(at, o));

export const readText = (path: AutoPath, o?: PathTransferOptions & { ignoreCache?: boolean }) =>
  guard("read", path, o, async (at) => {
    const bytes = await readAt(at, o);
    try {
      // Strict, as pathlib's read_text: a file in another encoding fails rather than turning into U+FFFD.
      return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    } catch (err) {
      throw new DecodeError(`read ${at.uri}: not valid UTF-8 text`, {
        ...context(at),
        format: "txt",
        cause: err,
      });
    }
  });

async function writeAt(at: Located, data: Uint8Array, o: PathTransferOptions = {}): Promise<void> {
  checkWritable(at, "write");
  const { backend, key } = at.target;
  if (key === "" || (backend.folders && (await backend.folders.isFolder(key, { signal: o.signal })))) {
    throw new IsADirectoryError(`write ${at.uri}: it is a folder`, context(at));
  }
  const progress = endOnce(o.onProgress);
  await backend.write(key, data, { signal: o.signal, onProgress: progress.report });
  progress.end(data.length);
}

/** Passes a backend's progress on, and reports the end only when the backend has not. */
function endOnce(onProgress: ((progress: Progress) => void) | undefined) {
  let last: Progress | undefined;
  return {
    report: onProgress
      ? (progress: Progress) => {
          last = progress;
          onProgress(progress);
        }
      : undefined,
    end(size: number) {
      if (last?.loaded !== size || last.total !== size) onProgress?.({ loaded: size, total: size });
    },
  };
}

export const writeBytes = (path: AutoPath, data: Uint8Array, o?: PathTransferOptions) =>
  guard("write", path, o, (at) => {
    if (!(data instanceof Uint8Array))
      throw new InvalidKeyError(`writeBytes ${at.uri}: data must be a Uint8Array`, context(at));
    return writeAt(at, data, o);
  });

export const writeText = (path: AutoPath, text: string, o?: PathTransferOptions) =>
  guard("write", path, o, (at) => {
    if (typeof text !== "string")
      throw new InvalidKeyError(`writeText ${at.uri}: text must be a string`, context(at));
    return writeAt(at, new TextEncoder().encode(text), o);
  });

/** The handler extension of a path: `format`'s, else its own name's; undefined when neither names one. */
function extensionOf(at: Located, path: AutoPath, format: string | undefined): string | undefined {
  const handlers = storeInternals().handlers(at.store);
  if (format !== undefined) return handlers.normalizeFormat(format);
  return handlers.splitKey(path.name)?.ext;
}

export const load = (
  path: AutoPath,
  o: PathTransferOptions & { format?: string; ignoreCache?: boolean } = {},
) =>
  guard("load", path, o, async (at) => {
    const ext = extensionOf(at, path, o.format);
    if (ext === undefined || !(await fileExists(at, o.signal))) {
      // A folder reads as a dataset; a file with no known extension as its bytes.
      if (await folderExists(at, o.signal))
        return at.store.get(`${at.storeKey.replace(/\/$/, "")}/`, { signal: o.signal });
      if (ext === undefined) return readAt(at, o);
    }
    const bytes = await readAt(at, o);
    return storeInternals().decode(at.store, at.target, at.target.key, ext as string, bytes, o.signal);
  });

export const save = (path: AutoPath, value: unknown, o: PathTransferOptions & { format?: string } = {}) =>
  guard("save", path, o, async (at) => {
    const ext = extensionOf(at, path, o.format);
    if (ext === undefined) {
      throw new UnsupportedFormatError(
        `save ${at.uri}: '${path.name}' has no known extension; name the file with one (e.g. .json) or pass { format }`,
        context(at),
      );
    }
    checkWritable(at, "save");
    const bytes = await storeInternals().encode(at.store, at.target, at.target.key, ext, value, o.signal);
    await writeAt(at, bytes, o);
  });

export const presign = (path: AutoPath, o: { expiresIn?: number; method?: "GET" | "PUT" } = {}) =>
  guard("presign", path, {}, (at) => at.store.presign(at.storeKey, o));
