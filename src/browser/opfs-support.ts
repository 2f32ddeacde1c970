/**
 * What the OPFS backend stands on: the origin's root folder, cross-tab locks, the mapping of the file
 * system's `DOMException`s onto the library's errors, and how a root names a folder. Nothing here
 * touches `navigator.storage` until a backend makes its first call, so the browser build imports in
 * runtimes without OPFS (edge, Node) and fails only when OPFS is used there.
 */
import type { ObjectMeta } from "../core/backend.js";
import {
  AutoStoreError,
  BackendError,
  ConfigError,
  DirectoryNotEmptyError,
  describeCause,
  type ErrorContext,
  IsADirectoryError,
  KeyNotFoundError,
  NotADirectoryError,
  PermissionDeniedError,
} from "../core/errors.js";
import { validatePrefix } from "../core/keys.js";
import { knownContentType } from "../core/mime.js";

/** `FileSystemHandle.move` (Chromium, Firefox 111+, Safari 16.4+); not yet in TypeScript's DOM types. */
export interface MovableFileHandle extends FileSystemFileHandle {
  move?(parent: FileSystemDirectoryHandle, name: string): Promise<void>;
}

/** A folder handle's async iteration, which TypeScript's DOM types list only with `DOM.AsyncIterable`. */
export interface IterableFolder extends FileSystemDirectoryHandle {
  entries(): AsyncIterableIterator<[string, FileSystemDirectoryHandle | FileSystemFileHandle]>;
}

let rootPromise: Promise<FileSystemDirectoryHandle> | undefined;

/** The origin's OPFS root folder; a {@link ConfigError} where this runtime has no OPFS. */
export function opfsRoot(): Promise<FileSystemDirectoryHandle> {
  if (rootPromise) return rootPromise;
  const storage = (globalThis as { navigator?: Navigator }).navigator?.storage;
  if (typeof storage?.getDirectory !== "function") {
    return Promise.reject(
      new ConfigError(
        "opfs://: this runtime has no Origin Private File System (navigator.storage.getDirectory); " +
          "use it in a browser page or worker, or use memory:// or s3:// here",
        { backend: "opfs" },
      ),
    );
  }
  rootPromise = storage.getDirectory().catch((err: unknown) => {
    rootPromise = undefined;
    throw new PermissionDeniedError(
      `opfs://: the browser refused the Origin Private File System: ${describeCause(err)}`,
      {
        backend: "opfs",
        cause: err,
      },
    );
  });
  return rootPromise;
}

// The in-realm stand-in where the Web Locks API is missing: one queue per lock name.
const localQueues = new Map<string, Promise<unknown>>();

/**
 * Runs `task` holding the lock `name` across every tab and worker of the origin (the Web Locks API),
 * so a check and the change it guards (create only if absent, delete only if unchanged) are one step
 * for every writer of this library. Where the API is missing the lock holds within this realm only.
 */
export function withLock<T>(
  name: string,
  signal: AbortSignal | undefined,
  task: () => Promise<T>,
): Promise<T> {
  const locks = (globalThis as { navigator?: Navigator }).navigator?.locks;
  if (typeof locks?.request === "function") {
    return locks.request(name, signal ? { signal } : {}, task) as Promise<T>;
  }
  const previous = localQueues.get(name) ?? Promise.resolve();
  const run = previous.then(task, task);
  const tail = run.catch(() => undefined);
  localQueues.set(name, tail);
  void tail.then(() => {
    if (localQueues.get(name) === tail) localQueues.delete(name);
  });
  return run;
}

/** The name of a DOMException (or any error), for matching. */
export function errorName(err: unknown): string | undefined {
  return typeof err === "object" && err !== null ? (err as { name?: string }).name : undefined;
}

/** True for a lookup that found nothing, or found the other kind of entry (a folder for a file). */
export function isMissing(err: unknown): boolean {
  const name = errorName(err);
  return name === "NotFoundError" || name === "TypeMismatchError";
}

/**
 * Maps a file system failure onto the library's errors. Lookups (`read`, `head`, `delete`, `copy`'s
 * source) that meet a folder, or a file where a folder should be, find no such file: a
 * {@link KeyNotFoundError}, as on disk, which AutoPath turns into `IsADirectoryError` where a folder
 * stands. Writes meet them as {@link IsADirectoryError} (a folder holds the name) and
 * {@link NotADirectoryError} (a file stands in the path).
 */
