/**
 * Listings of OPFS folders: depth-first, in key order, without the temporary files of writes in
 * flight (and sweeping those whose writer died).
 */
import type { CommonPrefix, ListedObject, ListOptions } from "../core/backend.js";
import { throwIfAborted } from "../core/errors.js";
import { TEMP_PREFIX } from "../core/keys.js";
import { fileMeta, type IterableFolder, isMissing } from "./opfs-support.js";

// A temporary file untouched for this long belongs to a writer that died: listings remove it.
const ABANDONED_TEMP_MS = 60 * 60 * 1000;

/** Depth-first over a folder, children in key order (`a.json` < `a/b.json`: a folder sorts as `name/`). */
export async function* walkFolder(
  folder: FileSystemDirectoryHandle,
  folderKey: string,
  namePrefix: string,
  options: ListOptions,
  mapError: (err: unknown, key: string) => unknown,
): AsyncGenerator<ListedObject | CommonPrefix> {
  const children: Array<{ sortKey: string; handle: FileSystemDirectoryHandle | FileSystemFileHandle }> = [];
  try {
    for await (const [name, handle] of (folder as IterableFolder).entries()) {
      if (name.startsWith(TEMP_PREFIX)) {
        if (handle.kind === "file") await sweepIfAbandoned(folder, handle as FileSystemFileHandle);
        continue;
      }
      if (!name.startsWith(namePrefix)) continue;
      children.push({ sortKey: handle.kind === "directory" ? `${name}/` : name, handle });
    }
  } catch (err) {
    if (isMissing(err)) return; // removed while listed
    throw mapError(err, folderKey);
  }
  children.sort((a, b) => (a.sortKey < b.sortKey ? -1 : a.sortKey > b.sortKey ? 1 : 0));
  for (const { sortKey, handle } of children) {
    throwIfAborted(options.signal);
    const key = folderKey + sortKey;
    if (handle.kind === "directory") {
      if (options.delimiter) yield { prefix: key };
      else yield* walkFolder(handle as FileSystemDirectoryHandle, key, "", options, mapError);
    } else if (options.metadata) {
      try {
        yield fileMeta(key, await (handle as FileSystemFileHandle).getFile());
      } catch (err) {
        // Removed between the listing and the look: it is simply no longer there.
        if (!isMissing(err)) throw mapError(err, key);
      }
    } else {
      yield { key };
    }
  }
}

/** Removes a temporary file whose writer is clearly gone; one in use, or already gone, is left. */
async function sweepIfAbandoned(
  folder: FileSystemDirectoryHandle,
  handle: FileSystemFileHandle,
): Promise<void> {
  try {
    // While a writer streams into it, its bytes go to a swap file beside it; the file keeps its time.
    const swap = await folder.getFileHandle(`${handle.name}.crswap`).then(
      (h) => h.getFile(),
      () => undefined,
    );
    const latest = Math.max((await handle.getFile()).lastModified, swap?.lastModified ?? 0);
    if (Date.now() - latest > ABANDONED_TEMP_MS) await folder.removeEntry(handle.name);
  } catch {
    // Committed, swept by another listing, or still open: nothing to do.
  }
}
