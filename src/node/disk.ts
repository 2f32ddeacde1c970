/**
 * The local disk backend. Writes are atomic (a temporary file in the same folder, then a rename), so
 * a crash leaves the old value whole; nothing is read or written outside the root, symlinks included.
 */
import { randomBytes } from "node:crypto";
import type { Stats } from "node:fs";
import * as fs from "node:fs/promises";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import type { FolderOps } from "../core/backend.js";
import {
  type Backend,
  bytesResult,
  type CallOptions,
  type Capabilities,
  type CommonPrefix,
  type DeleteOptions,
  type ListedObject,
  type ListOptions,
  notModifiedResult,
  type ObjectMeta,
  PROGRESS_STEP,
  type Progress,
  type ReadOptions,
  type ReadResult,
  type RenameOptions,
  resolveRange,
  sameEtag,
  type WriteOptions,
} from "../core/backend.js";
import {
  AutoStoreError,
  BackendError,
  describeCause,
  InvalidKeyError,
  IsADirectoryError,
  KeyNotFoundError,
  NotADirectoryError,
  PermissionDeniedError,
  throwIfAborted,
} from "../core/errors.js";
import { TEMP_PREFIX, validateKey } from "../core/keys.js";
import { contentTypeForSync } from "../core/mime-table.js";
import { diskFolders } from "./disk-folders.js";
import { headMany, type LookupDisk } from "./disk-head.js";
import { type ListingDisk, listDisk, listDiskPages } from "./disk-list.js";
import { DiskRoot, isInside } from "./disk-root.js";
import { fdClose, fdOpen, fdRead, fdStat, fdWriteAll } from "./fd.js";
import { fileStream } from "./file-stream.js";

export { TEMP_PREFIX };

// Files up to this size are read in one pass when opened; larger ones stay open until their body is
// taken as bytes or as a stream.
const EAGER_READ_LIMIT = 8 * 1024 * 1024;

/** Options of {@link DiskBackend}. */
export interface DiskBackendOptions {
  /** Called on every operation for debugging. */
  logger?: { debug(message: string): void };
}

/** Files under a folder of the local disk. */
export class DiskBackend implements Backend {
  readonly scheme = "file";
  readonly root: string;
  readonly capabilities: Capabilities = {
    rangeRead: true,
    presign: false,
    multipart: false,
    writable: true,
    conditionalWrite: true,
  };
  /** The absolute folder, as given (resolved against the working directory). */
  readonly directory: string;
  readonly #root: DiskRoot;
  /** Real folders: AutoPath's `mkdir`, `rmdir` and `isDir` on disk. */
  readonly folders: FolderOps;
  readonly #listing: ListingDisk;
  readonly #lookup: LookupDisk;

  /** @param directory the root folder; created on the first write. */
  constructor(directory: string) {
    this.directory = path.resolve(directory);
    this.root = pathToFileURL(this.directory + path.sep).href;
    this.#root = new DiskRoot(this.directory, (key) => this.uri(key), this.scheme);
    this.folders = diskFolders(this, this.#root);
    this.#listing = {
      directory: this.directory,
      realRoot: () => this.#tryRealRoot(),
      meta: (key, stat) => this.#meta(key, stat),
      mapError: (err, action, key) => this.#mapError(err, action, key),
    };
    this.#lookup = { ...this.#listing, root: this.#root, head: (key, options) => this.head(key, options) };
  }

  uri(key: string): string {
    return key === "" ? this.root : pathToFileURL(path.join(this.directory, key)).href;
  }

  // ---- reading ----

  async read(key: string, options: ReadOptions = {}): Promise<ReadResult> {
    throwIfAborted(options.signal);
    const real = await this.#realFile(key);
    const small = await this.#readSmall(real, key, options);
    if (small !== undefined) return small;
    // Too large to read at once: a FileHandle, which stays open for the body and can stream.
    const handle = await fs.open(real, "r").catch((err: unknown) => {
      throw this.#mapError(err, "read", key);
    });
    let keepOpen = false;
    try {
      const found = this.#checkRead(key, await handle.stat(), options);
      if ("answer" in found) return found.answer;
      const { meta, range } = found;
      const length = range.end - range.start;
      if (length <= EAGER_READ_LIMIT) {
        // Replaced by a smaller file since `#readSmall` looked.
        const data = await readAt(handle, range.start, length, options.signal);
        options.onProgress?.({ loaded: length, total: length });
        return bytesResult(meta, data, options.range ? range : undefined);
      }
      keepOpen = true;
      return this.#lazyResult(handle, meta, range, options);
    } catch (err) {
      throw this.#mapError(err, "read", key);
    } finally {
      if (!keepOpen) await handle.close();
    }
  }

