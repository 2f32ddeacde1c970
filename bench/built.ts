/**
 * The built package (`dist/node/index.js`), for scenarios that measure what users load: a fresh
 * `node` on plain JavaScript, without the TypeScript loader that runs the rest of the benchmarks
 * (its transforms run inside the process being measured, for every module loaded late).
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import * as fs from "node:fs/promises";
import * as path from "node:path";
import { promisify } from "node:util";

export const run = promisify(execFile);
export const ROOT = path.resolve(import.meta.dirname, "..");
/** The Node entry of the built package. */
export const DIST_ENTRY = path.join(ROOT, "dist", "node", "index.js");

async function newestUnder(folder: string): Promise<number> {
  let newest = 0;
  for (const entry of await fs.readdir(folder, { recursive: true, withFileTypes: true })) {
    if (entry.isFile())
      newest = Math.max(newest, (await fs.stat(path.join(entry.parentPath, entry.name))).mtimeMs);
  }
  return newest;
}

/** Builds `dist/` with `npm run build` when it is missing or older than any file under `src/`. */
export async function ensureBuilt(): Promise<void> {
  if (
    existsSync(DIST_ENTRY) &&
    (await fs.stat(DIST_ENTRY)).mtimeMs >= (await newestUnder(path.join(ROOT, "src")))
  )
    return;
  process.stdout.write("(dist/ is missing or older than src/: npm run build …) ");
  await run("npm", ["run", "build"], { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 });
}
