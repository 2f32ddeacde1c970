import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A fresh temporary folder and its removal. */
export async function tempDir(
  prefix = "autostore-test-",
): Promise<{ path: string; remove: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

/** Runs `job` in a fresh temporary folder, removed afterwards whatever happened. */
export async function inTempDir<T>(prefix: string, job: (path: string) => Promise<T>): Promise<T> {
  const dir = await tempDir(prefix);
  try {
    return await job(dir.path);
  } finally {
    await dir.remove();
  }
}
