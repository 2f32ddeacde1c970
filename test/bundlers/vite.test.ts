/**
 * A web app built by Vite (production build, its default settings) from the package as published,
 * opened in real Chromium: it gets the browser build, ships parquet-wasm's `.wasm` as an asset, loads
 * the heavy modules only when used, and works — JSON, a Parquet round trip and OPFS.
 */
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { build } from "vite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium } from "../helpers/chromium.js";
import { type PackedInstall, packedInstall } from "../helpers/packed.js";
import { type StaticSite, serveStatic } from "../helpers/static-server.js";

const MAIN = `
import { AutoStore } from "autostore-js";
import { tableFromArrays } from "apache-arrow";

async function run() {
  const memory = new AutoStore("memory://app");
  await memory.set("config", { theme: "dark", n: 3 });
  await memory.set("t.parquet", tableFromArrays({ x: Int32Array.from([1, 2, 3]) }));
  const table = await memory.get("t.parquet");
  const opfs = new AutoStore("opfs://vite-app");
  await opfs.set("notes", "hello from Vite");
  const root = await navigator.storage.getDirectory();
  const folder = await root.getDirectoryHandle("vite-app");
  const names = [];
  for await (const name of folder.keys()) names.push(name);
  return {
    config: await memory.get("config"),
    rows: table.numRows,
    column: Array.from(table.getChild("x").toArray()),
    notes: await opfs.get("notes"),
    files: names.sort(),
  };
}
window.result = run().catch((err) => ({ error: String(err && err.stack || err) }));
`;

let pkg: PackedInstall;
let app: string;
let server: StaticSite;
let browser: Browser;
const warnings: string[] = [];

beforeAll(async () => {
  pkg = await packedInstall();
  app = await mkdtemp(join(tmpdir(), "autostore-vite-"));
  await mkdir(join(app, "src"));
  await symlink(join(pkg.root, "node_modules"), join(app, "node_modules"), "dir");
  await writeFile(
    join(app, "index.html"),
    '<!doctype html><html><body><script type="module" src="/src/main.js"></script></body></html>',
  );
  await writeFile(join(app, "src", "main.js"), MAIN);
  await build({
    root: app,
    logLevel: "warn",
    configFile: false,
    cacheDir: join(app, ".vite"),
    customLogger: {
      info: () => undefined,
      warn: (msg) => warnings.push(msg),
      warnOnce: (msg) => warnings.push(msg),
      error: (msg) => warnings.push(msg),
      clearScreen: () => undefined,
      hasErrorLogged: () => false,
      hasWarned: false,
    },
  });
  server = await serveStatic(join(app, "dist"));
  browser = await launchChromium();
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (app) await rm(app, { recursive: true, force: true });
});

describe("a Vite production build", () => {
  it("builds without warnings and emits parquet-wasm's .wasm as an asset", async () => {
    expect(warnings).toEqual([]);
    const assets = await readdir(join(app, "dist", "assets"));
    expect(assets.some((name) => /^parquet_wasm_bg-.*\.wasm$/.test(name))).toBe(true);
  });

  it("puts the AWS SDK, parquet-wasm and apache-arrow's IPC outside the entry chunk", async () => {
    const html = await readFile(join(app, "dist", "index.html"), "utf8");
    const entry = /src="\/(assets\/index-[^"]+\.js)"/.exec(html)?.[1];
    expect(entry).toBeDefined();
    const code = await readFile(join(app, "dist", entry as string), "utf8");
    expect(code.match(/S3Client|__wbindgen|from"node:|RecordBatchStreamWriter/g) ?? []).toEqual([]);
  });

  it("runs in Chromium: JSON, a Parquet round trip through the WASM asset, and real OPFS files", async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on("pageerror", (err) => errors.push(String(err)));
    await page.goto(server.origin);
    const result = await page.evaluate(() => (window as unknown as { result: Promise<unknown> }).result);
    expect(result).toEqual({
      config: { theme: "dark", n: 3 },
      rows: 3,
      column: [1, 2, 3],
      notes: "hello from Vite",
      files: ["notes.txt"],
    });
    expect(errors).toEqual([]);
    await page.close();
  });
});
