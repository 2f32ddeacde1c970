/**
 * The byte-level backend interface every storage implements, and the composite operations written
 * once over its primitives. Backends know nothing of formats or caching.
 */
import { KeyNotFoundError, throwIfAborted } from "./errors.js";

/** What a backend can do, so callers (and errors) can tell before trying. */
export interface Capabilities {
  /** `read` honours `range` without fetching the whole object. */
  rangeRead: boolean;
  /** `presign` produces URLs usable without credentials. */
  presign: boolean;
  /** Large writes go up in parts. */
  multipart: boolean;
  /** `write`, `delete` and `copy` are allowed. */
  writable: boolean;
  /** `write` honours `mode: "create"` atomically (fails when the key exists). */
  conditionalWrite: boolean;
}

/** Metadata of one stored object. */
export interface ObjectMeta {
  /** The key relative to the backend's root, with its extension. */
  key: string;
  /** Size in bytes. */
  size: number;
  /** Last modification time. */
  modifiedTime: Date;
  /** An opaque version tag that changes whenever the content does. */
  etag?: string;
  /** The MIME type, where the backend knows it. */
  contentType?: string;
}

/**
 * An object as a listing names it. `size` and `modifiedTime` are present when the listing was asked
 * for `metadata` (object stores always have them; a disk pays one `stat` per file for them).
 */
export interface ListedObject {
  key: string;
  size?: number;
  modifiedTime?: Date;
  etag?: string;
  contentType?: string;
}

/** A "folder" in a delimited listing: every key under `prefix` (which ends in `/`). */
export interface CommonPrefix {
  prefix: string;
}

/** A byte range: `offset` (and `length`, default to the end), or the last `suffix` bytes. */
export type ByteRange = { offset: number; length?: number } | { suffix: number };

/** Progress of a transfer. `total` is undefined while unknown. */
export interface Progress {
  loaded: number;
  total?: number;
}

/** Options every backend call takes. */
export interface CallOptions {
  signal?: AbortSignal;
}

export interface ReadOptions extends CallOptions {
  /** Read only these bytes. Backends without `rangeRead` read everything and slice. */
  range?: ByteRange;
  /** Return `notModified: true` (and no body) when the object's ETag still equals this one. */
  ifNoneMatch?: string;
  /** Fail unless the object's ETag equals this one (pins resumed and ranged reads to one version). */
  ifMatch?: string;
  onProgress?: (progress: Progress) => void;
  /**
   * Ask the storage itself, whatever a cache in front of it holds (one plain request); a whole read
   * keeps what it got, so later reads never serve an older value.
   */
  ignoreCache?: boolean;
}

export interface WriteOptions extends CallOptions {
  /** `overwrite` (default) replaces; `create` fails when the key exists (where supported). */
  mode?: "overwrite" | "create";
  contentType?: string;
  /** The body's size when it is a stream and the caller knows it (progress totals, multipart plans). */
  size?: number;
  onProgress?: (progress: Progress) => void;
}

export interface DeleteOptions extends CallOptions {
  /**
   * Delete only while the object's ETag still equals this one; otherwise resolve without deleting
   * (a newer value was written meanwhile). Backends make the check and the delete one step where the
   * storage allows (memory; disk through a rename); elsewhere they are two calls.
   */
  ifMatch?: string;
  /**
   * Leave in place the folders the delete leaves empty (backends with real folders: disk, OPFS).
   * Default `false`: the store removes a key's folders once nothing is left in them, as they were made
   * for the key. AutoPath passes `true`: there folders are the user's, and pathlib's `unlink` keeps them.
   */
  keepFolders?: boolean;
}

/** Options of {@link Backend.rename}. */
export interface RenameOptions extends CallOptions {
  /** Leave the source's folders in place when the move empties them; see {@link DeleteOptions.keepFolders}. */
  keepFolders?: boolean;
}

/** Options of {@link Backend.listVariants}. */
export interface VariantListOptions extends CallOptions {
  /** List on the storage itself, past any cache in front of it, and keep that listing. */
  ignoreCache?: boolean;
}

export interface ListOptions extends CallOptions {
  /** With `delimiter: true`, keys below the next `/` are folded into {@link CommonPrefix} entries. */
  delimiter?: boolean;
  /** Fill `size` and `modifiedTime` of every entry, even where that costs a call per file. @default false */
  metadata?: boolean;
  /**
   * Also yield folder markers: the zero-byte `folder/` objects that S3 consoles and many tools make
   * (keys ending in `/`, deletable with `delete`). Listings leave them out by default: they are not
   * files of the store, but a folder holding only its marker exists. Storages without markers ignore
   * this. @default false
   */
  markers?: boolean;
}