export function mapOpfsError(err: unknown, action: string, context: ErrorContext & { uri: string }): unknown {
  if (err instanceof AutoStoreError || errorName(err) === "AbortError") return err;
  const where = context.uri;
  const withCause = { ...context, backend: "opfs", cause: err };
  const lookup = action !== "write";
  switch (errorName(err)) {
    case "NotFoundError":
      return new KeyNotFoundError(`not found: ${where}`, withCause);
    case "TypeMismatchError":
      return lookup
        ? new KeyNotFoundError(`not found: ${where} (a folder, or a file in its path)`, withCause)
        : new NotADirectoryError(
            `${action} ${where}: a file stands in the path, or a folder holds the name`,
            withCause,
          );
    case "QuotaExceededError":
      return new BackendError(
        `${action} ${where}: the browser's storage quota for this origin is used up (QuotaExceededError); ` +
          "free space (delete values) or ask for more with navigator.storage.persist()",
        { ...withCause, backendCode: "QuotaExceededError" },
      );
    case "InvalidModificationError":
      return lookup
        ? new DirectoryNotEmptyError(`${action} ${where}: the folder is not empty`, withCause)
        : new IsADirectoryError(`${action} ${where}: it is a folder`, withCause);
    case "NotAllowedError":
    case "SecurityError":
      return new PermissionDeniedError(`${action} ${where}: the browser refused access (${errorName(err)})`, {
        ...withCause,
        backendCode: errorName(err) as string,
      });
    default: {
      const code = errorName(err);
      return new BackendError(`${action} ${where}: ${describeCause(err)}`, {
        ...withCause,
        ...(code && code !== "Error" ? { backendCode: code } : {}),
      });
    }
  }
}

/**
 * The metadata of a stored file. The ETag is the file's modification time in milliseconds and its
 * size: OPFS keeps no other version stamp, and a file's bytes can only be hashed by reading them
 * all. Time and size alone would repeat when one key is rewritten with a value of the same size
 * within one millisecond, and then a conditional delete (`ifMatch`, how concurrent writers of a bare
 * key remove the versions they replaced) could remove a newer value. So every commit, under the
 * key's lock, makes the new file's time later than the one it replaces (see `OpfsBackend`): the
 * times of one key's versions strictly increase, and the ETag names one version. (A key deleted and
 * written again within the millisecond, at the same size, can repeat its deleted version's ETag:
 * nothing is left of that version to compare with.)
 */
export function fileMeta(key: string, file: File): ObjectMeta {
  const type = knownContentType(key);
  return {
    key,
    size: file.size,
    modifiedTime: new Date(file.lastModified),
    etag: `"${file.lastModified.toString(16)}-${file.size.toString(16)}"`,
    // OPFS keeps no type: the extension's, when it is a common one (the full table is not loaded).
    ...(type === undefined ? {} : { contentType: type }),
  };
}

/**
 * The OPFS folder a root names: `opfs://a/b` (percent-encoded) → `a/b`; a plain path (`./data`,
 * `data`, `/data`) → `data`, relative to the OPFS root, which has no parent. `""` is the OPFS root.
 */
export function opfsFolderOf(root: string, plainPath: boolean): string {
  const segments: string[] = [];
  for (const raw of root.split("/")) {
    if (raw === "" || raw === ".") continue;
    let segment = raw;
    if (!plainPath) {
      try {
        segment = decodeURIComponent(raw);
      } catch {
        throw new ConfigError(`opfs://${root}: '${raw}' is not valid percent-encoding`, { field: "root" });
      }
    }
    if (segment === "..") {
      throw new ConfigError(`'${root}': '..' leads out of the Origin Private File System's root`, {
        field: "root",
      });
    }
    segments.push(segment);
  }
  const folder = segments.join("/");
  try {
    return validatePrefix(folder);
  } catch (err) {
    throw new ConfigError(`'${root}' cannot name an OPFS folder: ${describeCause(err)}`, {
      field: "root",
      cause: err,
    });
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
