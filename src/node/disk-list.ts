/**
 * Listings of the disk backend: a depth-first walk that yields keys in lexicographic order, with
 * temporary files of in-flight writes left out (and those of dead writers swept), and symbolic links
 * followed only to files inside the root. A listing whose prefix runs through a link out of the root
 * lists nothing, and reads and sweeps nothing there: the folder it starts in is checked once (the
 * folders it walks into are real folders under it, never links).
 *
 * Yielding in key order means a folder's keys cannot be yielded before the folders that sort ahead of
 * it are done, so a walk that read each folder only when it got there would wait on the disk once per
 * folder. Folders are read ahead instead: as soon as a folder's entries are known its sub-folders
 * start reading too, up to {@link READ_AHEAD} folders read and not yet yielded, which keeps the thread
 * pool busy the way one recursive `readdir` does while bounding memory on wide trees.
 */
import type { Dirent, Stats } from "node:fs";
import * as fs from "node:fs/promises";
import * as path from "node:path";
import type { CommonPrefix, ListedObject, ListOptions, ObjectMeta } from "../core/backend.js";
import { throwIfAborted } from "../core/errors.js";
import { TEMP_PREFIX, validatePrefix } from "../core/keys.js";
import { isFolderInsideSync, isInside } from "./disk-root.js";

// A temporary file untouched for this long belongs to a writer that died (every write appends to its
// temporary file as the bytes arrive, which updates its time): listings remove it.
const ABANDONED_TEMP_MS = 60 * 60 * 1000;

/** At most this many folders are read (or being read) ahead of the one being yielded. */
export const READ_AHEAD = 64;

/** What a listing needs of the disk backend. */
export interface ListingDisk {
  /** The absolute root folder. */
  readonly directory: string;
  /** The root's real path (links resolved); undefined while the root does not exist. */
  realRoot(): Promise<string | undefined>;
  meta(key: string, stat: Stats): ObjectMeta;
  mapError(err: unknown, action: string, key: string): unknown;
}

/** A folder being yielded: its entries' names in key order, a folder's with its trailing `/`. */
interface Frame {
  folder: string;
  names: string[];
  next: number;
  /** Entries before this index have been considered for reading ahead. */
  scanned: number;
}

/** Every object under `prefix` in key order; with `delimiter`, deeper keys folded into their folder. */
export async function* listDisk(
  disk: ListingDisk,
  prefix: string,
  options: ListOptions,
): AsyncGenerator<ListedObject | CommonPrefix> {
  for await (const page of listDiskPages(disk, prefix, options)) {
    for (const entry of page) yield entry;
  }
}

/** Pages end at the next wait on the disk, or at this many entries. */
const PAGE_SIZE = 1000;

/** {@link listDisk} in pages (see `core/listing.ts`): the entries known before the next wait on the disk. */
export async function* listDiskPages(
  disk: ListingDisk,
  prefix: string,
  options: ListOptions,
): AsyncGenerator<Array<ListedObject | CommonPrefix>> {
  validatePrefix(prefix);
  const slash = prefix.lastIndexOf("/");
  const folder = prefix.slice(0, slash + 1);
  const namePrefix = prefix.slice(slash + 1);
  const realRoot = await disk.realRoot();
  if (realRoot === undefined) return;
  throwIfAborted(options.signal);
  // The folder the prefix names may lie under a link out of the root: then nothing there is read or
  // swept. One check per listing (the root's own folder needs none); the folders the walk enters
  // below it are real folders, never links.
  if (folder !== "" && !startsInside(disk, realRoot, folder)) return;
  const reader = new FolderReader(disk, realRoot, !options.delimiter);
  let page: Array<ListedObject | CommonPrefix> = [];
  // An explicit stack, not nested generators, which would cost every key one more promise per level.
  const stack: Frame[] = [{ folder, names: await reader.read(folder, namePrefix), next: 0, scanned: 0 }];
  for (let frame = stack[0]; frame !== undefined; frame = stack[stack.length - 1]) {
    if (page.length >= PAGE_SIZE) {
      yield page;
      page = [];
    }
    const name = frame.names[frame.next++];
    if (name === undefined) {
      stack.pop();
      continue;
    }
    const key = frame.folder + name;
    if (name.charCodeAt(name.length - 1) === 47 /* / */) {
      if (options.delimiter) {
        page.push({ prefix: key });
        continue;
      }
      if (page.length > 0) {
        yield page;
        page = [];
      }
      throwIfAborted(options.signal);
      const names = reader.enter(key);
      reader.topUp(frame);
      stack.push({ folder: key, names: await names, next: 0, scanned: 0 });
    } else if (options.metadata) {
      // One stat per file: the page ends first, so a caller that stops early stats no more.
      if (page.length > 0) {
        yield page;
        page = [];
      }
      try {
        page.push(disk.meta(key, await fs.stat(path.join(disk.directory, key))));
      } catch (err) {
        // Removed between readdir and stat: it is simply no longer there.
        if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw disk.mapError(err, "list", key);
      }
    } else {
      page.push({ key });
    }
  }
  if (page.length > 0) yield page;
}

