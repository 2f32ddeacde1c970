/**
 * The IndexedDB cache across a real page reload: a page bundles the browser build (esbuild, the
 * `browser` condition) and reads a JSON file through a cached store from the server that served it;
 * after `page.reload()` nothing survives in memory, and the read costs no request. Debian's Chromium,
 * driven by playwright-core; a real HTTP server on 127.0.0.1 counts the requests.
 */
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { launchChromium } from "../helpers/chromium.js";

const PAGE_SCRIPT = `
import { AutoStore } from "./src/browser/index.ts";
const store = new AutoStore(location.origin + "/data/", { cacheEnabled: true });
window.readValue = (options) => store.get("value.json", options);
`;

let server: http.Server;
let base: string;
let browser: Browser;
const requests: string[] = [];

beforeAll(async () => {
  const bundle = await build({
    stdin: {
      contents: PAGE_SCRIPT,
      resolveDir: fileURLToPath(new URL("../..", import.meta.url)),
      loader: "ts",
    },
    bundle: true,
    format: "esm",
    platform: "browser",
    conditions: ["browser"],
    write: false,
    // From the sources, which package.json's `sideEffects` (naming dist/) does not cover: keep the
    // entry point's registrations.
    ignoreAnnotations: true,
    logLevel: "silent",
  });
  const script = bundle.outputFiles[0]?.contents ?? new Uint8Array();
  let value = '{"v":1}';
  server = http.createServer((req, res) => {
    if (req.url === "/") {
      res.writeHead(200, { "content-type": "text/html" });
      res.end('<!doctype html><script type="module" src="/app.js"></script>');
    } else if (req.url === "/app.js") {
      res.writeHead(200, { "content-type": "text/javascript" });
      res.end(script);
    } else if (req.url === "/data/value.json") {
      requests.push(`${req.method} ${req.headers["if-none-match"] ?? ""}`);
      res.writeHead(200, { "content-type": "application/json", "cache-control": "no-store", etag: '"v1"' });
      res.end(value);
      value = '{"v":2}'; // later answers differ: a cached read is told from a fetched one
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await new Promise<void>((resolve) => server?.close(() => resolve()));
});

it("a page reload serves a fresh cached entry with no request; ignoreCache goes to the server", async () => {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on("pageerror", (err) => errors.push(String(err)));
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(message.text());
  });
  const read = (ignoreCache = false) =>
    page.evaluate(async (ignore) => {
      for (let i = 0; i < 500 && !("readValue" in window); i++) await new Promise((r) => setTimeout(r, 10));
      return (window as unknown as { readValue: (o: object) => Promise<unknown> }).readValue({
        ignoreCache: ignore,
      });
    }, ignoreCache);
  await page.goto(base);
  await page
    .waitForFunction(() => "readValue" in window, undefined, { timeout: 30_000 })
    .catch(() => {
      throw new Error(`the page did not start: ${errors.join("; ")}`);
    });
  expect(await read()).toEqual({ v: 1 });
  expect(requests).toEqual(["GET "]);
  await page.reload();
  expect(await read()).toEqual({ v: 1 });
  expect(requests).toEqual(["GET "]);
  // ignoreCache asks the server (a plain GET) and keeps the answer for later reads.
  expect(await read(true)).toEqual({ v: 2 });
  expect(requests).toEqual(["GET ", "GET "]);
  expect(await read()).toEqual({ v: 2 });
  expect(requests).toEqual(["GET ", "GET "]);
  await page.close();
}, 120_000);
