/**
 * The disk backend's containment rule: nothing is read, written, made or removed outside the root,
 * symbolic links included. A path is judged by its real path (every link resolved) against the root's
 * real path; a path that does not exist yet is judged by its nearest existing ancestor, before
 * anything is created under it (`mkdir -p` would follow a link out of the root and make folders
 * there). A listing checks the folder it starts in once (see disk-list.ts).
 *
 * The checks run before each call and so share a window with any other process that swaps a folder
 * for a link meanwhile; they keep the store's own keys (`..`, absolute paths, links planted in the
 * tree) from leading out, which is what they are for.
 */
import { realpathSync } from "node:fs";
import * as fs from "node:fs/promises";
import * as path from "node:path";
import { PermissionDeniedError } from "../core/errors.js";
import { validateKey } from "../core/keys.js";

/** True when `real` lies strictly under `realRoot` (both real paths). */
export function isInside(realRoot: string, real: string): boolean {
  // A root of `/` ends in the separator already.
  return real.startsWith(realRoot.endsWith(path.sep) ? realRoot : realRoot + path.sep);
}

/** True when `real` is the root itself or lies under it (both real paths). */
function isRootOrInside(realRoot: string, real: string): boolean {
  return real === realRoot || isInside(realRoot, real);
}

/**
 * True when an existing folder's real path is the root or lies inside it; false when it leads out,
 * and for a missing folder. Other failures come out as Node's errors. Synchronous: a `realpath` of a
 * folder the kernel has cached costs ~10 µs, a fraction of a trip through the thread pool.
 */
export function isFolderInsideSync(realRoot: string, folder: string): boolean {
  let real: string;
  try {
    real = realpathSync.native(folder);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return false;
    throw err;
  }
  return isRootOrInside(realRoot, real);
}

/**
 * The root folder of a disk backend and its checks. Failures of the file system come out as Node's
 * errors, for the backend to map with the action it was doing; a path leading out is a
 * {@link PermissionDeniedError} naming the key.
 */
export class DiskRoot {
  /** The absolute folder, as given (resolved against the working directory). */
  readonly directory: string;
  readonly #uri: (key: string) => string;
  readonly #backend: string;
  #real: string | undefined;

  constructor(directory: string, uri: (key: string) => string, backend: string) {
    this.directory = directory;
    this.#uri = uri;
    this.#backend = backend;
  }

  /**
   * The root's real path, once known. It is kept (the root itself is not expected to move) until the
   * root is found missing, e.g. after `rmdir` of the store's own root (see {@link checkInside}).
   */
  get knownReal(): string | undefined {
    return this.#real;
  }

  /** The root's real path; undefined while the root does not exist. */
  async real(): Promise<string | undefined> {
    if (this.#real !== undefined) return this.#real;
    try {
      this.#real = await fs.realpath(this.directory);
      return this.#real;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw err;
    }
  }

  /** The real path of an existing file, checked to lie inside the root. */
  async realFile(key: string): Promise<string> {
    const real = await fs.realpath(path.join(this.directory, validateKey(key)));
    const realRoot = await this.real();
    if (realRoot === undefined || !isInside(realRoot, real)) throw this.outside(key);
    return real;
  }

  /**
   * Refuses `folder` (which may not exist yet) when its nearest existing ancestor resolves outside
   * the root; nothing to check while the root does not exist. A root removed since its real path was
   * found (`rmdir` of the store's root) is again a root not made yet: its real path is forgotten and
   * found anew once a write remakes it, as for a store made on a missing folder. Its ancestors, which
   * lie outside it, are never judged.
   */
  async checkInside(folder: string, key: string): Promise<void> {
    const realRoot = await this.real();
    if (realRoot === undefined) return; // no root yet: nothing under it can be a link
    for (let existing = folder; ; ) {
      try {
        const real = await fs.realpath(existing);
        if (!isRootOrInside(realRoot, real)) throw this.outside(key);
        return;
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code !== "ENOENT" && code !== "ENOTDIR") throw err;
        if (existing === this.directory) {
          this.#real = undefined; // the root is gone: nothing under it can be a link
          return;
        }
        const parent = path.dirname(existing);
        if (parent === existing) return;
        existing = parent;
      }
    }
  }

  /**
   * True when an existing folder's real path is the root or lies inside it, checked synchronously
   * (for lookups of many names at once); false for a missing folder or while the root is unknown.
   */
  folderInsideSync(folder: string): boolean {
    const realRoot = this.#real;
    if (realRoot === undefined) return false;
    try {
      return isFolderInsideSync(realRoot, folder);
    } catch {
      return false;
    }
  }

  /** The error for a key whose path leads out of the root. */
  outside(key: string): PermissionDeniedError {
    return new PermissionDeniedError(
      `refused: ${this.#uri(key)} leads outside the store's root (a symbolic link)`,
      { key, uri: this.#uri(key), backend: this.#backend },
    );
  }
}
