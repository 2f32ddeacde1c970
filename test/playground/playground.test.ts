/**
 * The playground end to end, in Debian's Chromium: `npm run playground` serves it; a person loads
 * the sample data, browses to a table, an image, an array and a dataset, writes and deletes a value,
 * connects to a local S3 server and uploads by drag and drop. The static build served by a plain
 * server works the same. Screenshots of the main views go to test-results/playground/.
 */
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { HeadObjectCommand } from "@aws-sdk/client-s3";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FaultProxy, startProxy } from "../helpers/proxy.js";
import { rawS3Client, type S3Server, startS3Server } from "../helpers/s3-server.js";
import {
  browseSamples,
  collectErrors,
  connectTo,
  item,
  launchChromium,
  loadSamples,
  open,
  plainStaticServer,
  runScript,
  SCREENSHOTS,
  shot,
  startScript,
} from "./helpers.js";

let server: { url: string; stop(): Promise<void> };
let browser: Browser;

beforeAll(async () => {
  await mkdir(SCREENSHOTS, { recursive: true });
  [server, browser] = await Promise.all([startScript("playground", { PORT: "0" }), launchChromium()]);
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

/** A fresh context (its own OPFS, IndexedDB and localStorage) and a page that records errors. */
async function newPage(url = server.url): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const errors = collectErrors(page);
  await page.goto(url);
  await page.waitForSelector("#load-samples");
  return { context, page, errors };
}

describe("the playground on the memory backend", () => {
  it("loads sample data, previews every kind of value, and writes and deletes a value", async () => {
    const { context, page, errors } = await newPage();
    await connectTo(page, "memory", "memory://playground");
    await loadSamples(page);
    await shot(page, "tree");
    await browseSamples(page, true);

    await open(page, "weather/");
    await expect(page.locator("#preview .row-count").textContent()).resolves.toBe("24 rows in 3 files");
    expect(await page.locator("#preview .partition").allTextContents()).toEqual(["year", "month"]);
    await shot(page, "dataset");

    await open(page, "config.yaml");
    await expect(page.locator("#preview .json-tree").textContent()).resolves.toContain("layers: 4");

    await open(page, "legacy/model.pkl");
    await expect(page.locator("#preview .error-class").textContent()).resolves.toBe("UnsupportedFormatError");
    await expect(page.locator("#preview .error-code").textContent()).resolves.toBe("UNSUPPORTED_FORMAT");
    await expect(page.locator("#preview .error-message").textContent()).resolves.toContain("pickle");
    await shot(page, "refused");

    await open(page, "misc/blob.bin");
    await expect(page.locator("#preview .hex").textContent()).resolves.toMatch(/^00000000 {2}00 25 4a 6f/);

    // Copy, move and download the selected key; the code beside them names it.
    await open(page, "hello.json");
    await expect(page.locator("#target-key").inputValue()).resolves.toBe("hello-copy.json");
    await page.getByRole("button", { name: "Copy", exact: true }).click();
    await page.waitForFunction(
      () => document.querySelector("#preview .preview-key")?.textContent === "hello-copy.json",
    );
    await page.fill("#target-key", "moved/hello.json");
    await page.getByRole("button", { name: "Move", exact: true }).click();
    await page.waitForFunction(
      () => document.querySelector("#preview .preview-key")?.textContent === "moved/hello.json",
    );
    expect(await page.locator(item("hello-copy.json")).count()).toBe(0);
    await expect(page.locator(".actions .snippet code").last().textContent()).resolves.toContain(
      'await store.delete("moved/hello.json");',
    );
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("button", { name: "Download", exact: true }).click(),
    ]);
    expect(download.suggestedFilename()).toBe("hello.json");

    // Keyboard: from the "arrays" folder, → opens it, ↓ moves to its first file, Enter previews it.
    await page.locator(item("arrays/")).focus();
    await page.keyboard.press("ArrowLeft");
    await page.keyboard.press("ArrowRight");
    await page.keyboard.press("ArrowDown");
    await page.keyboard.press("Enter");
    await page.waitForFunction(
      () => document.querySelector("#preview .preview-key")?.textContent === "arrays/measurements.npy",
    );
    expect(await page.locator(item("arrays/measurements.npy")).getAttribute("aria-selected")).toBe("true");

    // Write a JSON value, see it in the tree, delete it, see it gone.
    await page.fill("#write-key", "playground-test/value");
    await page.fill("#write-value", '{ "answer": 42 }');
    await page.click("#write-button");
    await page.waitForSelector(item("playground-test/value.json"));
    await page.waitForFunction(
      () => document.querySelector("#preview .preview-key")?.textContent === "playground-test/value.json",
    );
    await expect(page.locator("#preview .json-tree").textContent()).resolves.toContain("answer: 42");
    await expect(page.locator(".actions .snippet code").nth(1).textContent()).resolves.toContain(
      'store.set("playground-test/value", { "answer": 42 })',
    );
    await page.getByRole("button", { name: "Delete" }).click();
    await page.waitForSelector(item("playground-test/value.json"), { state: "detached" });
    await expect(page.locator(".action-status").textContent()).resolves.toBe(
      "Deleted playground-test/value.json",
    );

    // The filter takes the store's glob syntax.
    await page.fill("#filter", "**/*.parquet");
    await page.waitForFunction(() => document.querySelectorAll('.tree [role="treeitem"]').length === 4);
    expect(
      await page
        .locator('.tree [role="treeitem"]')
        .evaluateAll((els) => els.map((e) => e.getAttribute("data-key"))),
    ).toEqual([
      "tables/cities.parquet",
      "weather/year=2024/month=01/part-0.parquet",
      "weather/year=2024/month=02/part-0.parquet",
      "weather/year=2025/month=01/part-0.parquet",
    ]);
    await shot(page, "filter");

    // Readable on a phone: one column, nothing wider than the screen.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.fill("#filter", "");
    await page.waitForSelector(item("tables/"));
    await open(page, "tables/cities.parquet");
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await shot(page, "phone");

    expect(errors).toEqual([]);
    await context.close();
  });
});

