/**
 * A web app built and served as a user's would be, in Debian's Chromium: the entry imports
 * `autostore-js` by its package name from the packed package (`test/helpers/packed.ts`), esbuild
 * bundles it for the browser (`platform: "browser"`, the `browser` condition, ESM, code splitting),
 * parquet-wasm's `.wasm` is shipped next to the chunks (where its ESM build looks for it), and a tiny
 * `node:http` server on 127.0.0.1 serves the output. The app (`app/app.ts`) puts its functions on
 * `window.app`; tests call them with `page.evaluate`.
 *
 * @example
 * const app = await buildWebApp();
 * const site = await serveStatic(app.outdir);
 * const browser = await launchChromium();
 * const page = await openApp(browser, site.origin);
 */
import { copyFile, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build, type Metafile } from "esbuild";
import type { Browser, Page } from "playwright-core";
import { packedInstall } from "../helpers/packed.js";

export { launchChromium } from "../helpers/chromium.js";
export { type StaticSite, serveStatic } from "../helpers/static-server.js";

const APP = join(import.meta.dirname, "app", "app.ts");

/** A built web app. */
export interface WebApp {
  /** The folder to serve: `index.html`, `app.js`, its chunks and the `.wasm`. */
  outdir: string;
  /** Every `.js` file of the output, with its text. */
  scripts: Map<string, string>;
  metafile: Metafile;
  remove(): Promise<void>;
}

/** Bundles the app against the packed package (`minify` for size measurements). */
export async function buildWebApp(options: { minify?: boolean } = {}): Promise<WebApp> {
  const pkg = await packedInstall();
  const outdir = await mkdtemp(join(tmpdir(), "autostore-webapp-"));
  const entry = [
    `import * as lib from "autostore-js";`,
    `import * as arrow from "apache-arrow";`,
    `import { install } from ${JSON.stringify(APP)};`,
    "install(lib, arrow);",
  ].join("\n");
  const result = await build({
    stdin: { contents: entry, resolveDir: pkg.root, sourcefile: "main.js", loader: "js" },
    bundle: true,
    outdir,
    entryNames: "app",
    chunkNames: "chunks/[name]-[hash]",
    format: "esm",
    splitting: true,
    platform: "browser",
    conditions: ["browser"],
    target: "es2022",
    nodePaths: pkg.nodePaths,
    minify: options.minify ?? false,
    metafile: true,
    logLevel: "silent",
  });
  // parquet-wasm's ESM build fetches `new URL("parquet_wasm_bg.wasm", import.meta.url)`: beside the
  // chunk that holds it. esbuild leaves that reference alone, so the asset is copied there.
  const wasm = join(pkg.root, "node_modules", "parquet-wasm", "esm", "parquet_wasm_bg.wasm");
  await copyFile(wasm, join(outdir, "chunks", "parquet_wasm_bg.wasm"));
  await writeIndex(outdir);
  const scripts = new Map<string, string>();
  for (const file of await listFiles(outdir)) {
    if (file.endsWith(".js")) scripts.set(file, await readFile(join(outdir, file), "utf8"));
  }
  return {
    outdir,
    scripts,
    metafile: result.metafile,
    remove: () => rm(outdir, { recursive: true, force: true }),
  };
}

async function writeIndex(outdir: string): Promise<void> {
  await writeFile(
    join(outdir, "index.html"),
    '<!doctype html><html><head><meta charset="utf-8"><title>autostore-js page</title>' +
      '<script type="module" src="/app.js"></script></head><body></body></html>',
  );
}

/** Files under `dir`, relative, with `/` separators. */
export async function listFiles(dir: string, prefix = ""): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...(await listFiles(dir, rel)));
    else out.push(rel);
  }
  return out;
}

/** Every `node:` module an output script imports (statically, dynamically or by require). */
export function nodeImports(scripts: Map<string, string>): string[] {
  const found = new Set<string>();
  const pattern = /(?:from\s*|import\s*\(\s*|require\s*\(\s*|import\s+)["'](node:[^"']+)["']/g;
  for (const [file, text] of scripts) {
    for (const match of text.matchAll(pattern)) found.add(`${file}: ${match[1]}`);
  }
  return [...found];
}

/** A new page on the app, once `window.app` is installed; page errors fail loudly. */
export async function openApp(browser: Browser, origin: string): Promise<Page> {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on("pageerror", (err) => errors.push(err.message));
  await page.goto(`${origin}/`);
  await page
    .waitForFunction(() => window.appReady === true, undefined, { timeout: 30_000 })
    .catch((err) => {
      throw new Error(`the app did not start: ${errors.join("; ") || String(err)}`);
    });
  return page;
}