/** The answer of {@link Backend.read}: metadata, and the body to take once as bytes or as a stream. */
export interface ReadResult {
  /**
   * Metadata of the whole object (its full size, not the range's). On a not-modified answer, `size`
   * is -1 where the service's 304 does not carry it (S3, HTTP): the caller holds the object already.
   */
  meta: ObjectMeta;
  /** True when `ifNoneMatch` matched: there is no body. */
  notModified: boolean;
  /** The range actually returned, as `[start, end)` offsets, when one was asked for. */
  range?: { start: number; end: number };
  /** The body as bytes. Call once, and not together with `stream()`. */
  bytes(): Promise<Uint8Array>;
  /** The body as a stream. Call once, and not together with `bytes()`. */
  stream(): ReadableStream<Uint8Array>;
}

/**
 * A storage: byte-level primitives over keys relative to its root.
 *
 * Contract, checked by the conformance suite (`test/conformance/backend.ts`):
 * - a missing key throws {@link KeyNotFoundError} from `read`, `head`, `delete` and `copy`;
 * - `list(prefix)` yields every object whose key starts with `prefix` (a string prefix, not only a
 *   folder), in lexicographic order; with `delimiter` it folds deeper keys into {@link CommonPrefix};
 * - a "folder" exists exactly while some object lies under it;
 * - keys are validated by the caller (see `keys.ts`) and again by backends that touch a file system.
 */
export interface Backend {
  /** The URI scheme this backend serves, e.g. `file`, `memory`, `s3`. */
  readonly scheme: string;
  /** The root as a URI, e.g. `s3://bucket/prefix/`, `file:///srv/data/`. */
  readonly root: string;
  readonly capabilities: Capabilities;
  /**
   * True when keys are URL references (escapes kept, `?` starting a query), as the backend the store
   * opens for full-URI `https://` keys takes them. Otherwise (the default) a key is a name, and `?` is
   * a character of it.
   */
  readonly urlKeys?: boolean;
  read(key: string, options?: ReadOptions): Promise<ReadResult>;
  write(
    key: string,
    body: Uint8Array | ReadableStream<Uint8Array>,
    options?: WriteOptions,
  ): Promise<ObjectMeta>;
  head(key: string, options?: CallOptions): Promise<ObjectMeta>;
  /**
   * Heads several keys at once: the metadata of each, or undefined where there is no such file. Only
   * backends where a head is a local lookup (disk, OPFS) have it; the store finds a bare key's
   * files with it instead of reading the key's whole folder. Remote backends leave it out (the store
   * lists the key's own prefix there, one request).
   */
  headMany?(keys: readonly string[], options?: CallOptions): Promise<Array<ObjectMeta | undefined>>;
  list(prefix: string, options?: ListOptions): AsyncIterable<ListedObject | CommonPrefix>;
  /**
   * The objects directly under the prefix `key.` (a delimited listing, objects only): what tells which
   * representations a bare key has (`key.json`, `key.yaml`; the caller filters out `key.v2.json` and
   * the like). Only a decorator that can answer it better than {@link Backend.list} has it: the cache
   * serves a fresh listing with no request. Absent, callers use {@link listVariantsOf}.
   */
  listVariants?(key: string, options?: VariantListOptions): Promise<ListedObject[]>;
  /** Deletes a key; with `ifMatch`, only while its ETag still equals that one. */
  delete(key: string, options?: DeleteOptions): Promise<void>;
  copy(from: string, to: string, options?: CallOptions): Promise<ObjectMeta>;
  /**
   * Copies an object of another backend here without moving its bytes through the client (two buckets
   * of one S3 service). Resolves to undefined when it cannot for this source: the caller streams instead.
   */
  copyFrom?(
    source: Backend,
    from: string,
    to: string,
    options?: CallOptions,
  ): Promise<ObjectMeta | undefined>;
  /** Moves an object in one step where the storage can (a file rename); else the store copies and deletes. */
  rename?(from: string, to: string, options?: RenameOptions): Promise<ObjectMeta>;
  /**
   * Real folders, on backends that have them (a disk): a folder may exist empty, `mkdir` makes one and
   * `rmdir` removes one. Object stores leave these out: there a folder is a prefix with objects under it.
   */
  folders?: FolderOps;
  /** A URL that grants access without credentials (backends with `capabilities.presign`). */
  presign?(key: string, options: { expiresIn: number; method: "GET" | "PUT" }): Promise<string>;
  /** The full URI of a key, for messages and metadata. */
  uri(key: string): string;
  /**
   * What names this backend's objects beyond {@link Backend.root}: the service, region and account
   * behind it, as a string with no secret in it (hash them). Caches keep entries by it and the URI,
   * so two backends that give one URI different objects (`s3://data/` on AWS and on a MinIO server)
   * never share an entry. Absent when the root alone names the objects.
   */
  cacheIdentity?(): Promise<string>;
  /** Release clients, sockets and temporary files. */
  close?(): Promise<void>;
}

