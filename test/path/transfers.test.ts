/**
 * AutoPath transfers on real disk and the local S3 server (behind the counting proxy, which shows the
 * multipart requests): a 20 MiB file up and down with its bytes and progress events checked, every
 * kind of source and sink, and aborts halfway that leave the destination as it was.
 */
import { createReadStream } from "node:fs";
import { readdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AutoPath, AutoStore, type Progress, S3Options } from "../../src/node/index.js";
import { type FaultProxy, startProxy } from "../helpers/proxy.js";
import { type S3Server, startS3Server } from "../helpers/s3-server.js";
import { tempDir } from "../helpers/tmp.js";

const MiB = 1024 * 1024;
const SIZE = 20 * MiB;
let s3: S3Server;
let proxy: FaultProxy;
let tmp: { path: string; remove: () => Promise<void> };
let bigFile: string;
let big: Uint8Array;
const stores: AutoStore[] = [];
const timings: Record<string, number> = {};

beforeAll(async () => {
  [s3, tmp] = await Promise.all([startS3Server({ buckets: ["transfers"] }), tempDir()]);
  proxy = await startProxy(s3.endpoint);
  big = new Uint8Array(SIZE);
  for (let i = 0; i < SIZE; i++) big[i] = (i * 131 + (i >> 13)) & 255;
  bigFile = join(tmp.path, "big.bin");
  await writeFile(bigFile, big);
}, 60_000);
afterAll(async () => {
  console.log("abort → rejection (ms):", JSON.stringify(timings));
  await Promise.all(stores.map((s) => s.close()));
  await proxy?.stop();
  await Promise.all([s3?.stop(), tmp?.remove()]);
});

let n = 0;
function makeStore(): AutoStore {
  const store = new AutoStore(join(tmp.path, `store-${++n}`), {
    options: [
      new S3Options({
        scheme: "s3",
        ...s3.options({ endpoint: proxy.endpoint }),
        multipartThreshold: 5 * MiB,
        multipartChunkSize: 5 * MiB,
        maxConcurrency: 2,
      }),
    ],
  });
  stores.push(store);
  return store;
}

const ENVS: Array<[string, (store: AutoStore, rel: string) => AutoPath]> = [
  ["local disk", (store, rel) => store.path(rel)],
  ["S3", (store, rel) => new AutoPath(`s3://transfers/${n}/${rel}`, { store })],
];

const same = (a: Uint8Array, b: Uint8Array) => a.length === b.length && Buffer.from(a).equals(Buffer.from(b));

/** Checks a transfer's events: growing, no gap over 1 MiB plus one chunk, the last with loaded === total. */
function checkProgress(events: Progress[], total: number): void {
  expect(events.length).toBeGreaterThanOrEqual(total / (1.25 * MiB));
  let last = 0;
  for (const e of events) {
    expect(e.loaded).toBeGreaterThanOrEqual(last);
    expect(e.loaded - last).toBeLessThanOrEqual(1.25 * MiB);
    last = e.loaded;
  }
  expect(events.at(-1)).toEqual({ loaded: total, total });
}

