/**
 * File moves of the OPFS backend: temporary names, putting a finished file in place, and removing
 * the folders a delete emptied.
 */
import { TEMP_PREFIX } from "../core/keys.js";
import type { MovableFileHandle } from "./opfs-support.js";

export function tempName(): string {
  const random = new Uint8Array(8);
  crypto.getRandomValues(random);
  return TEMP_PREFIX + Array.from(random, (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * Puts a file in place under a new name in one step (`move`, which replaces what is there). Where a
 * browser lacks `move`, the bytes go through the key's own writable, which replaces the file whole
 * when it closes.
 */
export async function moveInto(
  temp: FileSystemFileHandle,
  folder: FileSystemDirectoryHandle,
  name: string,
): Promise<void> {
  const movable = temp as MovableFileHandle;
  if (typeof movable.move === "function") {
    await movable.move(folder, name);
    return;
  }
  const target = await folder.getFileHandle(name, { create: true });
  const writable = await target.createWritable();
  try {
    await writable.write(await temp.getFile());
    await writable.close();
  } catch (err) {
    await writable.abort().catch(() => undefined);
    throw err;
  }
  await folder.removeEntry(temp.name);
}

/** Removes the folders a delete left empty, deepest first, up to (not including) the backend's root. */
export async function pruneEmptyFolders(
  folders: FileSystemDirectoryHandle[],
  names: string[],
): Promise<void> {
  for (let i = names.length - 1; i >= 0; i--) {
    try {
      // Not recursive: a folder with anything in it (another writer's temporary file too) stays.
      await (folders[i] as FileSystemDirectoryHandle).removeEntry(names[i] as string);
    } catch {
      return;
    }
  }
}
