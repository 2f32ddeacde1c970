/**
 * AutoPath's folder operations: listing children and globs, and making and removing folders (real
 * ones on disk, prefixes on object stores, where `mkdir` writes nothing).
 */
import {
  type DeleteOptions,
  deletePrefix,
  type FolderOps,
  folderPrefix,
  isCommonPrefix,
  listObjects,
} from "../backend.js";
import { checkCallOptions } from "../call-options.js";
import {
  AlreadyExistsError,
  DirectoryNotEmptyError,
  InvalidKeyError,
  KeyNotFoundError,
  NotADirectoryError,
} from "../errors.js";
import { compileGlob } from "../glob.js";
import type { AutoPath, PathCallOptions } from "./autopath.js";
import {
  checkWritable,
  context,
  fileExists,
  folderExists,
  guard,
  type Located,
  locate,
  notAFile,
  typed,
} from "./io.js";

/**
 * A delete's options for AutoPath: the folders it empties stay, as pathlib's `unlink` leaves them
 * (on disk a folder is the user's; the store's own `delete` removes the folders it made for a key).
 */
export const keepFolders = (o: PathCallOptions): DeleteOptions => ({
  ...(o.signal ? { signal: o.signal } : {}),
  keepFolders: true,
});

export async function* iterdir(path: AutoPath, o?: PathCallOptions): AsyncIterable<AutoPath> {
  try {
    checkCallOptions("AutoPath.iterdir", o);
    const at = locate(path);
    if (await fileExists(at, o?.signal))
      throw new NotADirectoryError(`iterdir ${at.uri}: it is a file`, context(at));
    const prefix = folderPrefix(at.target.key);
    let seen = 0;
    for await (const entry of at.target.backend.list(prefix, { signal: o?.signal, delimiter: true })) {
      const name = (isCommonPrefix(entry) ? entry.prefix : entry.key).slice(prefix.length).replace(/\/$/, "");
      // The folder's own `dir/` marker object (written by consoles and other tools) is not a child.
      if (name === "") continue;
      seen++;
      yield path.joinpath(name);
    }
    if (seen === 0 && !(await folderExists(at, o?.signal)))
      throw new KeyNotFoundError(`not found: ${at.uri}`, context(at));
  } catch (err) {
    throw typed(err, "iterdir", path, o?.signal);
  }
}

/** Files under `path` matching `pattern`; `recursive` (rglob): at any depth, as `**\/pattern`. */
export async function* glob(
  path: AutoPath,
  pattern: string,
  o?: PathCallOptions,
  recursive = false,
): AsyncIterable<AutoPath> {
  const call = recursive ? "rglob" : "glob";
  try {
    checkCallOptions(`AutoPath.${call}`, o);
    const at = locate(path);
    if (typeof pattern !== "string" || pattern === "" || pattern.startsWith("/") || pattern.includes("\\")) {
      throw new InvalidKeyError(
        `${call} ${at.uri}: invalid pattern ${JSON.stringify(pattern)}: a non-empty relative pattern without backslashes`,
        context(at),
      );
    }
    const prefix = folderPrefix(at.target.key);
    const compiled = compileGlob(prefix + (recursive ? `**/${pattern}` : pattern));
    for await (const entry of at.target.backend.list(compiled.prefix, {
      signal: o?.signal,
      delimiter: compiled.shallow,
    })) {
      if (isCommonPrefix(entry) || entry.key.endsWith("/") || !compiled.matches(entry.key)) continue;
      yield path.joinpath(entry.key.slice(prefix.length));
    }
  } catch (err) {
    throw typed(err, call, path, o?.signal);
  }
}

export const mkdir = (path: AutoPath, o: PathCallOptions & { parents?: boolean; existOk?: boolean } = {}) =>
  guard("mkdir", path, o, async (at) => {
    checkWritable(at, "mkdir");
    const { backend, key } = at.target;
    if (backend.folders) return backend.folders.makeFolder(key, o);
    // A prefix needs no making: check what a local folder would refuse, and write nothing.
    if (await fileExists(at, o.signal))
      throw new AlreadyExistsError(`mkdir ${at.uri}: a file is there`, context(at));
    if (!o.existOk && (await folderExists(at, o.signal))) {
      throw new AlreadyExistsError(
        `mkdir ${at.uri}: the folder already exists (pass existOk: true)`,
        context(at),
      );
    }
  });

