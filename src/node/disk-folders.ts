/**
 * Real folders of a disk backend, for AutoPath's `mkdir`, `rmdir` and `isDir`: on a disk a folder can
 * exist empty, unlike a prefix of an object store. Every path is checked to stay inside the root
 * (symbolic links included) before anything is made or removed.
 */
import * as fs from "node:fs/promises";
import * as path from "node:path";
import type { CallOptions, FolderOps } from "../core/backend.js";
import {
  AlreadyExistsError,
  AutoStoreError,
  BackendError,
  DirectoryNotEmptyError,
  InvalidKeyError,
  KeyNotFoundError,
  NotADirectoryError,
  PermissionDeniedError,
  throwIfAborted,
} from "../core/errors.js";
import { validatePrefix } from "../core/keys.js";
import type { DiskRoot } from "./disk-root.js";

interface DiskLike {
  readonly directory: string;
  readonly scheme: string;
  uri(key: string): string;
}

export function diskFolders(disk: DiskLike, root: DiskRoot): FolderOps {
  const context = (key: string, cause?: unknown) => ({
    key,
    uri: disk.uri(key),
    backend: disk.scheme,
    ...(cause === undefined ? {} : { cause }),
  });
  const folderOf = (key: string) => path.join(disk.directory, validatePrefix(key));

  /** Refuses a folder whose nearest existing ancestor resolves outside the root (see disk-root.ts). */
  async function checkInside(folder: string, key: string, action: string): Promise<void> {
    await root.checkInside(folder, key).catch((err: unknown) => {
      throw mapError(err, action, key);
    });
  }

  function mapError(err: unknown, action: string, key: string): unknown {
    if (err instanceof AutoStoreError) return err;
    const code = (err as NodeJS.ErrnoException).code;
    const where = disk.uri(key);
    switch (code) {
      case "ENOENT":
        return new KeyNotFoundError(
          action === "mkdir"
            ? `mkdir ${where}: a parent folder is missing (pass parents: true)`
            : `${action} ${where}: no such folder`,
          context(key, err),
        );
      case "EEXIST":
        return new AlreadyExistsError(`${action} ${where}: it already exists`, context(key, err));
      case "ENOTDIR":
        return new NotADirectoryError(`${action} ${where}: a file stands in the path`, context(key, err));
      case "ENOTEMPTY":
      case "EEXIST_NOTEMPTY":
        return new DirectoryNotEmptyError(
          `${action} ${where}: the folder is not empty; delete() removes it with its contents`,
          context(key, err),
        );
      case "ENAMETOOLONG":
        return new InvalidKeyError(
          `${action} ${where}: a segment is longer than this file system allows (${code})`,
          context(key, err),
        );
      case "EACCES":
      case "EPERM":
        return new PermissionDeniedError(
          `${action} ${where}: permission denied (${code})`,
          context(key, err),
        );
      default:
        return new BackendError(`${action} ${where}: ${(err as Error).message}`, {
          ...context(key, err),
          ...(code ? { backendCode: code } : {}),
        });
    }
  }

  return {
    async isFolder(key: string, options: CallOptions = {}): Promise<boolean> {
      throwIfAborted(options.signal);
      const folder = folderOf(key);
      await checkInside(folder, key, "isDir");
      try {
        return (await fs.stat(folder)).isDirectory();
      } catch {
        return false;
      }
    },

    async makeFolder(key, options = {}): Promise<void> {
      throwIfAborted(options.signal);
      const folder = folderOf(key);
      await checkInside(folder, key, "mkdir");
      try {
        const stat = await fs.stat(folder);
        if (stat.isDirectory() && options.existOk) return;
        throw new AlreadyExistsError(
          `mkdir ${disk.uri(key)}: ${stat.isDirectory() ? "the folder already exists (pass existOk: true)" : "a file is there"}`,
          context(key),
        );
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw mapError(err, "mkdir", key);
      }
      try {
        await fs.mkdir(folder, { recursive: options.parents === true });
      } catch (err) {
        throw mapError(err, "mkdir", key);
      }
      await checkInside(folder, key, "mkdir");
    },

    async removeFolder(key: string, options: CallOptions = {}): Promise<void> {
      throwIfAborted(options.signal);
      const folder = folderOf(key);
      await checkInside(folder, key, "rmdir");
      try {
        await fs.rmdir(folder);
      } catch (err) {
        throw mapError(err, "rmdir", key);
      }
    },
  };
}
