/**
 * AutoPath: pathlib's habits over every backend. The arithmetic is pure and synchronous (`pure.ts`);
 * each I/O method is one line that hands the path's location to `io.ts`, `folders.ts`,
 * `transfers.ts` or `copy.ts`, which load on the first I/O call: a store that never uses
 * `store.path()` for I/O does not ship them.
 */
import type { Progress } from "../backend.js";
import { InvalidKeyError } from "../errors.js";
import type { AutoStore } from "../store.js";
import type { FileMetadata } from "../store-options.js";
import { clearDefaultStores, defaultStoreFor } from "./defaults.js";
import { locate } from "./locate.js";
import {
  asUriOf,
  formatPath,
  isAbsolutePath,
  joinPaths,
  matchOf,
  nameOf,
  type PurePath,
  parentOf,
  parentsOf,
  parsePath,
  partsOf,
  relativeOf,
  samePath,
  stemOf,
  suffixesOf,
  suffixOf,
  withNameOf,
  withStemOf,
  withSuffixOf,
} from "./pure.js";
import type { DownloadTarget, UploadSource } from "./transfers.js";

const loadIo = () => import("./io.js");
const loadFolders = () => import("./folders.js");
const loadTransfers = () => import("./transfers.js");
const loadCopies = () => import("./copy.js");

/** Options of `new AutoPath(path, init)`. */
export interface AutoPathInit {
  /**
   * The store the path's I/O goes through. With a store, a relative path is a key relative to its
   * root; an absolute local path or a URI is a full-URI key (its `uriKeys` policy applies). Without
   * one, a default store is made (and reused) for the path's scheme and root.
   */
  store?: AutoStore;
}

/** Options every I/O call takes. */
export interface PathCallOptions {
  signal?: AbortSignal;
}

/** Options of transfers: `onProgress` fires at least every 1 MiB or 250 ms, and once at the end. */
export interface PathTransferOptions extends PathCallOptions {
  onProgress?: (progress: Progress) => void;
}

/**
 * A path on local disk or any backend, with `pathlib.Path`'s arithmetic and I/O.
 *
 * @example
 * const p = new AutoPath("s3://bucket/data/results.json");
 * p.name;                 // "results.json"
 * String(p.parent);       // "s3://bucket/data"
 * await p.save({ ok: true });
 * await p.load();         // { ok: true }
 */
export class AutoPath {
  readonly #pure: PurePath;
  readonly #store: AutoStore | undefined;
  static #seed: PurePath | undefined;

  /**
   * @param path a local path (`./data/x.json`, `/srv/x.json`), a `file://` URI, or any URI
   *   (`s3://bucket/key`, `https://host/file.csv`, `memory://space/key`), or another AutoPath.
   */
  constructor(path: string | AutoPath, init: AutoPathInit = {}) {
    const seeded = AutoPath.#seed;
    AutoPath.#seed = undefined;
    if (typeof init !== "object" || init === null) {
      throw new InvalidKeyError("AutoPath: the second argument must be an object such as { store }");
    }
    this.#pure = seeded ?? (path instanceof AutoPath ? path.#pure : parsePath(path));
    this.#store = init.store ?? (path instanceof AutoPath ? path.#store : undefined);
  }

  /** Closes and forgets the stores that AutoPaths without a store made. */
  static async clearDefaultStores(): Promise<void> {
    await clearDefaultStores();
  }

