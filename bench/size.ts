/**
 * `npm run size`: what a web app ships when it imports autostore-js, min+gzip.
 *
 * Method:
 * 1. The package as published: `npm run build` when `dist` is missing or older than `src`, then
 *    `npm pack`, unpacked into a temporary `node_modules/autostore-js`; its dependencies resolve from
 *    the checkout's `node_modules` (esbuild `nodePaths`), as an app's own `node_modules` would hold them.
 * 2. Three small apps (below), each bundled on its own by esbuild the way a web app is: ESM, browser
 *    platform and condition, minified, code splitting.
 * 3. "start" is the entry chunk and every chunk it imports statically (from esbuild's metafile): what
 *    the page loads before the app's first line runs.
 * 4. "first use" is measured, not guessed: each app runs in real Chromium (`/usr/bin/chromium`, driven
 *    by playwright-core) from a local HTTP server that records every file the page requests; the app
 *    does its whole job (S3 against the local S3 server, with CORS), and every JS file requested that
 *    is not part of "start" was loaded lazily by that job.
 * 5. Sizes: each file's minified bytes and its gzip (level 9) bytes, summed. parquet-wasm's `.wasm`
 *    (which the page fetches next to the chunk that loads it) is reported on its own.
 *
 * Checks (exit code 1): the JSON app's start + first use over {@link JSON_BUDGET}, any esbuild warning,
 * a module the JSON app must not load (see {@link FORBIDDEN}), or an app whose job failed in the page.
 * Results are printed and written to bench/results/size.json.
 *
 * Until the OPFS backend is in the browser build, the JSON app's job runs on `memory://` and the
 * result says so; its start bundle is the same either way.
 */

import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { dirname, extname, join, relative } from "node:path";
import { promisify } from "node:util";
import { gzipSync } from "node:zlib";
import * as esbuild from "esbuild";
import type { chromium } from "playwright-core";
import { ensureDist } from "../scripts/ensure-dist.js";
import { launchChromium } from "../test/helpers/chromium.js";
import { type S3Server, startS3Server } from "../test/helpers/s3-server.js";

const run = promisify(execFile);
const repo = join(import.meta.dirname, "..");

/** The JSON-on-OPFS app's budget, min+gzip bytes: start plus first use. */
export const JSON_BUDGET = 30 * 1024;

/** Packages a JSON-only app must not load; they belong to S3 over the SDK, tables, arrays, YAML and CBOR. */
export const FORBIDDEN = [
  "@aws-sdk",
  "@smithy",
  "parquet-wasm",
  "apache-arrow",
  "papaparse",
  "fast-png",
  "jpeg-js",
  "fflate",
  "yaml",
  "cbor-x",
  "hyparquet",
];

// The apps read their settings from the page's query string, so one bundle serves every run.
const APPS = {
  json: `
import { AutoStore } from "autostore-js";
const params = new URLSearchParams(location.search);
const store = new AutoStore(params.get("root") ?? "opfs://app");
await store.set("settings", { theme: "dark", size: 3 });
await store.set("notes/a", { text: "hello" });
const back = await store.get("settings");
if (back.theme !== "dark") throw new Error("round trip failed");
const keys = [];
for await (const key of store.keys()) keys.push(key);
if (keys.length !== 2) throw new Error("keys: " + keys.join(","));
await store.delete("notes/a");
if (await store.has("notes/a")) throw new Error("delete failed");
`,
  s3: `
import { AutoStore, S3Options } from "autostore-js";
const params = new URLSearchParams(location.search);
const local = new AutoStore(params.get("root") ?? "opfs://app");
await local.set("settings", { theme: "dark" });
const s3 = new AutoStore("s3://" + params.get("bucket") + "/app/", {
  options: new S3Options(JSON.parse(params.get("s3"))),
});
await s3.set("settings", await local.get("settings"));
const back = await s3.get("settings");
if (back.theme !== "dark") throw new Error("round trip failed");
const keys = [];
for await (const key of s3.keys()) keys.push(key);
if (keys.length !== 1) throw new Error("keys: " + keys.join(","));
await s3.delete("settings");
`,
  parquet: `
import { AutoStore } from "autostore-js";
const params = new URLSearchParams(location.search);
const store = new AutoStore(params.get("root") ?? "opfs://app");
await store.set("settings", { theme: "dark" });
// The app builds its table when it needs one: apache-arrow counts as first use, not start.
const { tableFromArrays } = await import("apache-arrow");
await store.set("events", tableFromArrays({ id: Int32Array.from([1, 2, 3]), score: Float64Array.from([0.5, 1, 2]) }));
const table = await store.get("events.parquet");
if (table.numRows !== 3) throw new Error("rows: " + table.numRows);
`,
} as const;
type AppName = keyof typeof APPS;

