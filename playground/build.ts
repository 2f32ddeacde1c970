/**
 * Bundles the playground with esbuild for the browser: `autostore-js` resolves through the package's
 * own `exports` (the `browser` condition picks `dist/browser/index.js`, built first when missing or older
 * than `src`), and parquet-wasm's `.wasm` is copied next to the chunks, where its esm build looks for it.
 */

import { copyFile, mkdir, rm, symlink } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";
import { ensureDist } from "../scripts/ensure-dist.js";

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, "..");

/** Where the package resolves from: a folder holding one link, `autostore-js` → the repository. */
async function selfLinkDir(): Promise<string> {
  const dir = join(repo, ".cache", "playground-modules");
  await mkdir(dir, { recursive: true });
  await symlink(repo, join(dir, "autostore-js"), "dir").catch((err: NodeJS.ErrnoException) => {
    if (err.code !== "EEXIST") throw err;
  });
  return dir;
}

/** Builds the static site into `outdir`: `index.html`, `style.css`, `assets/*.js` and the `.wasm`. */
export async function buildPlayground(outdir: string, options: { minify?: boolean } = {}): Promise<void> {
  await ensureDist();
  await rm(outdir, { recursive: true, force: true });
  await mkdir(join(outdir, "assets"), { recursive: true });
  await esbuild.build({
    entryPoints: [join(here, "src", "main.ts")],
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    conditions: ["browser"],
    nodePaths: [await selfLinkDir()],
    // playground/tsconfig.json maps `autostore-js` to the sources for type checking only; the bundle
    // takes the built package, as a user's bundler would.
    tsconfigRaw: { compilerOptions: {} },
    outdir: join(outdir, "assets"),
    entryNames: "[name]",
    chunkNames: "chunk-[hash]",
    minify: options.minify ?? false,
    sourcemap: true,
    logLevel: "warning",
  });
  const wasm = createRequire(join(repo, "package.json")).resolve("parquet-wasm/esm/parquet_wasm_bg.wasm");
  await copyFile(wasm, join(outdir, "assets", "parquet_wasm_bg.wasm"));
  await copyFile(join(here, "index.html"), join(outdir, "index.html"));
  await copyFile(join(here, "style.css"), join(outdir, "style.css"));
}

// `npm run playground:build`
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const outdir = join(here, "dist");
  await buildPlayground(outdir, { minify: true });
  process.stdout.write(`playground built into ${outdir}\n`);
}