  /** Reads the file whole if what is asked of it is at most {@link EAGER_READ_LIMIT} bytes; else undefined. */
  async #readSmall(real: string, key: string, options: ReadOptions): Promise<ReadResult | undefined> {
    const fd = await fdOpen(real, "r").catch((err: unknown) => {
      throw this.#mapError(err, "read", key);
    });
    try {
      const found = this.#checkRead(key, await fdStat(fd), options);
      if ("answer" in found) return found.answer;
      const { meta, range } = found;
      const length = range.end - range.start;
      if (length > EAGER_READ_LIMIT) return undefined;
      const data = new Uint8Array(length);
      let done = 0;
      const step = options.onProgress ? PROGRESS_STEP : length;
      while (done < length) {
        throwIfAborted(options.signal);
        const ask = Math.min(length - done, step);
        const { bytesRead } = await fdRead(fd, data, done, ask, range.start + done);
        if (bytesRead === 0) break; // the file shrank meanwhile
        done += bytesRead;
        if (done < length) options.onProgress?.({ loaded: done, total: length });
      }
      options.onProgress?.({ loaded: done, total: done });
      return bytesResult(
        meta,
        done < length ? data.subarray(0, done) : data,
        options.range ? range : undefined,
      );
    } catch (err) {
      throw this.#mapError(err, "read", key);
    } finally {
      await fdClose(fd);
    }
  }

  /** The checks of a read on an open file: its metadata and range, or the answer when nothing is to be read. */
  #checkRead(
    key: string,
    stat: Stats,
    options: ReadOptions,
  ): { meta: ObjectMeta; range: { start: number; end: number } } | { answer: ReadResult } {
    if (!stat.isFile()) throw this.#notFound(key, "it is a folder");
    const meta = this.#meta(key, stat);
    if (options.ifMatch !== undefined && options.ifMatch !== meta.etag) {
      throw new AutoStoreError(`changed since it was first read: ${this.uri(key)}`, {
        ...this.#context(key),
        status: 412,
      });
    }
    if (options.ifNoneMatch !== undefined && options.ifNoneMatch === meta.etag)
      return { answer: notModifiedResult(meta) };
    const range = options.range ? resolveRange(options.range, stat.size) : { start: 0, end: stat.size };
    return { meta, range };
  }

  #lazyResult(
    handle: fs.FileHandle,
    meta: ObjectMeta,
    range: { start: number; end: number },
    options: ReadOptions,
  ): ReadResult {
    let taken = false;
    const take = () => {
      if (taken) throw new TypeError(`the body of ${meta.key} was already read`);
      taken = true;
    };
    const length = range.end - range.start;
    const result: ReadResult = {
      meta,
      notModified: false,
      bytes: async () => {
        take();
        try {
          const data = await readAt(handle, range.start, length, options.signal, options.onProgress);
          options.onProgress?.({ loaded: length, total: length });
          return data;
        } finally {
          await handle.close();
        }
      },
      stream: () => {
        take();
        return fileStream(handle, range.start, range.end, {
          ...(options.signal ? { signal: options.signal } : {}),
          ...(options.onProgress
            ? { onChunk: (loaded: number) => options.onProgress?.({ loaded, total: length }) }
            : {}),
        });
      },
    };
    if (options.range) result.range = range;
    return result;
  }

  async head(key: string, options: CallOptions = {}): Promise<ObjectMeta> {
    throwIfAborted(options.signal);
    const real = await this.#realFile(key);
    try {
      const stat = await fs.stat(real);
      if (!stat.isFile()) throw this.#notFound(key, "it is a folder");
      return this.#meta(key, stat);
    } catch (err) {
      throw this.#mapError(err, "head", key);
    }
  }

  /**
   * Heads several names at once with synchronous `lstat`s: a bare key's ~30 candidate names cost
   * ~80 µs this way against ~400 µs through the thread pool, and a lookup of a name in a folder the
   * kernel has cached never waits on the disk. Links and anything unusual take the checked `head`.
   *
   * When many names share a folder whose entries fit in one directory block, one `readdir` first
   * tells which names exist (~50 µs against ~250 µs for 31 `lstat`s on a busy machine), and only
   * those are `lstat`ed: the cost stays bounded because a larger folder takes the `lstat` path.
   * Linux only: there names match byte for byte, as the `lstat`s do; on case-insensitive or
   * normalising file systems (macOS, Windows) a listed name may differ from the one asked for.
   */
  headMany(keys: readonly string[], options: CallOptions = {}): Promise<Array<ObjectMeta | undefined>> {
    return headMany(this.#lookup, keys, options);
  }

  list(prefix: string, options: ListOptions = {}): AsyncIterable<ListedObject | CommonPrefix> {
    return listDisk(this.#listing, prefix, options);
  }

  /** The listing of {@link DiskBackend.list} in pages (see `core/listing.ts`). */
  listPages(prefix: string, options: ListOptions = {}): AsyncIterable<Array<ListedObject | CommonPrefix>> {
    // A subclass that lists its own way is listed its way.
    if (this.list !== DiskBackend.prototype.list) return onePerPage(this.list(prefix, options));
    return listDiskPages(this.#listing, prefix, options);
  }

  // ---- writing ----

  async write(
    key: string,
    body: Uint8Array | ReadableStream<Uint8Array>,
    options: WriteOptions = {},
  ): Promise<ObjectMeta> {
    throwIfAborted(options.signal);
    // Plain descriptors for bytes, and the metadata from the open file: a rename keeps its inode and time.
    const { file, temp, opened } =
      body instanceof Uint8Array
        ? await this.#openTemp(key, (at) => fdOpen(at, "wx"))
        : await this.#openTemp(key, (at) => fs.open(at, "wx"));
    try {
      let stat: Stats | undefined;
      if (body instanceof Uint8Array) {
        const fd = opened as number;
        try {
          // With a watcher, in steps of 1 MiB: progress moves while a large value is written.
          const step = options.onProgress ? PROGRESS_STEP : body.length || 1;
          for (let at = 0; at < body.length; at += step) {
            throwIfAborted(options.signal);
            await fdWriteAll(fd, body.subarray(at, at + step));
            if (at + step < body.length) options.onProgress?.({ loaded: at + step, total: body.length });
          }
          stat = await fdStat(fd);
        } finally {
          await fdClose(fd);
        }
        options.onProgress?.({ loaded: body.length, total: body.length });
      } else {
        await writeStream(opened as fs.FileHandle, body, options);
      }
      throwIfAborted(options.signal);
      await this.#commit(temp, file, key, options.mode);
      return this.#meta(key, stat ?? (await fs.stat(file)));
    } catch (err) {
      await fs.rm(temp, { force: true });
      throw this.#mapError(err, "write", key);
    }
  }

  async delete(key: string, options: DeleteOptions = {}): Promise<void> {
    throwIfAborted(options.signal);
    const file = path.join(this.directory, validateKey(key));
    // The link itself is removed, never its target: check the parent, not the file.
    await this.#checkInside(path.dirname(file), key);
    try {
      const stat = await fs.lstat(file);
      if (stat.isDirectory()) throw this.#notFound(key, "it is a folder");
      if (options.ifMatch !== undefined) {
        if (!(await this.#unlinkIfMatch(file, key, options.ifMatch))) return;
      } else {
        await fs.unlink(file);
      }
    } catch (err) {
      throw this.#mapError(err, "delete", key);
    }
    if (!options.keepFolders) await this.#pruneEmptyFolders(path.dirname(file));
  }

  /**
   * Removes a file only if it is still the version `etag` names, as one step against concurrent
   * writers: the file is renamed away (atomic), checked, and either unlinked or, when a newer version
   * had been written meanwhile, linked back (`link` fails if a still newer one is in place, which then
   * wins). Returns whether it removed it.
   */
  async #unlinkIfMatch(file: string, key: string, etag: string): Promise<boolean> {
    const aside = tempPath(file);
    try {
      await fs.rename(file, aside);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return false;
      throw err;
    }
    try {
      if (sameEtag(this.#meta(key, await fs.lstat(aside)).etag, etag)) return true;
      await fs.link(aside, file).catch((err: unknown) => {
        if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      });
      return false;
    } finally {
      await fs.rm(aside, { force: true });
    }
  }

  async copy(from: string, to: string, options: CallOptions = {}): Promise<ObjectMeta> {
    throwIfAborted(options.signal);
    const source = await this.#realFile(from);
    const file = await this.#prepareWrite(to);
    const temp = tempPath(file);
    try {
      await fs.copyFile(source, temp);
      await this.#commit(temp, file, to, "overwrite");
      return this.#meta(to, await fs.stat(file));
    } catch (err) {
      await fs.rm(temp, { force: true });
      throw this.#mapError(err, "copy", from);
    }
  }

  async rename(from: string, to: string, options: RenameOptions = {}): Promise<ObjectMeta> {
    throwIfAborted(options.signal);
    const source = await this.#realFile(from);
    // A key reached through a symbolic link is another key's file (or folder): renaming it would move
    // that key's value. Its value is copied instead, and the key itself (the link) removed.
    const realRoot = this.#root.knownReal;
    if (realRoot === undefined || source !== path.join(realRoot, ...from.split("/"))) {
      const written = await this.copy(from, to, options);
      await this.delete(from, options);
      return written;
    }
    const file = await this.#prepareWrite(to);
    try {
      await fs.rename(source, file).catch((err: unknown) => {
        throw this.#folderInTheWay(err, to);
      });
      // A move is a new write of the destination, as on every other backend (copy, then delete): its
      // time is now. Bare-key replacement ranks files by this time, so "now" must be the file
      // system's clock, not ours: the kernel stamps files with a coarse clock that lags the real time
      // by up to a tick (~4 ms), and a move stamped with `Date.now()` would look newer than a write
      // made just after it. The folder's modification time is the kernel's time of the rename;
      // `stat` gives it in whole milliseconds (rounded down), the precision files are ranked at.
      const { mtime } = await fs.stat(path.dirname(file));
      await fs.utimes(file, mtime, mtime);
    } catch (err) {
      throw this.#mapError(err, "move", from);
    }
    if (!options.keepFolders) await this.#pruneEmptyFolders(path.dirname(source));
    return this.#meta(to, await fs.stat(file));
  }

  // ---- internals ----

  /** Puts a finished temporary file in place: a rename, or for `create` a link that fails if the key exists. */
  async #commit(temp: string, file: string, key: string, mode: WriteOptions["mode"]): Promise<void> {
    if (mode !== "create") {
      await fs.rename(temp, file).catch((err: unknown) => {
        throw this.#folderInTheWay(err, key);
      });
      return;
    }
    try {
      await fs.link(temp, file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "EEXIST") {
        throw new AutoStoreError(`already exists: ${this.uri(key)}`, { ...this.#context(key), status: 412 });
      }
      throw err;
    } finally {
      await fs.rm(temp, { force: true });
    }
  }

  /** The real path of an existing file, checked to lie inside the root. */
  async #realFile(key: string): Promise<string> {
    return this.#root.realFile(key).catch((err: unknown) => {
      throw this.#mapError(err, "read", key);
    });
  }

  /** Checks that a write stays inside the root, then creates the file's folders. */
  async #prepareWrite(key: string): Promise<string> {
    const file = path.join(this.directory, validateKey(key));
    const folder = path.dirname(file);
    // Usually the folder exists already: one check of its real path then replaces the four calls below.
    // The trailing separator makes a file in the folder's place fail here and take the full path, which
    // reports it as the full path always has.
    const realRoot = this.#root.knownReal;
    if (realRoot !== undefined) {
      const real = await fs.realpath(folder + path.sep).catch(() => undefined);
      if (real !== undefined) {
        if (real !== realRoot && !isInside(realRoot, real)) throw this.#root.outside(key);
        return file;
      }
    }
    try {
      await fs.mkdir(this.directory, { recursive: true });
      await this.#root.checkInside(folder, key);
      await fs.mkdir(folder, { recursive: true });
      // Again: a link may have appeared on the way.
      await this.#root.checkInside(folder, key);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === "EEXIST" || code === "ENOTDIR") {
        throw new NotADirectoryError(`write ${this.uri(key)}: a file stands in the path`, {
          ...this.#context(key),
          cause: err,
        });
      }
      throw this.#mapError(err, "write", key);
    }
    // A link at the final name would be replaced by the rename, never followed; a folder there is an error.
    return file;
  }

  /**
   * Makes the key's folders and opens a new temporary file in them. A concurrent delete or move that
   * emptied the folder may remove it between the two (its clean-up of empty folders): the folder is
   * then made again, a few times, rather than failing the write as "not found".
   */
  async #openTemp<T>(
    key: string,
    open: (temp: string) => Promise<T>,
  ): Promise<{ file: string; temp: string; opened: T }> {
    for (let attempt = 1; ; attempt++) {
      const file = await this.#prepareWrite(key);
      const temp = tempPath(file);
      try {
        return { file, temp, opened: await open(temp) };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "ENOENT" || attempt === 5) {
          throw this.#mapError(err, "write", key);
        }
      }
    }
  }

  async #checkInside(folder: string, key: string): Promise<void> {
    await this.#root.checkInside(folder, key).catch((err: unknown) => {
      throw this.#mapError(err, "write", key);
    });
  }

  async #tryRealRoot(): Promise<string | undefined> {
    return this.#root.real().catch((err: unknown) => {
      throw this.#mapError(err, "open", "");
    });
  }

  /** Removes folders left empty by a delete or move, up to (not including) the root. */
  async #pruneEmptyFolders(folder: string): Promise<void> {
    let current = folder;
    while (current.length > this.directory.length && current.startsWith(this.directory + path.sep)) {
      try {
        await fs.rmdir(current);
      } catch {
        return; // not empty (or already gone): stop here
      }
      current = path.dirname(current);
    }
  }

  #meta(key: string, stat: Stats): ObjectMeta {
    return {
      key,
      size: stat.size,
      modifiedTime: stat.mtime,
      // Changes whenever the file is replaced (every write is a rename of a new file).
      etag: `"${stat.ino.toString(16)}-${Math.round(stat.mtimeMs * 1000).toString(16)}-${stat.size.toString(16)}"`,
      contentType: contentTypeForSync(key),
    };
  }

  #context(key: string) {
    return { key, uri: this.uri(key), backend: this.scheme };
  }

  #notFound(key: string, why?: string): KeyNotFoundError {
    return new KeyNotFoundError(`not found: ${this.uri(key)}${why ? ` (${why})` : ""}`, this.#context(key));
  }

  /** A rename onto a folder's name: the destination is the key at fault, not the source. */
  #folderInTheWay(err: unknown, key: string): unknown {
    if ((err as NodeJS.ErrnoException)?.code !== "EISDIR") return err;
    return new IsADirectoryError(`write ${this.uri(key)}: a folder has this name`, {
      ...this.#context(key),
      cause: err,
    });
  }

  #mapError(err: unknown, action: string, key: string): unknown {
    if (err instanceof AutoStoreError || (err as Error)?.name === "AbortError") return err;
    const code = (err as NodeJS.ErrnoException)?.code;
    const context = { ...this.#context(key), cause: err };
    switch (code) {
      case "ENOENT":
      case "ENOTDIR":
        return new KeyNotFoundError(`not found: ${this.uri(key)}`, context);
      case "EISDIR":
        return this.#notFound(key, "it is a folder");
      case "ENAMETOOLONG":
        // Keys may be 1024 bytes; a file system's names are shorter (255 bytes a segment on most).
        return new InvalidKeyError(
          `${action} ${this.uri(key)}: a segment is longer than this file system allows (${code})`,
          context,
        );
      case "EACCES":
      case "EPERM":
      case "EROFS":
        return new PermissionDeniedError(`${action} ${this.uri(key)}: permission denied (${code})`, context);
      default:
        return new BackendError(`${action} ${this.uri(key)}: ${describeCause(err)}`, {
          ...context,
          ...(code ? { backendCode: code } : {}),
        });
    }
  }
}

