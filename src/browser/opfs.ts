/**
 * The Origin Private File System backend: values are real files, with their extensions, in real
 * folders of the origin's OPFS (`opfs://data` and the plain root `./data` name the folder `data`, so
 * `navigator.storage.getDirectory()` finds the key `a/obj.json` as `data/a/obj.json`). It works on
 * the main thread and in workers.
 *
 * A write fills a hidden temporary file (its name starts with `TEMP_PREFIX`) in the key's folder
 * through `createWritable`, then moves it over the key in one step: readers, and a crashed or aborted
 * write, only ever see whole values. Every change of a key runs holding the Web Lock named after the
 * key's place in OPFS, shared by every tab and worker of the origin: `mode: "create"` (check, then
 * move), `delete({ ifMatch })` (check, then remove) and the ETag's strictly later time are one step
 * for every writer of this library.
 */
import {
  type Backend,
  type CallOptions,
  type Capabilities,
  type CommonPrefix,
  type DeleteOptions,
  type FolderOps,
  type ListedObject,
  type ListOptions,
  notModifiedResult,
  type ObjectMeta,
  type ReadOptions,
  type ReadResult,
  resolveRange,
  sameEtag,
  type WriteOptions,
} from "../core/backend.js";
import { AutoStoreError, IsADirectoryError, KeyNotFoundError, throwIfAborted } from "../core/errors.js";
import { validateKey, validatePrefix } from "../core/keys.js";
import { moveInto, openWritable, pruneEmptyFolders, removeTemp, tempName } from "./opfs-files.js";
import { walkFolder } from "./opfs-list.js";
import { errorName, fileMeta, isMissing, mapOpfsError, opfsRoot, sleep, withLock } from "./opfs-support.js";
import { readBody, writeBody } from "./opfs-write.js";

// A commit that finds the new file no later than the one it replaces waits for the clock this many
// times at most (a millisecond or two each, on a same-millisecond rewrite) before it gives up on
// a strictly later time.
const LATER_TIME_TRIES = 20;

/** A file's place: the folders from the backend's root down to it, and its name. */
interface Place {
  folders: FileSystemDirectoryHandle[];
  folder: FileSystemDirectoryHandle;
  name: string;
}

/** Files in a folder of the Origin Private File System; see the module comment. */
export class OpfsBackend implements Backend {
  readonly scheme = "opfs";
  readonly root: string;
  readonly capabilities: Capabilities = {
    rangeRead: true,
    presign: false,
    multipart: false,
    writable: true,
    conditionalWrite: true,
  };
  /** The folder under the OPFS root, `/`-separated; `""` is the OPFS root itself. */
  readonly directory: string;
  /** Real folders: AutoPath's `mkdir`, `rmdir` and `isDir`. */
  readonly folders: FolderOps;
  readonly #segments: string[];

  /** @param directory the folder under the OPFS root (`a/b`); created on the first write. */
  constructor(directory = "") {
    this.directory = validatePrefix(directory.replace(/^\/+|\/+$/g, ""));
    this.#segments = this.directory === "" ? [] : this.directory.split("/");
    this.root = this.directory === "" ? "opfs://" : `opfs://${this.directory}/`;
    // Folder operations (AutoPath's `mkdir`, `rmdir`, `isDir`) load with the first one.
    let ops: Promise<FolderOps> | undefined;
    const load = (): Promise<FolderOps> => {
      ops ??= import("./opfs-folders.js").then(
        (m) => m.opfsFolders(this),
        (err: unknown) => {
          ops = undefined;
          throw err;
        },
      );
      return ops;
    };
    this.folders = {
      isFolder: async (key, options) => (await load()).isFolder(key, options),
      makeFolder: async (key, options) => (await load()).makeFolder(key, options),
      removeFolder: async (key, options) => (await load()).removeFolder(key, options),
    };
  }

  uri(key: string): string {
    return this.root + key;
  }

  /** The backend's root folder, made with its parents when `create`; undefined when missing. */
  async rootFolder(create: boolean): Promise<FileSystemDirectoryHandle | undefined> {
    let folder = await opfsRoot();
    for (const segment of this.#segments) {
      try {
        folder = await folder.getDirectoryHandle(segment, { create });
      } catch (err) {
        if (!create && isMissing(err)) return undefined;
        throw err;
      }
    }
    return folder;
  }