describe("the playground on OPFS (its default backend)", () => {
  it("opens OPFS with no set-up, loads the samples, and still has them after a reload", async () => {
    const { context, page, errors } = await newPage();
    // No fallback notice: the browser build registers the opfs scheme.
    await page.waitForFunction(() => document.getElementById("store-label")?.textContent !== "");
    await expect(page.locator("#store-label").textContent()).resolves.toBe("opfs://playground");
    expect(await page.locator("#notice").isHidden()).toBe(true);
    await loadSamples(page);
    await browseSamples(page, false);
    await page.reload();
    await page.waitForSelector(item("tables/"));
    await open(page, "tables/cities.parquet");
    expect(await page.locator("#preview .grid tbody tr").count()).toBe(12);
    expect(errors).toEqual([]);
    await context.close();
  });
});

describe("the playground against a local S3 server", () => {
  let s3: S3Server;
  let proxy: FaultProxy;
  beforeAll(async () => {
    s3 = await startS3Server({ buckets: ["play"], cors: true });
    // Counts what the pages ask the server.
    proxy = await startProxy(s3.endpoint);
  });
  afterAll(async () => {
    await proxy?.stop();
    await s3?.stop();
  });

  async function connectS3(page: Page, cache: boolean): Promise<void> {
    await page.selectOption("#backend-kind", "s3");
    await page.fill('input[name="endpoint"]', proxy.endpoint);
    await page.fill('input[name="bucket"]', "play");
    await page.fill('input[name="accessKeyId"]', s3.accessKeyId);
    await page.fill('input[name="secretAccessKey"]', "playground-secret-value");
    await page.setChecked('input[name="cache"]', cache);
    await page.click("#connect");
    await page.waitForFunction(
      () =>
        document.getElementById("store-label")?.textContent === "s3://play/" ||
        document.querySelector("#notice .error"),
    );
    // An error opening the store shows in the notice: fail with its words.
    await expect(page.locator("#notice").textContent()).resolves.toBe("");
  }

  it("connects, uploads a dropped file with progress to 100%, lists it, and keeps the secret out of the URL and storage", async () => {
    const { context, page, errors } = await newPage();
    await connectS3(page, false);
    await page.evaluate(() => {
      const bytes = new Uint8Array(3 * 1024 * 1024).map((_, i) => i & 0xff);
      const transfer = new DataTransfer();
      transfer.items.add(new File([bytes], "dropped.bin", { type: "application/octet-stream" }));
      const zone = document.querySelector(".drop-zone");
      zone?.dispatchEvent(
        new DragEvent("dragover", { dataTransfer: transfer, bubbles: true, cancelable: true }),
      );
      zone?.dispatchEvent(new DragEvent("drop", { dataTransfer: transfer, bubbles: true, cancelable: true }));
    });
    await page.waitForSelector(item("dropped.bin"));
    await expect(page.locator(".progress-text").textContent()).resolves.toBe("dropped.bin: 100%");
    expect(await page.locator(".upload-progress").evaluate((el) => (el as HTMLProgressElement).value)).toBe(
      100,
    );
    const head = await rawS3Client(s3).send(new HeadObjectCommand({ Bucket: "play", Key: "dropped.bin" }));
    expect(head.ContentLength).toBe(3 * 1024 * 1024);
    await expect(page.locator(item("dropped.bin")).locator(".size").textContent()).resolves.toBe("3.0 MiB");

    // Presigned links exist on S3.
    await page.getByRole("button", { name: "Presign" }).click();
    const link = await page.locator(".presign-out a").getAttribute("href");
    expect(link).toContain("X-Amz-Signature=");
    await shot(page, "s3-upload");

    expect(page.url()).not.toContain("playground-secret-value");
    expect(await page.evaluate(() => JSON.stringify({ ...localStorage }))).not.toContain(
      "playground-secret-value",
    );
    expect(await page.locator("body").textContent()).not.toContain("playground-secret-value");
    expect(errors).toEqual([]);
    await context.close();
  });

  it("reads a file through a second page with the cache on without a request", async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const key = "cached/hello.json";
    await rawS3Client(s3).send(
      new (await import("@aws-sdk/client-s3")).PutObjectCommand({
        Bucket: "play",
        Key: key,
        Body: '{"cached":true}',
      }),
    );
    const gets = () => proxy.log.filter((r) => r.method === "GET" && r.path.endsWith(`/play/${key}`)).length;
    const first = await context.newPage();
    const errors = collectErrors(first);
    await first.goto(server.url);
    await connectS3(first, true);
    await open(first, key);
    await expect(first.locator("#preview .json-tree").textContent()).resolves.toContain("cached: true");
    expect(gets()).toBeGreaterThan(0);

    const before = gets();
    const second = await context.newPage();
    const errors2 = collectErrors(second);
    await second.goto(server.url);
    await connectS3(second, true);
    await open(second, key);
    await expect(second.locator("#preview .json-tree").textContent()).resolves.toContain("cached: true");
    expect(gets()).toBe(before);
    expect([...errors, ...errors2]).toEqual([]);
    await context.close();
  });
});