interface Sizes {
  files: number;
  min: number;
  gzip: number;
}

interface AppResult {
  app: AppName;
  root: string;
  note?: string;
  start: Sizes;
  firstUse: Sizes;
  total: Sizes;
  startFiles: string[];
  firstUseFiles: string[];
  /** Packages (node_modules names) bundled into the JS the app loaded. */
  packagesLoaded: string[];
  wasm?: { file: string; bytes: number; gzip: number; fetched: boolean };
  warnings: string[];
  error?: string;
}

/** `npm pack` into `work`, unpacked as `work/node_modules/autostore-js`. */
async function installPacked(work: string): Promise<void> {
  const { stdout } = await run("npm", ["pack", "--json", "--pack-destination", work], { cwd: repo });
  const [{ filename }] = JSON.parse(stdout) as [{ filename: string }];
  const target = join(work, "node_modules/autostore-js");
  await mkdir(target, { recursive: true });
  await run("tar", ["-xzf", join(work, filename), "-C", target, "--strip-components=1"]);
}

/** The bundle as a web app's build makes it; warnings come back as text. */
async function bundle(
  work: string,
  app: AppName,
): Promise<{ outdir: string; metafile: esbuild.Metafile; warnings: string[] }> {
  const dir = join(work, "apps", app);
  const outdir = join(dir, "out");
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, "main.js"), APPS[app]);
  const result = await bundleApp(join(dir, "main.js"), outdir, [join(repo, "node_modules")]);
  await writeRunnerPage(outdir);
  return { outdir, ...result };
}

/** `index.html` that imports the bundle's `main.js` once and leaves "ok" or the error in `window.__done`. */
export async function writeRunnerPage(outdir: string): Promise<void> {
  await writeFile(
    join(outdir, "index.html"),
    `<!doctype html><meta charset="utf-8"><script type="module">import("./main.js").then(() => { window.__done = "ok"; }, (e) => { window.__done = String(e && e.stack || e); });</script>`,
  );
}

/**
 * esbuild with a web app's settings (ESM, browser, minified, code splitting); `nodePaths` is where
 * packages resolve when they are not next to the app. Shared with the package test.
 */
export async function bundleApp(
  entry: string,
  outdir: string,
  nodePaths: string[] = [],
): Promise<{ metafile: esbuild.Metafile; warnings: string[] }> {
  const result = await esbuild.build({
    entryPoints: { main: entry },
    outdir,
    bundle: true,
    format: "esm",
    platform: "browser",
    conditions: ["browser"],
    minify: true,
    splitting: true,
    metafile: true,
    nodePaths,
    logLevel: "silent",
  });
  const warnings = await esbuild.formatMessages(result.warnings, { kind: "warning" });
  return { metafile: result.metafile, warnings };
}

/** The entry output and every output it imports statically, transitively (paths relative to `outdir`). */
export function startFiles(metafile: esbuild.Metafile, outdir: string): string[] {
  const outputs = metafile.outputs;
  // Dynamic-import targets are entry points too: the app's own entry is the output named main.js.
  const entry = Object.keys(outputs).find((file) => file.endsWith("/main.js"));
  if (!entry) throw new Error("no entry in the metafile");
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const imp of outputs[file]?.imports ?? [])
      if (imp.kind === "import-statement" && !imp.external) visit(imp.path);
  };
  visit(entry);
  const base = relative(process.cwd(), outdir);
  return [...seen].map((file) => relative(base, file));
}

