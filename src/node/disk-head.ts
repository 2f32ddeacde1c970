/**
 * Lookups of many names at once on a disk backend (`headMany`): how a bare key finds its ~30
 * candidate files (`k.json`, `k.yaml`, …) without reading its folder. See {@link headMany}.
 */
import { lstatSync, readdirSync, type Stats } from "node:fs";
import * as path from "node:path";
import type { CallOptions, ObjectMeta } from "../core/backend.js";
import { KeyNotFoundError, PermissionDeniedError, throwIfAborted } from "../core/errors.js";
import { validateKey } from "../core/keys.js";
import type { ListingDisk } from "./disk-list.js";
import type { DiskRoot } from "./disk-root.js";

/** `headMany` lists a shared folder first from this many names (a bare key asks ~30). */
const SMALL_FOLDER_MIN_KEYS = 8;
/** A folder whose size is at most one block (ext4, xfs) holds at most a few hundred names. */
const DIRECTORY_BLOCK = 4096;

/** What a lookup needs of the disk backend. */
export interface LookupDisk extends ListingDisk {
  readonly root: DiskRoot;
  /** The checked `head`, for a name that is neither a plain file nor missing (a link, a device). */
  head(key: string, options: CallOptions): Promise<ObjectMeta>;
}

/** The root folder with a trailing separator: a checked key joins onto it by concatenation. */
function prefixOf(disk: LookupDisk): string {
  return disk.directory.endsWith(path.sep) ? disk.directory : disk.directory + path.sep;
}

/**
 * The metadata of each key's file, or undefined where there is none, in `keys`' order; see
 * `DiskBackend.headMany` for the choice between `lstat`s and one `readdir`.
 */
export async function headMany(
  disk: LookupDisk,
  keys: readonly string[],
  options: CallOptions = {},
): Promise<Array<ObjectMeta | undefined>> {
  throwIfAborted(options.signal);
  const out: Array<ObjectMeta | undefined> = [];
  const checkedFolders = new Set<string>();
  const prefix = prefixOf(disk);
  const present = smallFolderNames(disk, prefix, keys);
  for (const key of keys) {
    if (present !== undefined && !present.has(key.slice(key.lastIndexOf("/") + 1))) {
      out.push(undefined);
      continue;
    }
    // A checked key has no `.`, `..` or empty segment: joining is concatenating.
    const file = prefix + validateKey(key);
    const slash = key.lastIndexOf("/");
    const folder = slash === -1 ? disk.directory : prefix + key.slice(0, slash);
    if (folder !== disk.directory && !checkedFolders.has(folder)) {
      // The folder itself may be (or lie under) a link out of the root.
      if (!(await folderInside(disk, folder))) {
        out.push(undefined);
        continue;
      }
      checkedFolders.add(folder);
    }
    let stat: Stats | undefined;
    try {
      stat = lstatSync(file, { throwIfNoEntry: false });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === "ENOTDIR") stat = undefined;
      else throw disk.mapError(err, "head", key);
    }
    if (stat === undefined || stat.isDirectory()) out.push(undefined);
    else if (stat.isFile()) out.push(disk.meta(key, stat));
    else out.push(await disk.head(key, options).catch((err: unknown) => missingAsUndefined(err)));
  }
  return out;
}

/**
 * The names in the one folder that all `keys` share, when there are enough keys to pay for a
 * `readdir` and the folder fits in one directory block; undefined otherwise (see `headMany`).
 */
function smallFolderNames(
  disk: LookupDisk,
  prefix: string,
  keys: readonly string[],
): Set<string> | undefined {
  if (process.platform !== "linux" || keys.length < SMALL_FOLDER_MIN_KEYS) return undefined;
  const first = keys[0] as string;
  const folderKey = first.slice(0, first.lastIndexOf("/") + 1);
  for (const key of keys) {
    if (key.lastIndexOf("/") + 1 !== folderKey.length || !key.startsWith(folderKey)) return undefined;
  }
  const folder = folderKey === "" ? disk.directory : prefix + folderKey.slice(0, -1);
  try {
    const stat = lstatSync(folder, { throwIfNoEntry: false });
    if (stat === undefined || !stat.isDirectory() || stat.size > DIRECTORY_BLOCK) return undefined;
    return new Set(readdirSync(folder));
  } catch {
    // Unreadable or vanished: the per-name path reports what each name is.
    return undefined;
  }
}

/** True when a folder exists and its real path lies inside the root. */
async function folderInside(disk: LookupDisk, folder: string): Promise<boolean> {
  await disk.realRoot();
  return disk.root.folderInsideSync(folder);
}

function missingAsUndefined(err: unknown): undefined {
  if (err instanceof KeyNotFoundError || err instanceof PermissionDeniedError) return undefined;
  throw err;
}