describe("the static build", () => {
  let site: { url: string; stop(): Promise<void> };
  beforeAll(async () => {
    await runScript("playground:build");
    site = await plainStaticServer(join(process.cwd(), "playground", "dist"));
  });
  afterAll(async () => {
    await site?.stop();
  });

  it("serves from a plain static file server and works the same", async () => {
    const { context, page, errors } = await newPage(site.url);
    await connectTo(page, "memory", "memory://playground");
    await loadSamples(page);
    await open(page, "tables/cities.parquet");
    expect(await page.locator("#preview .grid tbody tr").count()).toBe(12);
    await open(page, "images/gradient.png");
    expect(await page.locator("#preview canvas.image").getAttribute("width")).toBe("64");
    expect(errors).toEqual([]);
    await context.close();
  });

  it("reads over HTTP(S): a base URL without listing opens named keys, a file URL is the one entry", async () => {
    const { context, page, errors } = await newPage(site.url);
    await page.selectOption("#backend-kind", "http");
    await page.fill('input[name="url"]', site.url);
    await page.click("#connect");
    await page.waitForSelector(".tree .error-class");
    await expect(page.locator(".tree .error-class").textContent()).resolves.toBe("UnsupportedOperationError");
    await page.fill("#open-key", "index.html");
    await page.click(".open-key button");
    await page.waitForFunction(() => !document.querySelector("#preview .loading"));
    expect(await page.locator("#preview .error").allTextContents()).toEqual([]);
    await expect(page.locator("#preview .text").textContent()).resolves.toContain(
      "<title>autostore-js playground</title>",
    );
    // A file URL (a presigned URL works the same) is shown as the one entry of the tree.
    const fileUrl = `${site.url}index.html?token=abc`;
    await page.fill('input[name="url"]', fileUrl);
    await page.click("#connect");
    await page.locator(item(fileUrl)).locator("> .row").click();
    await page.waitForFunction(() => !document.querySelector("#preview .loading"));
    await expect(page.locator("#preview .text").textContent()).resolves.toContain("<title>");
    expect(errors).toEqual([]);
    await context.close();
  });
});
