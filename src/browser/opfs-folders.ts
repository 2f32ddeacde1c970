/**
 * Real folders of the OPFS backend, for AutoPath's `mkdir`, `rmdir` and `isDir`: as on a disk, a
 * folder can exist empty.
 */
import type { CallOptions, FolderOps } from "../core/backend.js";
import {
  AlreadyExistsError,
  DirectoryNotEmptyError,
  KeyNotFoundError,
  NotADirectoryError,
  throwIfAborted,
} from "../core/errors.js";
import { validatePrefix } from "../core/keys.js";
import { errorName, isMissing, mapOpfsError } from "./opfs-support.js";

interface OpfsLike {
  readonly scheme: string;
  uri(key: string): string;
  rootFolder(create: boolean): Promise<FileSystemDirectoryHandle | undefined>;
  foldersAlong(
    segments: readonly string[],
    create: boolean,
  ): Promise<FileSystemDirectoryHandle[] | undefined>;
}

export function opfsFolders(opfs: OpfsLike): FolderOps {
  const context = (key: string, cause?: unknown) => ({
    key,
    uri: opfs.uri(key),
    backend: opfs.scheme,
    ...(cause === undefined ? {} : { cause }),
  });
  const segmentsOf = (key: string) => validatePrefix(key).split("/").filter(Boolean);

  /** The parent folder of `key` (made when `create`) and its last name; undefined when missing. */
  async function parentOf(
    key: string,
    create: boolean,
  ): Promise<{ parent: FileSystemDirectoryHandle; name: string } | undefined> {
    const segments = segmentsOf(key);
    const name = segments.pop() as string;
    const folders = await opfs.foldersAlong(segments, create);
    const parent = folders?.at(-1);
    return parent === undefined ? undefined : { parent, name };
  }

  /** What stands at `key`: a folder, a file, or nothing. */
  async function kindAt(key: string): Promise<"folder" | "file" | "none"> {
    if (segmentsOf(key).length === 0) return (await opfs.rootFolder(false)) ? "folder" : "none";
    let found: { parent: FileSystemDirectoryHandle; name: string } | undefined;
    try {
      found = await parentOf(key, false);
    } catch (err) {
      if (isMissing(err)) return "none";
      throw err;
    }
    if (found === undefined) return "none";
    try {
      await found.parent.getDirectoryHandle(found.name);
      return "folder";
    } catch (err) {
      if (errorName(err) === "TypeMismatchError") return "file";
      if (errorName(err) === "NotFoundError") return "none";
      throw err;
    }
  }

  return {
    async isFolder(key: string, options: CallOptions = {}): Promise<boolean> {
      throwIfAborted(options.signal);
      try {
        return (await kindAt(key)) === "folder";
      } catch (err) {
        throw mapOpfsError(err, "isDir", context(key));
      }
    },

    async makeFolder(key, options = {}): Promise<void> {
      throwIfAborted(options.signal);
      const segments = segmentsOf(key);
      try {
        const kind = await kindAt(key);
        if (kind === "folder" && options.existOk) return;
        if (kind !== "none") {
          throw new AlreadyExistsError(
            `mkdir ${opfs.uri(key)}: ${kind === "folder" ? "the folder already exists (pass existOk: true)" : "a file is there"}`,
            context(key),
          );
        }
        // The store's own root is made on demand, as on its first write; folders under it need
        // `parents` when missing.
        if (
          !options.parents &&
          segments.length > 1 &&
          (await kindAt(segments.slice(0, -1).join("/"))) !== "folder"
        ) {
          throw new KeyNotFoundError(
            `mkdir ${opfs.uri(key)}: a parent folder is missing (pass parents: true)`,
            context(key),
          );
        }
        await opfs.foldersAlong(segments, true);
      } catch (err) {
        if (errorName(err) === "TypeMismatchError") {
          throw new NotADirectoryError(
            `mkdir ${opfs.uri(key)}: a file stands in the path`,
            context(key, err),
          );
        }
        throw mapOpfsError(err, "mkdir", context(key));
      }
    },

    async removeFolder(key: string, options: CallOptions = {}): Promise<void> {
      throwIfAborted(options.signal);
      try {
        const kind = await kindAt(key);
        if (kind === "none")
          throw new KeyNotFoundError(`rmdir ${opfs.uri(key)}: no such folder`, context(key));
        if (kind === "file") {
          throw new NotADirectoryError(`rmdir ${opfs.uri(key)}: it is a file`, context(key));
        }
        const found = segmentsOf(key).length === 0 ? undefined : await parentOf(key, false);
        // The store's root, like a bucket's, stays: it is empty now, and the next write needs it again.
        if (found === undefined) return;
        await found.parent.removeEntry(found.name);
      } catch (err) {
        if (errorName(err) === "InvalidModificationError") {
          throw new DirectoryNotEmptyError(
            `rmdir ${opfs.uri(key)}: the folder is not empty; delete() removes it with its contents`,
            context(key, err),
          );
        }
        throw mapOpfsError(err, "rmdir", context(key));
      }
    },
  };
}