/** True when the folder a listing starts in exists and its real path is the root or lies inside it. */
function startsInside(disk: ListingDisk, realRoot: string, folder: string): boolean {
  try {
    return isFolderInsideSync(realRoot, path.join(disk.directory, folder));
  } catch (err) {
    throw disk.mapError(err, "list", folder);
  }
}

/** Reads folders for one listing, ahead of the walk (see the module comment). */
class FolderReader {
  /** Folders whose reading has started and that the walk has not entered yet, by key (`a/b/`). */
  readonly #ahead = new Map<string, Promise<string[]>>();

  constructor(
    readonly disk: ListingDisk,
    readonly realRoot: string,
    readonly recursive: boolean,
  ) {}

  /** A folder's entries in key order. */
  read(folder: string, namePrefix: string): Promise<string[]> {
    return readFolder(this.disk, this.realRoot, folder, namePrefix);
  }

  /** Starts reading the frame's next sub-folders while the budget allows. */
  topUp(frame: Frame): void {
    const { names, folder } = frame;
    let i = Math.max(frame.scanned, frame.next);
    for (; i < names.length && this.#ahead.size < READ_AHEAD; i++) {
      const name = names[i] as string;
      if (name.charCodeAt(name.length - 1) === 47) void this.#start(folder + name); // errors: when entered
    }
    frame.scanned = i;
  }

  /** The entries of a sub-folder the walk enters now (read ahead, or read now). */
  enter(folder: string): Promise<string[]> {
    const reading = this.#ahead.get(folder) ?? this.#start(folder);
    this.#ahead.delete(folder);
    return reading;
  }

  #start(folder: string): Promise<string[]> {
    const started = this.#ahead.get(folder);
    if (started) return started;
    const reading = this.read(folder, "").then((names) => {
      if (this.recursive) {
        for (const name of names) {
          if (this.#ahead.size >= READ_AHEAD) break;
          if (name.charCodeAt(name.length - 1) === 47) void this.#start(folder + name); // errors: when entered
        }
      }
      return names;
    });
    // Read ahead and maybe never awaited (the caller may stop early): handled here, thrown when awaited.
    reading.catch(() => undefined);
    this.#ahead.set(folder, reading);
    return reading;
  }
}

/**
 * A folder's entry names in key order, a sub-folder's with a trailing `/` (`a.json` < `a/`, as
 * `a.json` < `a/b.json`), without temporary files.
 */
async function readFolder(
  disk: ListingDisk,
  realRoot: string,
  folder: string,
  namePrefix: string,
): Promise<string[]> {
  let entries: Dirent[];
  try {
    entries = await fs.readdir(path.join(disk.directory, folder), { withFileTypes: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return [];
    throw disk.mapError(err, "list", folder);
  }
  const names: string[] = [];
  for (const entry of entries) {
    const name = entry.name;
    if (name.startsWith(TEMP_PREFIX)) {
      await sweepIfAbandoned(path.join(disk.directory, folder, name));
      continue;
    }
    if (namePrefix !== "" && !name.startsWith(namePrefix)) continue;
    if (entry.isFile()) names.push(name);
    else if (entry.isDirectory()) names.push(`${name}/`);
    else if (entry.isSymbolicLink()) {
      // A link is followed only to a file inside the root; linked folders are not walked (cycles).
      if ((await linkTarget(disk, realRoot, folder + name)) === "file") names.push(name);
    }
  }
  // The default order is by UTF-16 code units: key order, as `<` compares.
  return names.sort();
}

async function linkTarget(disk: ListingDisk, realRoot: string, key: string): Promise<"file" | "other"> {
  try {
    const real = await fs.realpath(path.join(disk.directory, key));
    if (!isInside(realRoot, real)) return "other";
    return (await fs.stat(real)).isFile() ? "file" : "other";
  } catch {
    return "other"; // a dangling link lists as nothing
  }
}

/** Removes a temporary file whose writer is clearly gone; a file in use, or already gone, is left. */
export async function sweepIfAbandoned(file: string): Promise<void> {
  try {
    const stat = await fs.lstat(file);
    if (Date.now() - stat.mtimeMs > ABANDONED_TEMP_MS) await fs.rm(file, { force: true });
  } catch {
    // Finished (renamed into place) or swept by another listing meanwhile: nothing to do.
  }
}
