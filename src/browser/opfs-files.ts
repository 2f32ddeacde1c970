/**
 * File moves of the OPFS backend: temporary names, putting a finished file in place, and removing
 * the folders a delete emptied.
 */
import { TEMP_PREFIX } from "../core/keys.js";
import { errorName, type MovableFileHandle, sleep } from "./opfs-support.js";

// Chromium lets go of a file's lock a moment after its writable settles: a new writable or a removal
// right after can meet `NoModificationAllowedError`, and succeeds a few milliseconds later.
const LOCK_RETRIES = 8;

async function retryLocked<T>(step: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await step();
    } catch (err) {
      if (errorName(err) !== "NoModificationAllowedError" || attempt >= LOCK_RETRIES) throw err;
      await sleep(attempt * 5);
    }
  }
}

/** A fresh writable of a file, waiting out a lock that a writable just closed still holds. */
export function openWritable(file: FileSystemFileHandle): Promise<FileSystemWritableFileStream> {
  return retryLocked(() => file.createWritable());
}

/** Removes a temporary file, if it is there; never throws (a later listing sweeps what stays). */
export async function removeTemp(folder: FileSystemDirectoryHandle, name: string): Promise<void> {
  await retryLocked(() => folder.removeEntry(name)).catch(() => undefined);
}

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
  await removeTemp(folder, temp.name);
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
