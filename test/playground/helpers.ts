/**
 * Helpers for the playground's end-to-end tests: the playground's own dev server (`npm run
 * playground` as a child process), a plain static server for the built site, Debian's Chromium
 * through playwright-core, and page steps that act as a person would.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { extname, join, normalize } from "node:path";
import type { Page } from "playwright-core";
import { expect } from "vitest";

export const SCREENSHOTS = join(process.cwd(), "test-results", "playground");

/** Starts `npm run <script>` with `env`, and waits for the URL it prints. */
export async function startScript(
  script: string,
  env: Record<string, string>,
): Promise<{ url: string; stop(): Promise<void> }> {
  // A process group of its own, so stopping it also stops npm's children (tsx, node).
  const child: ChildProcess = spawn("npm", ["run", "--silent", script], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = "";
    let err = "";
    const timer = setTimeout(
      () => reject(new Error(`npm run ${script} printed no URL in 90 s: ${out}${err}`)),
      90_000,
    );
    child.stdout?.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const match = /http:\/\/127\.0\.0\.1:\d+\/\S*/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve(match[0]);
      }
    });
    child.stderr?.on("data", (chunk: Buffer) => {
      err += chunk.toString();
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`npm run ${script} exited with ${code}: ${out}${err}`));
    });
  });
  return {
    url,
    stop: async () => {
      if (child.exitCode !== null || child.pid === undefined) return;
      const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      process.kill(-child.pid, "SIGTERM");
      await exited;
    },
  };
}

/** Runs `npm run <script>` to completion. */
export function runScript(script: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn("npm", ["run", "--silent", script], { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (c: Buffer) => {
      output += c.toString();
    });
    child.stderr.on("data", (c: Buffer) => {
      output += c.toString();
    });
    child.once("exit", (code) =>
      code === 0 ? resolve() : reject(new Error(`npm run ${script}: ${code}\n${output}`)),
    );
  });
}

const TYPES: Record<string, string> = {
  ".html": "text/html",
  ".js": "text/javascript",
  ".css": "text/css",
  ".wasm": "application/wasm",
};

/** A plain `node:http` static file server, as any host would serve the built site. */
export async function plainStaticServer(dir: string): Promise<{ url: string; stop(): Promise<void> }> {
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    const file = normalize(join(dir, path === "/" ? "index.html" : path));
    if (!file.startsWith(dir)) return void res.writeHead(403).end();
    readFile(file).then(
      (body) =>
        res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream" }).end(body),
      () => res.writeHead(404).end(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/`, stop: () => new Promise((r) => server.close(() => r())) };
}

export { launchChromium } from "../helpers/chromium.js";

/** Console errors and uncaught exceptions a page produced. */
export function collectErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("console", (msg) => {
    if (msg.type() === "error") errors.push(`console: ${msg.text()}`);
  });
  page.on("pageerror", (err) => errors.push(`pageerror: ${err.message}`));
  return errors;
}

/** Picks a backend in the picker and connects; waits for the tree to show its root. */
export async function connectTo(page: Page, kind: "memory" | "opfs", label: string): Promise<void> {
  await page.selectOption("#backend-kind", kind);
  await page.click("#connect");
  await page.waitForFunction((l) => document.getElementById("store-label")?.textContent === l, label);
}

/** Clicks "Load sample data" and waits until the page says it is done. */
export async function loadSamples(page: Page): Promise<void> {
  await page.click("#load-samples");
  await page.waitForFunction(() => {
    const status = document.querySelector(".sample-status");
    return status?.textContent?.startsWith("Sample data loaded") || status?.querySelector(".error");
  });
  const text = await page.textContent(".sample-status");
  if (!text?.startsWith("Sample data loaded")) throw new Error(`sample data failed: ${text}`);
}

const item = (key: string) => `[role="treeitem"][data-key="${key}"]`;

/** Opens the folders above `key` in the tree, then clicks it; waits for its preview. */
export async function open(page: Page, key: string): Promise<void> {
  const parts = key.replace(/\/$/, "").split("/");
  let prefix = "";
  for (const part of parts.slice(0, -1)) {
    prefix += `${part}/`;
    const folder = page.locator(item(prefix));
    if ((await folder.getAttribute("aria-expanded")) !== "true") await folder.locator("> .row").click();
    await page.waitForFunction(
      (p) => document.querySelector(`[data-key="${p}"]`)?.getAttribute("aria-expanded") === "true",
      prefix,
    );
  }
  await page.locator(item(key)).locator("> .row").click();
  await page.waitForFunction((k) => {
    const pane = document.getElementById("preview");
    return pane?.querySelector(".preview-key")?.textContent === k && !pane.querySelector(".loading");
  }, key);
}

export { item };

/** Saves a screenshot of the page under test-results/playground/. */
export const shot = (page: Page, name: string) => page.screenshot({ path: join(SCREENSHOTS, `${name}.png`) });

/** The checks every backend must pass after the sample data is loaded. */
export async function browseSamples(page: Page, screenshots: boolean): Promise<void> {
  await open(page, "tables/cities.parquet");
  await expect(page.locator("#preview .row-count").textContent()).resolves.toBe("12 rows × 3 columns");
  expect(await page.locator("#preview .grid tbody tr").count()).toBe(12);
  expect(await page.locator("#preview .grid thead th").allTextContents()).toEqual([
    "city",
    "population",
    "temperature",
  ]);
  expect(await page.locator("#preview .grid tbody tr").first().locator("td").first().textContent()).toBe(
    "Lisbon",
  );
  if (screenshots) await shot(page, "table");

  await open(page, "images/gradient.png");
  const pixels = await page.locator("#preview canvas.image").evaluate((el) => {
    const canvas = el as HTMLCanvasElement;
    const ctx = canvas.getContext("2d");
    return {
      width: canvas.width,
      height: canvas.height,
      topRight: [...(ctx?.getImageData(63, 0, 1, 1).data ?? [])],
    };
  });
  // The sample gradient: red grows to the right, green downwards, blue fixed at 160.
  expect(pixels).toEqual({ width: 64, height: 48, topRight: [255, 0, 160, 255] });
  await expect(page.locator("#preview .image-size").textContent()).resolves.toBe("64 × 48 px, RGBA");
  if (screenshots) await shot(page, "image");

  await open(page, "arrays/measurements.npy");
  await expect(page.locator("#preview .shape").textContent()).resolves.toBe("(100, 10)");
  await expect(page.locator("#preview .dtype").textContent()).resolves.toBe("<f4");
  const bars = await page
    .locator("#preview svg.histogram rect")
    .evaluateAll((rects) => rects.map((r) => Number(r.getAttribute("height"))));
  expect(bars).toHaveLength(24);
  expect(bars.filter((h) => h > 0).length).toBeGreaterThan(10);
  if (screenshots) await shot(page, "array");
}