/** Package names (scoped as `@scope`) among a set of outputs' inputs. */
export function packagesIn(metafile: esbuild.Metafile, outdir: string, files: string[]): string[] {
  const base = relative(process.cwd(), outdir);
  const names = new Set<string>();
  for (const file of files) {
    for (const input of Object.keys(metafile.outputs[join(base, file)]?.inputs ?? {})) {
      const match = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(
        input.slice(input.lastIndexOf("node_modules/")),
      );
      if (match?.[1] && match[1] !== "autostore-js") names.add(match[1]);
    }
  }
  return [...names].sort();
}

async function sizes(outdir: string, files: string[]): Promise<Sizes> {
  let min = 0;
  let gzip = 0;
  for (const file of files) {
    const bytes = await readFile(join(outdir, file));
    min += bytes.length;
    gzip += gzipSync(bytes, { level: 9 }).length;
  }
  return { files: files.length, min, gzip };
}

/** Serves `outdir`, recording each path requested; parquet-wasm's `.wasm` is found next to any chunk. */
async function serve(
  outdir: string,
  wasmPath: string,
): Promise<{ server: Server; url: string; requested: string[] }> {
  const requested: string[] = [];
  const types: Record<string, string> = {
    ".js": "text/javascript",
    ".html": "text/html",
    ".wasm": "application/wasm",
  };
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://x").pathname.slice(1) || "index.html";
    requested.push(path);
    const file = path.endsWith("parquet_wasm_bg.wasm") ? wasmPath : join(outdir, path);
    readFile(file).then(
      (body) => {
        res.writeHead(200, { "content-type": types[extname(file)] ?? "application/octet-stream" });
        res.end(body);
      },
      () => {
        res.writeHead(404);
        res.end();
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}/`, requested };
}

type Page = Awaited<ReturnType<Awaited<ReturnType<typeof chromium.launch>>["newPage"]>>;

/** Runs a page written by {@link writeRunnerPage}; resolves to "ok" or the error text. */
export async function runApp(page: Page, url: string): Promise<string> {
  await page.goto(url);
  await page.waitForFunction(() => (window as { __done?: string }).__done !== undefined, undefined, {
    timeout: 60_000,
  });
  return page.evaluate(() => (window as { __done?: string }).__done ?? "");
}

async function measure(
  work: string,
  app: AppName,
  browser: Awaited<ReturnType<typeof chromium.launch>>,
  s3: S3Server,
): Promise<AppResult> {
  const { outdir, metafile, warnings } = await bundle(work, app);
  const wasmPath = join(repo, "node_modules/parquet-wasm/esm/parquet_wasm_bg.wasm");
  const start = startFiles(metafile, outdir);
  const query = (root: string) =>
    new URLSearchParams({
      root,
      bucket: "size",
      s3: JSON.stringify(s3.options()),
    }).toString();

  let root = "opfs://app";
  let note: string | undefined;
  let served = await serve(outdir, wasmPath);
  let page = await browser.newPage();
  let outcome = await runApp(page, `${served.url}?${query(root)}`);
  if (outcome !== "ok" && /opfs/i.test(outcome) && /scheme|register/i.test(outcome)) {
    // No OPFS backend in this build yet: the same bundle does its job on memory.
    note = "opfs:// is not in this build yet; the job ran on memory://";
    root = "memory://app";
    await page.close();
    served.server.close();
    served = await serve(outdir, wasmPath);
    page = await browser.newPage();
    outcome = await runApp(page, `${served.url}?${query(root)}`);
  }
  await page.close();
  served.server.close();

  const loaded = [...new Set(served.requested.filter((path) => path.endsWith(".js")))];
  const firstUse = loaded.filter((file) => !start.includes(file));
  const missing = start.filter((file) => !loaded.includes(file));
  const wasmFetched = served.requested.some((path) => path.endsWith(".wasm"));
  const wasmBytes = await readFile(wasmPath);
  const startSizes = await sizes(outdir, start);
  const firstSizes = await sizes(outdir, firstUse);
  return {
    app,
    root,
    ...(note ? { note } : {}),
    start: startSizes,
    firstUse: firstSizes,
    total: {
      files: startSizes.files + firstSizes.files,
      min: startSizes.min + firstSizes.min,
      gzip: startSizes.gzip + firstSizes.gzip,
    },
    startFiles: start,
    firstUseFiles: firstUse,
    packagesLoaded: packagesIn(metafile, outdir, [...start, ...firstUse]),
    ...(app === "parquet" || wasmFetched
      ? {
          wasm: {
            file: relative(repo, wasmPath),
            bytes: wasmBytes.length,
            gzip: gzipSync(wasmBytes, { level: 9 }).length,
            fetched: wasmFetched,
          },
        }
      : {}),
    warnings,
    ...(outcome === "ok" ? {} : { error: outcome }),
    ...(missing.length > 0 ? { error: `start files the page never requested: ${missing.join(", ")}` } : {}),
  };
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

function table(results: AppResult[]): string {
  const label: Record<AppName, string> = {
    json: "JSON on OPFS",
    s3: "+ S3",
    parquet: "+ Parquet",
  };
  const rows = [
    ["app", "start (min / gzip)", "first use (min / gzip)", "total gzip", "wasm gzip"],
    ...results.map((r) => [
      label[r.app],
      `${kb(r.start.min)} / ${kb(r.start.gzip)}`,
      `${kb(r.firstUse.min)} / ${kb(r.firstUse.gzip)}`,
      kb(r.total.gzip),
      r.wasm ? kb(r.wasm.gzip) : "",
    ]),
  ];
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((row) => row[i]?.length ?? 0))) ?? [];
  return rows.map((row) => row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join("  ")).join("\n");
}

async function main(): Promise<void> {
  await ensureDist();
  const work = await mkdtemp(join(tmpdir(), "autostore-size-"));
  const s3 = await startS3Server({ buckets: ["size"] });
  const browser = await launchChromium();
  const results: AppResult[] = [];
  try {
    await installPacked(work);
    for (const app of Object.keys(APPS) as AppName[]) results.push(await measure(work, app, browser, s3));
  } finally {
    await browser.close();
    await s3.stop();
    await rm(work, { recursive: true, force: true });
  }

  console.log(table(results));
  const failures: string[] = [];
  for (const r of results) {
    if (r.note) console.log(`${r.app}: ${r.note}`);
    if (r.error) failures.push(`${r.app}: the job failed in Chromium: ${r.error}`);
    for (const warning of r.warnings) failures.push(`${r.app}: esbuild warning: ${warning.trim()}`);
  }
  const json = results.find((r) => r.app === "json");
  if (json) {
    if (json.total.gzip > JSON_BUDGET) {
      failures.push(`JSON on OPFS: ${kb(json.total.gzip)} min+gzip is over the ${kb(JSON_BUDGET)} budget`);
    }
    const forbidden = json.packagesLoaded.filter((name) =>
      FORBIDDEN.some((f) => name === f || name.startsWith(`${f}/`)),
    );
    if (forbidden.length > 0) failures.push(`JSON on OPFS loads ${forbidden.join(", ")}`);
    console.log(`JSON on OPFS loads packages: ${json.packagesLoaded.join(", ") || "none"}`);
  }
  const out = join(repo, "bench/results/size.json");
  await mkdir(dirname(out), { recursive: true });
  await writeFile(
    out,
    `${JSON.stringify({ date: new Date().toISOString(), budget: JSON_BUDGET, results }, null, 2)}\n`,
  );
  console.log(`written to ${relative(repo, out)}`);
  if (failures.length > 0) {
    console.error(failures.join("\n"));
    process.exitCode = 1;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