  /** The folders from the root down along `segments` (made when `create`); undefined when missing. */
  async foldersAlong(
    segments: readonly string[],
    create: boolean,
  ): Promise<FileSystemDirectoryHandle[] | undefined> {
    const base = await this.rootFolder(create);
    if (base === undefined) return undefined;
    const folders = [base];
    for (const segment of segments) {
      try {
        folders.push(
          await (folders.at(-1) as FileSystemDirectoryHandle).getDirectoryHandle(segment, { create }),
        );
      } catch (err) {
        if (!create && isMissing(err)) return undefined;
        throw err;
      }
    }
    return folders;
  }

  /** The folders down to `key`'s folder (made when `create`), and its name; undefined when missing. */
  async #place(key: string, create: boolean): Promise<Place | undefined> {
    const segments = key.split("/");
    const name = segments.pop() as string;
    const folders = await this.foldersAlong(segments, create);
    if (folders === undefined) return undefined;
    return { folders, folder: folders.at(-1) as FileSystemDirectoryHandle, name };
  }

  /** The file of a key as it is now, or a {@link KeyNotFoundError}. */
  async #file(key: string, action: string): Promise<File> {
    validateKey(key);
    try {
      const place = await this.#place(key, false);
      if (place === undefined) throw this.#notFound(key);
      return await (await place.folder.getFileHandle(place.name)).getFile();
    } catch (err) {
      throw this.#mapError(err, action, key);
    }
  }

  /** The Web Lock of a key: its place in OPFS, so backends over nested roots share it. */
  lockName(key: string): string {
    return `autostore-js:opfs:/${this.directory === "" ? "" : `${this.directory}/`}${key}`;
  }

  // ---- reading ----

  async read(key: string, options: ReadOptions = {}): Promise<ReadResult> {
    throwIfAborted(options.signal);
    // A snapshot `File` cannot be read once its file is replaced: a writer committed meanwhile, so
    // the read starts again on the new version.
    for (let attempt = 0; ; attempt++) {
      const file = await this.#file(key, "read");
      throwIfAborted(options.signal);
      const meta = fileMeta(key, file);
      if (options.ifMatch !== undefined && !sameEtag(options.ifMatch, meta.etag)) {
        throw new AutoStoreError(`changed since it was first read: ${this.uri(key)}`, {
          ...this.#context(key),
          status: 412,
        });
      }
      if (options.ifNoneMatch !== undefined && sameEtag(options.ifNoneMatch, meta.etag)) {
        return notModifiedResult(meta);
      }
      const range = options.range ? resolveRange(options.range, file.size) : { start: 0, end: file.size };
      try {
        return await readBody(file, meta, range, options, (err) => this.#mapError(err, "read", key));
      } catch (err) {
        // Chromium says `NotFoundError` too when the snapshot's file was moved over meanwhile.
        const replaced = errorName(err) === "NotReadableError" || errorName(err) === "NotFoundError";
        if (!replaced || attempt >= 3) throw this.#mapError(err, "read", key);
      }
    }
  }

  async head(key: string, options: CallOptions = {}): Promise<ObjectMeta> {
    throwIfAborted(options.signal);
    return fileMeta(key, await this.#file(key, "head"));
  }

  /** Looks the names up side by side: a bare key's ~30 candidate names cost about one lookup's time. */
  async headMany(keys: readonly string[], options: CallOptions = {}): Promise<Array<ObjectMeta | undefined>> {
    throwIfAborted(options.signal);
    for (const key of keys) validateKey(key);
    return Promise.all(
      keys.map((key) =>
        this.#file(key, "head").then(
          (file) => fileMeta(key, file),
          (err: unknown) => {
            if (err instanceof KeyNotFoundError) return undefined;
            throw err;
          },
        ),
      ),
    );
  }

  async *list(prefix: string, options: ListOptions = {}): AsyncIterable<ListedObject | CommonPrefix> {
    validatePrefix(prefix);
    throwIfAborted(options.signal);
    const slash = prefix.lastIndexOf("/");
    const folderKey = prefix.slice(0, slash + 1);
    let folder: FileSystemDirectoryHandle | undefined;
    try {
      folder = (await this.foldersAlong(folderKey.split("/").slice(0, -1), false))?.at(-1);
    } catch (err) {
      if (!isMissing(err)) throw this.#mapError(err, "list", prefix);
    }
    if (folder === undefined) return;
    yield* walkFolder(folder, folderKey, prefix.slice(slash + 1), options, (err, key) =>
      this.#mapError(err, "list", key),
    );
  }

  // ---- writing ----

  async write(
    key: string,
    body: Uint8Array | ReadableStream<Uint8Array>,
    options: WriteOptions = {},
  ): Promise<ObjectMeta> {
    validateKey(key);
    throwIfAborted(options.signal);
    return this.#put(key, body, options);
  }

  /** Writes a temporary file in the key's folder, then commits it over the key. */
  async #put(
    key: string,
    body: Uint8Array | ReadableStream<Uint8Array> | Blob,
    options: WriteOptions,
  ): Promise<ObjectMeta> {
    let place: Place | undefined;
    let temp: FileSystemFileHandle | undefined;
    try {
      // A delete elsewhere may remove an emptied folder between its lookup and the temporary file
      // made in it: look again.
      for (let attempt = 0; temp === undefined; attempt++) {
        place = (await this.#place(key, true)) as Place;
        try {
          temp = await place.folder.getFileHandle(tempName(), { create: true });
        } catch (err) {
          if (errorName(err) !== "NotFoundError" || attempt >= 3) throw err;
        }
      }
      await writeBody(temp, body, options);
      throwIfAborted(options.signal);
      const committed = await this.#commit(key, place as Place, temp, options);
      temp = undefined;
      return committed;
    } catch (err) {
      if (temp && place) await removeTemp(place.folder, temp.name);
      throw this.#mapError(err, "write", key);
    }
  }

  /**
   * Moves a finished temporary file over the key, holding the key's lock: for `create`, only if
   * nothing is there; and with a time later than the version it replaces (see `fileMeta`).
   */
  #commit(key: string, place: Place, temp: FileSystemFileHandle, options: WriteOptions): Promise<ObjectMeta> {
    return withLock(this.lockName(key), options.signal, async () => {
      let old: File | undefined;
      try {
        old = await (await place.folder.getFileHandle(place.name)).getFile();
      } catch (err) {
        if (errorName(err) === "TypeMismatchError") {
          throw new IsADirectoryError(`write ${this.uri(key)}: a folder holds the name`, {
            ...this.#context(key),
            cause: err,
          });
        }
        if (errorName(err) !== "NotFoundError") throw err;
      }
      if (old !== undefined && options.mode === "create") {
        throw new AutoStoreError(`already exists: ${this.uri(key)}`, { ...this.#context(key), status: 412 });
      }
      let file = await temp.getFile();
      for (
        let i = 0;
        old !== undefined && file.lastModified <= old.lastModified && i < LATER_TIME_TRIES;
        i++
      ) {
        await sleep(Math.min(20, Math.max(1, old.lastModified - Date.now() + 1)));
        // Only a fresh writable stamps a new time (one kept with `keepExistingData` keeps the old).
        const writable = await openWritable(temp);
        try {
          await writable.write(file);
          await writable.close();
        } catch (err) {
          await writable.abort().catch(() => undefined);
          throw err;
        }
        file = await temp.getFile();
      }
      throwIfAborted(options.signal);
      await moveInto(temp, place.folder, place.name);
      return fileMeta(key, await (await place.folder.getFileHandle(place.name)).getFile());
    });
  }

  async delete(key: string, options: DeleteOptions = {}): Promise<void> {
    validateKey(key);
    throwIfAborted(options.signal);
    try {
      const place = await this.#place(key, false);
      if (place === undefined) throw this.#notFound(key);
      await withLock(this.lockName(key), options.signal, async () => {
        const file = await (await place.folder.getFileHandle(place.name)).getFile();
        if (options.ifMatch !== undefined && !sameEtag(fileMeta(key, file).etag, options.ifMatch)) return;
        await place.folder.removeEntry(place.name);
      });
      if (!options.keepFolders) await pruneEmptyFolders(place.folders, key.split("/").slice(0, -1));
    } catch (err) {
      throw this.#mapError(err, "delete", key);
    }
  }

  async copy(from: string, to: string, options: CallOptions = {}): Promise<ObjectMeta> {
    throwIfAborted(options.signal);
    validateKey(to);
    const source = await this.#file(from, "copy");
    return this.#put(to, source, { ...options, size: source.size });
  }

  #context(key: string) {
    return { key, uri: this.uri(key), backend: this.scheme };
  }

  #notFound(key: string): KeyNotFoundError {
    return new KeyNotFoundError(`not found: ${this.uri(key)}`, this.#context(key));
  }

  #mapError(err: unknown, action: string, key: string): unknown {
    return mapOpfsError(err, action, this.#context(key));
  }
}