  #derive(pure: PurePath): AutoPath {
    AutoPath.#seed = pure;
    return this.#store ? new AutoPath("", { store: this.#store }) : new AutoPath("");
  }

  #other(other: string | AutoPath): PurePath {
    return other instanceof AutoPath ? other.#pure : parsePath(other);
  }

  // ---- pure arithmetic ----

  /** The store this path's I/O goes through: the given one, or the default store for its scheme. */
  get store(): AutoStore {
    return this.#store ?? defaultStoreFor(this.#pure).store;
  }
  /** The final segment: `results.parquet`; `""` for an anchor. */
  get name(): string {
    return nameOf(this.#pure);
  }
  /** The name without its last suffix: `results`. */
  get stem(): string {
    return stemOf(this.#pure);
  }
  /** The last suffix: `.parquet`; `""` when there is none. */
  get suffix(): string {
    return suffixOf(this.#pure);
  }
  /** Every suffix: `a.tar.gz` → `[".tar", ".gz"]`. */
  get suffixes(): string[] {
    return suffixesOf(this.#pure);
  }
  /** The logical parent; an anchor (`/`, `s3://bucket`) is its own parent. */
  get parent(): AutoPath {
    return this.#derive(parentOf(this.#pure));
  }
  /** Every ancestor, nearest first. */
  get parents(): AutoPath[] {
    return parentsOf(this.#pure).map((p) => this.#derive(p));
  }
  /** The anchor (`/`, `s3://bucket`; none for a relative path), then each segment. */
  get parts(): string[] {
    return partsOf(this.#pure);
  }
  /** `file` for local paths, else the URI's scheme (`s3`, `https`…). */
  get scheme(): string {
    return this.#pure.scheme;
  }
  /** Joins segments as pathlib does: `/x` restarts the path (a URI keeps its anchor), a URI replaces it. */
  joinpath(...segments: string[]): AutoPath {
    return this.#derive(joinPaths(this.#pure, segments));
  }
  /** The same path with another suffix (`".bak"`, `".yaml.bak"`, or `""` to remove it). */
  withSuffix(suffix: string): AutoPath {
    return this.#derive(withSuffixOf(this.#pure, suffix));
  }
  /** The same path with another name. */
  withName(name: string): AutoPath {
    return this.#derive(withNameOf(this.#pure, name));
  }
  /** The same path with another stem (the suffix stays). */
  withStem(stem: string): AutoPath {
    return this.#derive(withStemOf(this.#pure, stem));
  }
  /** The relative path from `base`, which must be this path or an ancestor (else `InvalidKeyError`). */
  relativeTo(base: string | AutoPath): AutoPath {
    return this.#derive(relativeOf(this.#pure, this.#other(base)));
  }
  /** True when `base` is this path or one of its ancestors. */
  isRelativeTo(base: string | AutoPath): boolean {
    try {
      relativeOf(this.#pure, this.#other(base));
      return true;
    } catch {
      return false;
    }
  }
  /** pathlib's `match`: a relative pattern matches from the right (`*.log`, `logs/*.log`). */
  match(pattern: string): boolean {
    return matchOf(this.#pure, pattern);
  }
  /** The path with `/` separators (as `String(p)`). */
  asPosix(): string {
    return formatPath(this.#pure);
  }
  /**
   * The path as a URI, percent-encoded as pathlib's `as_uri` does: `file:///…` for a local path (a
   * relative one is resolved against its store's root), `s3://bucket/…` for a URI.
   */
  asUri(): string {
    return asUriOf(this.#pure) ?? locate(this).uri;
  }
  /** True for absolute local paths and every URI. */
  isAbsolute(): boolean {
    return isAbsolutePath(this.#pure);
  }
  /** True when both name the same path (`s3://b/x/` equals `s3://b/x`). */
  equals(other: string | AutoPath): boolean {
    return samePath(this.#pure, this.#other(other));
  }
  toString(): string {
    return formatPath(this.#pure);
  }
  toJSON(): string {
    return formatPath(this.#pure);
  }
  /** What `console.log` shows on Node. */
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return `AutoPath(${formatPath(this.#pure)})`;
  }
  /** The parsed path, for the I/O modules. @internal */
  get pure(): PurePath {
    return this.#pure;
  }
  /** The store given to this path, if any. @internal */
  get boundStore(): AutoStore | undefined {
    return this.#store;
  }

  // ---- I/O: one line each ----

  /** True when a file or a folder is here. */
  exists(options?: PathCallOptions): Promise<boolean> {
    return loadIo().then((m) => m.exists(this, options));
  }
  /** True when a file is here (exactly this name: no extension is guessed). */
  isFile(options?: PathCallOptions): Promise<boolean> {
    return loadIo().then((m) => m.isFile(this, options));
  }
  /** True when a folder is here: a real folder on disk, a prefix with objects under it elsewhere. */
  isDir(options?: PathCallOptions): Promise<boolean> {
    return loadIo().then((m) => m.isDir(this, options));
  }
  /** Size, modification time, ETag and content type of the file. */
  stat(options?: PathCallOptions): Promise<FileMetadata> {
    return loadIo().then((m) => m.stat(this, options));
  }
  readBytes(options?: PathTransferOptions & { ignoreCache?: boolean }): Promise<Uint8Array> {
    return loadIo().then((m) => m.readBytes(this, options));
  }
  readText(options?: PathTransferOptions & { ignoreCache?: boolean }): Promise<string> {
    return loadIo().then((m) => m.readText(this, options));
  }
  writeBytes(data: Uint8Array, options?: PathTransferOptions): Promise<void> {
    return loadIo().then((m) => m.writeBytes(this, data, options));
  }
  writeText(text: string, options?: PathTransferOptions): Promise<void> {
    return loadIo().then((m) => m.writeText(this, text, options));
  }
  /** The folder's direct children (files and sub-folders). */
  async *iterdir(options?: PathCallOptions): AsyncIterable<AutoPath> {
    yield* (await loadFolders()).iterdir(this, options);
  }
  /** Files under this folder matching a glob (`*.csv`, `**\/*.parquet`). */
  async *glob(pattern: string, options?: PathCallOptions): AsyncIterable<AutoPath> {
    yield* (await loadFolders()).glob(this, pattern, options);
  }
  /** `glob("**\/" + pattern)`: matching files at any depth. */
  async *rglob(pattern: string, options?: PathCallOptions): AsyncIterable<AutoPath> {
    yield* (await loadFolders()).glob(this, pattern, options, true);
  }
  /** Makes the folder on disk; on object stores checks and writes nothing (a prefix needs no making). */
  mkdir(options?: PathCallOptions & { parents?: boolean; existOk?: boolean }): Promise<void> {
    return loadFolders().then((m) => m.mkdir(this, options));
  }
  /** Removes an empty folder (`DirectoryNotEmptyError` otherwise). */
  rmdir(options?: PathCallOptions): Promise<void> {
    return loadFolders().then((m) => m.rmdir(this, options));
  }
  /** Removes the file; a missing one is `KeyNotFoundError` unless `missingOk`. */
  unlink(options?: PathCallOptions & { missingOk?: boolean }): Promise<void> {
    return loadFolders().then((m) => m.unlink(this, options));
  }
  /** Removes the file, or the folder with everything in it. */
  delete(options?: PathCallOptions): Promise<void> {
    return loadFolders().then((m) => m.deleteTree(this, options));
  }
  /** Copies the file (or the folder's whole tree) to `target`; returns the target. */
  copyTo(target: string | AutoPath, options?: PathTransferOptions): Promise<AutoPath> {
    const to = this.#target(target);
    return loadCopies().then((m) => m.copyTo(this, to, false, options));
  }
  /** Moves the file (or the folder's whole tree) to `target`; returns the target. */
  moveTo(target: string | AutoPath, options?: PathTransferOptions): Promise<AutoPath> {
    const to = this.#target(target);
    return loadCopies().then((m) => m.copyTo(this, to, true, options));
  }
  /** Streams a local file or folder (Node), a Node `Readable`, a web `ReadableStream` or a `Blob` here. */
  uploadFrom(source: UploadSource, options?: PathTransferOptions & { size?: number }): Promise<void> {
    return loadTransfers().then((m) => m.uploadFrom(this, source, options));
  }
  /** Streams this file to a local path (Node; into it when it is a folder) or a `WritableStream`. */
  downloadTo(target: DownloadTarget, options?: PathTransferOptions): Promise<void> {
    return loadTransfers().then((m) => m.downloadTo(this, target, options));
  }
  /** Reads and decodes the file by its own extension (or `format`); a folder reads as a Dataset. */
  load<T = unknown>(options?: PathTransferOptions & { format?: string; ignoreCache?: boolean }): Promise<T> {
    return loadIo().then((m) => m.load(this, options) as Promise<T>);
  }
  /** Encodes and writes a value by the path's own extension (or `format`). */
  save(value: unknown, options?: PathTransferOptions & { format?: string }): Promise<void> {
    return loadIo().then((m) => m.save(this, value, options));
  }
  /** A presigned URL (S3 backends). */
  presign(options?: { expiresIn?: number; method?: "GET" | "PUT" }): Promise<string> {
    return loadIo().then((m) => m.presign(this, options));
  }

  #target(target: string | AutoPath): AutoPath {
    return target instanceof AutoPath
      ? target
      : new AutoPath(target, this.#store ? { store: this.#store } : {});
  }
}