/** Folder operations of a backend with real folders (see {@link Backend.folders}). */
export interface FolderOps {
  /** True when `key` is a folder (empty or not); `""` is the root. */
  isFolder(key: string, options?: CallOptions): Promise<boolean>;
  /**
   * Makes the folder. A missing parent without `parents`: {@link KeyNotFoundError}; an existing folder
   * without `existOk`, or a file in its place: `AlreadyExistsError`.
   */
  makeFolder(key: string, options?: CallOptions & { parents?: boolean; existOk?: boolean }): Promise<void>;
  /** Removes an empty folder: a folder with something in it is a `DirectoryNotEmptyError`. */
  removeFolder(key: string, options?: CallOptions): Promise<void>;
}

/** True when two ETags name the same version: quotes and a weak `W/` marker aside. */
export function sameEtag(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return bareEtag(a) === bareEtag(b);
}

function bareEtag(etag: string): string {
  const strong = etag.startsWith("W/") ? etag.slice(2) : etag;
  return strong.startsWith('"') && strong.endsWith('"') ? strong.slice(1, -1) : strong;
}

/** Narrowing for listing entries. */
export function isCommonPrefix(entry: ListedObject | CommonPrefix): entry is CommonPrefix {
  return "prefix" in entry;
}

/** Reads a whole object as bytes. */
export async function readBytes(backend: Backend, key: string, options?: ReadOptions): Promise<Uint8Array> {
  const result = await backend.read(key, options);
  return result.bytes();
}

/** True when the key exists (a `head` that does not throw {@link KeyNotFoundError}). */
export async function exists(backend: Backend, key: string, options?: CallOptions): Promise<boolean> {
  try {
    await backend.head(key, options);
    return true;
  } catch (err) {
    if (err instanceof KeyNotFoundError) return false;
    throw err;
  }
}

/** Every object under a prefix (recursively); with `metadata`, each with its size and time. */
export async function* listObjects(
  backend: Backend,
  prefix: string,
  options?: CallOptions & { metadata?: boolean },
): AsyncIterable<ListedObject> {
  for await (const entry of backend.list(prefix, { ...options, delimiter: false })) {
    if (!isCommonPrefix(entry)) yield entry;
  }
}

/**
 * The objects directly under the prefix `key.` (see {@link Backend.listVariants}), through the
 * backend's own `listVariants` where it has one, else one delimited `list`.
 */
export async function listVariantsOf(
  backend: Backend,
  key: string,
  options: VariantListOptions = {},
): Promise<ListedObject[]> {
  if (backend.listVariants) return backend.listVariants(key, options);
  const found: ListedObject[] = [];
  const call = options.signal ? { signal: options.signal } : {};
  for await (const entry of backend.list(`${key}.`, { ...call, delimiter: true })) {
    if (!isCommonPrefix(entry)) found.push(entry);
  }
  return found;
}

/** The listing prefix of a folder key: `dir` and `dir/` both mean `dir/`; `""` is the root. */
export function folderPrefix(key: string): string {
  return key === "" || key.endsWith("/") ? key : `${key}/`;
}

/**
 * True when any object lies under `key/` (a folder on disk, a prefix on object stores), a folder
 * marker (`key/` itself on S3) included.
 */
export async function isDirectory(backend: Backend, key: string, options?: CallOptions): Promise<boolean> {
  const listing = backend.list(folderPrefix(key), { ...options, delimiter: true, markers: true });
  for await (const _ of listing) return true;
  return false;
}

/** True when a file with one of `extensions` (lower-case, with the dot) lies anywhere under `key/`. */
export async function containsFileOf(
  backend: Backend,
  key: string,
  extensions: readonly string[],
  options?: CallOptions,
): Promise<boolean> {
  for await (const entry of listObjects(backend, folderPrefix(key), options)) {
    const lower = entry.key.toLowerCase();
    if (extensions.some((ext) => lower.endsWith(ext))) return true;
  }
  return false;
}

