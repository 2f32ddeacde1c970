/**
 * Builds `dist/` (`npm run build`) when it is missing or older than the newest source file: the scripts that
 * consume the built package (`npm run size`, `npm run playground`) run on a fresh clone as they are.
 */
import { execFile } from "node:child_process";
import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);
const repo = join(import.meta.dirname, "..");

/** Builds `dist` when it is missing or older than the newest file under `src`. */
export async function ensureDist(): Promise<void> {
  const built = await stat(join(repo, "dist/browser/index.js")).catch(() => undefined);
  if (built && built.mtimeMs >= (await newestMtime(join(repo, "src")))) return;
  console.log("building dist…");
  await run("npm", ["run", "build", "--silent"], { cwd: repo });
}

async function newestMtime(dir: string): Promise<number> {
  let newest = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    newest = Math.max(newest, (await stat(join(entry.parentPath, entry.name))).mtimeMs);
  }
  return newest;
}
