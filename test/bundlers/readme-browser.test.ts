/**
 * The README's browser examples (```ts browser blocks) run as web apps do: each block is bundled by
 * esbuild with the `browser` condition from the packed package and run as a module in Debian's
 * Chromium, in order and in one browser context (what a block writes to OPFS, the next may read), and
 * must finish without an error. The example host `https://data.example.com/` is
 * pointed at a local HTTP server (with CORS) that serves what the examples read.
 */
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, BrowserContext } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bundleApp, runApp, writeRunnerPage } from "../../bench/size.js";
import { launchChromium } from "../helpers/chromium.js";
import { type PackedInstall, packedInstall } from "../helpers/packed.js";
import { type StaticSite, serveStatic } from "../helpers/static-server.js";

const repo = join(import.meta.dirname, "..", "..");
const readme = await readFile(join(repo, "README.md"), "utf8");
const blocks = [...readme.matchAll(/```ts browser\n([\s\S]*?)```/g)].map((m) => m[1] as string);

let pkg: PackedInstall;
let work: string;
let site: StaticSite;
let data: http.Server;
let dataOrigin: string;
let browser: Browser;
// One context for every block: OPFS and IndexedDB carry over from block to block, as in one app.
let context: BrowserContext;

beforeAll(async () => {
  pkg = await packedInstall();
  work = await mkdtemp(join(tmpdir(), "autostore-readme-browser-"));
  await mkdir(join(work, "assets"));
  // The examples that name parquet-wasm's asset find it at /assets/ (initParquetWasm) or beside the chunk.
  const wasm = join(pkg.root, "node_modules", "parquet-wasm", "esm", "parquet_wasm_bg.wasm");
  await copyFile(wasm, join(work, "assets", "parquet_wasm_bg.wasm"));
  data = http.createServer((req, res) => {
    res.setHeader("access-control-allow-origin", "*");
    res.setHeader("access-control-expose-headers", "ETag, Content-Range, Content-Encoding");
    if (req.url === "/datasets/results.json") {
      res.writeHead(200, { "content-type": "application/json", etag: '"r1"', "cache-control": "no-store" });
      res.end(req.method === "HEAD" ? undefined : '{"runs":3}');
    } else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => data.listen(0, "127.0.0.1", resolve));
  dataOrigin = `http://127.0.0.1:${(data.address() as AddressInfo).port}`;
  site = await serveStatic(work);
  browser = await launchChromium();
  context = await browser.newContext();
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await site?.close();
  data?.closeAllConnections();
  await new Promise((resolve) => data?.close(resolve));
  if (work) await rm(work, { recursive: true, force: true });
});

describe("README browser examples", () => {
  it("has some", () => {
    expect(blocks.length).toBeGreaterThanOrEqual(6);
  });

  blocks.forEach((block, index) => {
    const title = block.split("\n").find((line) => line.trim() !== "") ?? "";
    it(`block ${index + 1} runs in Chromium: ${title.slice(0, 60)}`, async () => {
      const dir = join(work, `block-${index}`);
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, "main.ts"), block.replaceAll("https://data.example.com/", `${dataOrigin}/`));
      const out = join(dir, "out");
      const { warnings } = await bundleApp(join(dir, "main.ts"), out, [
        join(pkg.root, "node_modules"),
        ...pkg.nodePaths,
      ]);
      expect(warnings).toEqual([]);
      await copyFile(join(work, "assets", "parquet_wasm_bg.wasm"), join(out, "parquet_wasm_bg.wasm"));
      await writeRunnerPage(out);
      const page = await context.newPage();
      const errors: string[] = [];
      page.on("pageerror", (err) => errors.push(String(err)));
      try {
        expect(await runApp(page, `${site.origin}/block-${index}/out/`)).toBe("ok");
        expect(errors).toEqual([]);
      } finally {
        await page.close();
      }
    });
  });
});