/**
 * Removes every object under a prefix, folder markers included (`dir/` itself too); returns how many.
 * Used for recursive deletes.
 */
export async function deletePrefix(
  backend: Backend,
  prefix: string,
  options?: DeleteOptions,
): Promise<number> {
  const keys: string[] = [];
  const signal = options?.signal ? { signal: options.signal } : {};
  for await (const entry of backend.list(prefix, { ...signal, delimiter: false, markers: true })) {
    if (!isCommonPrefix(entry)) keys.push(entry.key);
  }
  let removed = 0;
  for (const key of keys) {
    throwIfAborted(options?.signal);
    try {
      await backend.delete(key, options);
      removed++;
    } catch (err) {
      // Another writer may have removed it meanwhile: the goal (nothing left) is reached.
      if (!(err instanceof KeyNotFoundError)) throw err;
    }
  }
  return removed;
}

/** Copies a key between two backends by streaming its body: memory stays flat. */
export async function copyAcross(
  from: Backend,
  fromKey: string,
  to: Backend,
  toKey: string,
  options?: CallOptions & { onProgress?: (progress: Progress) => void },
): Promise<ObjectMeta> {
  const source = await from.read(fromKey, { signal: options?.signal });
  const writeOptions: WriteOptions = { size: source.meta.size };
  if (options?.signal) writeOptions.signal = options.signal;
  if (source.meta.contentType) writeOptions.contentType = source.meta.contentType;
  if (options?.onProgress) writeOptions.onProgress = options.onProgress;
  return to.write(toKey, source.stream().pipeThrough(limitChunks(PROGRESS_STEP)), writeOptions);
}

/** How many bytes a transfer moves at most between two progress reports. */
export const PROGRESS_STEP = 1024 * 1024;

/**
 * Cuts chunks larger than `size` into views of at most `size` bytes (no copy), so that whoever
 * counts a stream's chunks reports progress at least that often.
 */
export function limitChunks(size: number): TransformStream<Uint8Array, Uint8Array> {
  return new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      for (let at = 0; at < chunk.length; at += size) controller.enqueue(chunk.subarray(at, at + size));
    },
  });
}

/** Resolves a {@link ByteRange} against an object's size into `[start, end)` offsets. */
export function resolveRange(range: ByteRange, size: number): { start: number; end: number } {
  if ("suffix" in range) {
    return { start: Math.max(0, size - range.suffix), end: size };
  }
  const start = Math.min(Math.max(0, range.offset), size);
  const end = range.length === undefined ? size : Math.min(size, start + Math.max(0, range.length));
  return { start, end };
}

/** A {@link ReadResult} over bytes already in memory. */
export function bytesResult(
  meta: ObjectMeta,
  data: Uint8Array,
  range?: { start: number; end: number },
): ReadResult {
  let taken = false;
  const take = (): Uint8Array => {
    if (taken) throw new TypeError(`the body of ${meta.key} was already read`);
    taken = true;
    return data;
  };
  const result: ReadResult = {
    meta,
    notModified: false,
    bytes: async () => take(),
    stream: () => {
      const body = take();
      return new ReadableStream<Uint8Array>({
        start(controller) {
          if (body.length > 0) controller.enqueue(body);
          controller.close();
        },
      });
    },
  };
  if (range) result.range = range;
  return result;
}

/** The {@link ReadResult} of a conditional read whose ETag still matched. */
export function notModifiedResult(meta: ObjectMeta): ReadResult {
  const none = (): never => {
    throw new TypeError(`${meta.key} was not modified: there is no body`);
  };
  return { meta, notModified: true, bytes: none, stream: none };
}

/** Collects a stream into one Uint8Array, reporting progress and honouring the signal. */
export async function collectStream(
  stream: ReadableStream<Uint8Array>,
  options: { signal?: AbortSignal; total?: number; onProgress?: (progress: Progress) => void } = {},
): Promise<Uint8Array> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let loaded = 0;
  try {
    for (;;) {
      throwIfAborted(options.signal);
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      loaded += value.length;
      options.onProgress?.({ loaded, total: options.total });
    }
  } catch (err) {
    await reader.cancel(err).catch(() => undefined);
    throw err;
  } finally {
    reader.releaseLock();
  }
  return concatBytes(chunks, loaded);
}

/** Joins chunks into one array (no copy for a single chunk). */
export function concatBytes(parts: readonly Uint8Array[], length?: number): Uint8Array {
  if (parts.length === 1) return parts[0] as Uint8Array;
  const size = length ?? parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(size);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