describe.each(ENVS)("AutoPath transfers on %s", (name, at) => {
  it("uploads a 20 MiB local file and downloads it back, streaming, with progress", async () => {
    const store = makeStore();
    const p = at(store, "big/data.bin");
    const up: Progress[] = [];
    await p.uploadFrom(bigFile, { onProgress: (e) => up.push({ ...e }) });
    checkProgress(up, SIZE);
    expect((await p.stat()).size).toBe(SIZE);
    const down: Progress[] = [];
    const target = join(tmp.path, `down-${n}.bin`);
    await p.downloadTo(target, { onProgress: (e) => down.push({ ...e }) });
    checkProgress(down, SIZE);
    expect(same(new Uint8Array(await readFile(target)), big)).toBe(true);
    if (name === "S3") expect(proxy.count("PUT", "partNumber")).toBeGreaterThanOrEqual(4);
  }, 60_000);

  it("uploads from a Node Readable, a web ReadableStream and a Blob; downloads to a WritableStream", async () => {
    const store = makeStore();
    const small = big.slice(0, 3 * MiB + 7) as Uint8Array<ArrayBuffer>;
    await at(store, "a.bin").uploadFrom(createReadStream(bigFile, { start: 0, end: small.length - 1 }));
    await at(store, "b.bin").uploadFrom(new Blob([small]).stream());
    const events: Progress[] = [];
    await at(store, "c.bin").uploadFrom(new Blob([small]), { onProgress: (e) => events.push({ ...e }) });
    checkProgress(events, small.length);
    for (const k of ["a.bin", "b.bin", "c.bin"])
      expect(same(await at(store, k).readBytes(), small)).toBe(true);
    const chunks: Uint8Array[] = [];
    await at(store, "c.bin").downloadTo(new WritableStream({ write: (c) => void chunks.push(c) }));
    expect(same(Buffer.concat(chunks), small)).toBe(true);
  });

  it("copies and moves across backends with progress", async () => {
    const store = makeStore();
    const src = store.path("src/big.bin");
    await src.uploadFrom(bigFile);
    const dst = at(store, "copied/big.bin");
    const events: Progress[] = [];
    await src.copyTo(dst, { onProgress: (e) => events.push({ ...e }) });
    // Across backends the bytes stream through the client: events all the way.
    if (name === "S3") checkProgress(events, SIZE);
    expect(events.at(-1)).toEqual({ loaded: SIZE, total: SIZE });
    expect((await dst.stat()).size).toBe(SIZE);
    const moved = at(store, "moved/big.bin");
    await dst.moveTo(moved);
    expect(await dst.exists()).toBe(false);
    expect(same(await moved.readBytes(), big)).toBe(true);
  }, 60_000);

  it("reports a folder's upload, download and copy as one transfer against the tree's total", async () => {
    const store = makeStore();
    const local = join(tmp.path, `tree-${n}`);
    const { mkdir } = await import("node:fs/promises");
    await mkdir(join(local, "sub"), { recursive: true });
    const sizes = { "a.bin": 3 * MiB + 5, "sub/b.bin": 1000, "sub/c.bin": 2 * MiB };
    for (const [rel, size] of Object.entries(sizes)) await writeFile(join(local, rel), big.subarray(0, size));
    const total = Object.values(sizes).reduce((a, b) => a + b, 0);
    /** Growing, all against `total`, no gap over 1.25 MiB, and the end exactly once, last. */
    const checkTree = (events: Progress[], oneStepEach = false) => {
      // A copy within one backend is one step a file (a rename or the server's copy): an event each.
      if (oneStepEach) expect(events.map((e) => e.loaded)).toEqual([3 * MiB + 5, 3 * MiB + 1005, total]);
      else checkProgress(events, total);
      expect(events.every((e) => e.total === total)).toBe(true);
      expect(events.filter((e) => e.loaded === total)).toHaveLength(1);
    };
    const folder = at(store, "tree");
    const up: Progress[] = [];
    await folder.uploadFrom(local, { onProgress: (e) => up.push({ ...e }) });
    checkTree(up);
    const down: Progress[] = [];
    const back = join(tmp.path, `tree-back-${n}`);
    await folder.downloadTo(back, { onProgress: (e) => down.push({ ...e }) });
    checkTree(down);
    expect((await stat(join(back, "sub", "c.bin"))).size).toBe(2 * MiB);
    const copied: Progress[] = [];
    await folder.copyTo(store.path("tree-copy"), { onProgress: (e) => copied.push({ ...e }) });
    checkTree(copied, name === "local disk");
    expect((await store.path("tree-copy/a.bin").stat()).size).toBe(3 * MiB + 5);
  }, 60_000);

  it("aborts an upload halfway: rejects with the signal's reason, the destination keeps its old value", async () => {
    const store = makeStore();
    const p = at(store, "abort/up.bin");
    await p.writeText("old value");
    proxy.reset();
    const controller = new AbortController();
    const reason = new Error("stop the upload");
    let abortedAt = 0;
    const run = p.uploadFrom(bigFile, {
      signal: controller.signal,
      onProgress: (e) => {
        if (e.loaded >= SIZE / 2 && !abortedAt) {
          abortedAt = performance.now();
          controller.abort(reason);
        }
      },
    });
    await expect(run).rejects.toBe(reason);
    const elapsed = performance.now() - abortedAt;
    timings[`upload ${name}`] = Math.round(elapsed);
    expect(elapsed).toBeLessThan(1000);
    expect(await p.readText()).toBe("old value");
    if (name === "S3") {
      // s3rver cannot list open uploads: the proof is the abort request on the wire.
      await new Promise((r) => setTimeout(r, 200));
      const started = proxy.log.filter((e) => e.method === "POST" && e.query.has("uploads")).length;
      const aborted = proxy.log.filter((e) => e.method === "DELETE" && e.query.has("uploadId")).length;
      expect(started).toBe(1);
      expect(aborted).toBe(1);
    } else {
      const names = await readdir(join(tmp.path, `store-${n}`, "abort"));
      expect(names).toEqual(["up.bin"]);
    }
  }, 60_000);

  it("aborts a download halfway: rejects with the signal's reason, no file at the destination", async () => {
    const store = makeStore();
    const p = at(store, "abort/down.bin");
    await p.uploadFrom(bigFile);
    const folder = join(tmp.path, `abort-down-${n}`);
    const target = join(folder, "down.bin");
    const controller = new AbortController();
    const reason = new Error("stop the download");
    let abortedAt = 0;
    const run = p.downloadTo(target, {
      signal: controller.signal,
      onProgress: (e) => {
        if (e.loaded >= SIZE / 2 && !abortedAt) {
          abortedAt = performance.now();
          controller.abort(reason);
        }
      },
    });
    await expect(run).rejects.toBe(reason);
    const elapsed = performance.now() - abortedAt;
    timings[`download ${name}`] = Math.round(elapsed);
    expect(elapsed).toBeLessThan(1000);
    await expect(stat(target)).rejects.toMatchObject({ code: "ENOENT" });
    expect(await readdir(folder)).toEqual([]);
  }, 60_000);
});