async function* onePerPage<T>(entries: AsyncIterable<T>): AsyncGenerator<T[]> {
  for await (const entry of entries) yield [entry];
}

function tempPath(file: string): string {
  return path.join(path.dirname(file), `${TEMP_PREFIX}${randomBytes(8).toString("hex")}`);
}

/** Reads `length` bytes at `position` into a fresh array (not Node's shared pool). */
async function readAt(
  handle: fs.FileHandle,
  position: number,
  length: number,
  signal: AbortSignal | undefined,
  onProgress?: (progress: Progress) => void,
): Promise<Uint8Array> {
  const data = new Uint8Array(length);
  // With a watcher, in steps of 1 MiB (the caller reports the end).
  const step = onProgress ? PROGRESS_STEP : 64 * 1024 * 1024;
  let done = 0;
  while (done < length) {
    throwIfAborted(signal);
    const { bytesRead } = await handle.read(data, done, Math.min(length - done, step), position + done);
    if (bytesRead === 0) return data.subarray(0, done); // the file shrank meanwhile
    done += bytesRead;
    if (done < length) onProgress?.({ loaded: done, total: length });
  }
  return data;
}

async function writeStream(
  handle: fs.FileHandle,
  body: ReadableStream<Uint8Array>,
  options: WriteOptions,
): Promise<void> {
  const reader = body.getReader();
  let loaded = 0;
  try {
    for (;;) {
      throwIfAborted(options.signal);
      const { done, value } = await reader.read();
      if (done) break;
      for (let written = 0; written < value.length; ) {
        written += (await handle.write(value, written)).bytesWritten;
      }
      loaded += value.length;
      options.onProgress?.({ loaded, total: options.size });
    }
  } catch (err) {
    await reader.cancel(err).catch(() => undefined);
    throw err;
  } finally {
    reader.releaseLock();
    await handle.close();
  }
}