export const rmdir = (path: AutoPath, o: PathCallOptions = {}) =>
  guard("rmdir", path, o, async (at) => {
    checkWritable(at, "rmdir");
    const { backend, key } = at.target;
    if (await fileExists(at, o.signal))
      throw new NotADirectoryError(`rmdir ${at.uri}: it is a file`, context(at));
    if (backend.folders) return backend.folders.removeFolder(key, o);
    for await (const entry of listObjects(backend, folderPrefix(key), o)) {
      if (entry.key === folderPrefix(key)) continue;
      throw new DirectoryNotEmptyError(
        `rmdir ${at.uri}: the folder is not empty; delete() removes it with its contents`,
        context(at),
      );
    }
    // An empty folder on an object store is at most a `dir/` marker object: remove it if there is one.
    await backend.delete(folderPrefix(key), keepFolders(o)).catch((err: unknown) => {
      if (!(err instanceof KeyNotFoundError)) throw err;
    });
  });

export const unlink = (path: AutoPath, o: PathCallOptions & { missingOk?: boolean } = {}) =>
  guard("unlink", path, o, async (at) => {
    checkWritable(at, "unlink");
    try {
      if (at.target.key === "") throw new KeyNotFoundError(`not found: ${at.uri}`, context(at));
      await at.target.backend.delete(at.target.key, keepFolders(o));
    } catch (err) {
      const why = await notAFile(at, err, "unlink", o.signal);
      if (why instanceof KeyNotFoundError && o.missingOk) return;
      throw why;
    }
  });

export const deleteTree = (path: AutoPath, o: PathCallOptions = {}) =>
  guard("delete", path, o, async (at) => {
    checkWritable(at, "delete");
    const { backend, key } = at.target;
    let removed = 0;
    if (await fileExists(at, o.signal)) {
      await backend.delete(key, keepFolders(o));
      removed++;
    }
    removed += await deletePrefix(backend, folderPrefix(key), keepFolders(o));
    if (backend.folders && key !== "" && (await backend.folders.isFolder(key, o))) {
      await removeEmptyFolders(at, o, false);
      removed++;
    }
    if (removed === 0) throw new KeyNotFoundError(`not found: ${at.uri}`, context(at));
  });

/**
 * Removes the folders of a disk tree whose files are gone, deepest first, the tree's own folder last
 * (never the root). `keepFilled`: a folder that holds a file (one a writer put there meanwhile)
 * stays, with its parents; otherwise it is a `DirectoryNotEmptyError`.
 */
export async function removeEmptyFolders(at: Located, o: PathCallOptions, keepFilled = true): Promise<void> {
  const folders = at.target.backend.folders;
  if (folders && (await folders.isFolder(at.target.key, o))) await removeTree(at, folders, o, keepFilled);
}

/** {@link removeEmptyFolders} below a folder known to exist: its sub-folders come from its listing. */
async function removeTree(at: Located, folders: FolderOps, o: PathCallOptions, keepFilled: boolean) {
  const subfolders: string[] = [];
  for await (const entry of at.target.backend.list(folderPrefix(at.target.key), { ...o, delimiter: true })) {
    if (isCommonPrefix(entry)) subfolders.push(entry.prefix.replace(/\/$/, ""));
  }
  for (const sub of subfolders) {
    await removeTree({ ...at, target: { ...at.target, key: sub } }, folders, o, keepFilled);
  }
  if (at.target.key === "") return;
  await folders.removeFolder(at.target.key, o).catch((err: unknown) => {
    const gone = err instanceof KeyNotFoundError;
    if (!(gone || (keepFilled && err instanceof DirectoryNotEmptyError))) throw err;
  });
}
