/**
 * The cache end to end: a store on the local S3-compatible server, behind a proxy that counts what
 * reaches the server. Expiry uses short real times (cacheExpiryHours is fractional).
 */
import { readdir, readFile, truncate, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { AutoStore } from "../../src/node/index.js";
import { type FaultProxy, startProxy } from "../helpers/proxy.js";
import { type S3Server, startS3Server } from "../helpers/s3-server.js";
import { tempDir } from "../helpers/tmp.js";

const ONE_SECOND_IN_HOURS = 1 / 3600;
let server: S3Server;
let proxy: FaultProxy;
let dir: { path: string; remove: () => Promise<void> };
let bucketPrefix: string;
let run = 0;
const stores: AutoStore[] = [];

beforeAll(async () => {
  server = await startS3Server({ buckets: ["cache"] });
  proxy = await startProxy(server.endpoint);
});
afterAll(async () => {
  await Promise.all([proxy?.stop(), server?.stop()]);
});
beforeEach(async () => {
  dir = await tempDir();
  bucketPrefix = `s3://cache/run-${++run}/`;
  proxy.reset();
});
afterEach(async () => {
  await Promise.all(stores.splice(0).map((s) => s.close()));
  await dir.remove();
});

function store(
  fields: { cacheExpiryHours?: number; cacheDir?: string; cacheEnabled?: boolean } = {},
): AutoStore {
  const made = new AutoStore(bucketPrefix, {
    ...server.options({ endpoint: proxy.endpoint }),
    cacheEnabled: fields.cacheEnabled ?? true,
    cacheDir: fields.cacheDir ?? join(dir.path, "cache"),
    cacheExpiryHours: fields.cacheExpiryHours ?? 1,
  });
  stores.push(made);
  return made;
}

/** GET requests that reached the server, and those among them that were conditional. */
function gets(): { all: number; conditional: number; notModified: number } {
  const entries = proxy.log.filter((e) => e.method === "GET" && !e.query.has("list-type"));
  return {
    all: entries.length,
    conditional: entries.filter((e) => e.headers["if-none-match"] !== undefined).length,
    notModified: entries.filter((e) => e.status === 304).length,
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("cache on S3", () => {
  it("caches under an s3:// root: a second read makes no request", async () => {
    const writer = store({ cacheEnabled: false });
    await writer.set("value.json", { v: 1 });
    const reader = store();
    expect(await reader.get("value.json")).toEqual({ v: 1 });
    proxy.reset();
    expect(await reader.get("value.json")).toEqual({ v: 1 });
    expect((await reader.getMetadata("value.json")).size).toBe(7);
    expect(proxy.stats().requests).toBe(0);
  });

  it("revalidates an expired entry with exactly one conditional request; a 304 renews it", async () => {
    const reader = store({ cacheExpiryHours: ONE_SECOND_IN_HOURS });
    await reader.set("value.json", { v: 1 });
    await reader.get("value.json");
    await sleep(1100);
    proxy.reset();
    expect(await reader.get("value.json")).toEqual({ v: 1 });
    expect(gets()).toEqual({ all: 1, conditional: 1, notModified: 1 });
    expect(proxy.stats().requests).toBe(1);
    proxy.reset();
    expect(await reader.get("value.json")).toEqual({ v: 1 });
    expect(proxy.stats().requests).toBe(0);
  });

  it("sees a write by another store instance once the entry expires", async () => {
    const reader = store({ cacheExpiryHours: ONE_SECOND_IN_HOURS });
    const otherProcess = store({ cacheDir: join(dir.path, "other-cache") });
    await otherProcess.set("shared.json", { v: 1 });
    expect(await reader.get("shared.json")).toEqual({ v: 1 });
    await otherProcess.set("shared.json", { v: 2 });
    expect(await reader.get("shared.json")).toEqual({ v: 1 }); // fresh: served from the cache
    await sleep(1100);
    proxy.reset();
    expect(await reader.get("shared.json")).toEqual({ v: 2 });
    expect(gets()).toEqual({ all: 1, conditional: 1, notModified: 0 });
  });

  it("ignoreCache asks the server (one plain GET) and keeps the answer: no later read is older", async () => {
    const reader = store();
    const otherProcess = store({ cacheDir: join(dir.path, "other-cache") });
    await otherProcess.set("seen.json", { v: 1 });
    expect(await reader.get("seen.json")).toEqual({ v: 1 });
    await otherProcess.set("seen.json", { v: 2 });
    expect(await reader.get("seen.json")).toEqual({ v: 1 }); // fresh: served from the cache
    proxy.reset();
    expect(await reader.path("seen.json").load({ ignoreCache: true })).toEqual({ v: 2 });
    expect(gets()).toEqual({ all: 1, conditional: 0, notModified: 0 });
    proxy.reset();
    expect(await reader.get("seen.json")).toEqual({ v: 2 });
    expect(await reader.path("seen.json").readText()).toBe('{"v":2}');
    expect(proxy.stats().requests).toBe(0);
  });

  it("fetches again when a cache file is truncated or overwritten with garbage", async () => {
    const reader = store();
    await reader.set("big.json", { values: Array.from({ length: 1000 }, (_, i) => i) });
    await reader.get("big.json");
    const files = (await readdir(join(dir.path, "cache"), { recursive: true })).map(String);
    const name = files.find((f) => f.endsWith(".entry"));
    if (!name) throw new Error("no cache file");
    const entry = join(dir.path, "cache", name);
    await truncate(entry, 10);
    proxy.reset();
    expect(((await reader.get("big.json")) as { values: number[] }).values.length).toBe(1000);
    expect(gets().all).toBe(1);
    const bytes = await readFile(entry);
    bytes.fill(0x78, bytes.length - 4000); // "x" over the last 4,000 bytes of the value
    await writeFile(entry, bytes);
    proxy.reset();
    expect(((await reader.get("big.json")) as { values: number[] }).values.length).toBe(1000);
    expect(gets().all).toBe(1);
  });

  it("makes one GET for 20 concurrent reads of a cold key", async () => {
    const writer = store({ cacheEnabled: false });
    await writer.set("cold.json", { cold: true });
    const reader = store();
    proxy.reset();
    const values = await Promise.all(Array.from({ length: 20 }, () => reader.get("cold.json")));
    expect(values.every((v) => JSON.stringify(v) === '{"cold":true}')).toBe(true);
    expect(gets().all).toBe(1);
  });

  it("never revalidates with cacheExpiryHours 0; cleanupCache counts what it removed", async () => {
    const forever = store({ cacheExpiryHours: 0 });
    await forever.set("a.json", 1);
    await forever.get("a.json");
    await sleep(1100);
    proxy.reset();
    await forever.get("a.json");
    expect(proxy.stats().requests).toBe(0);
    expect(await forever.cleanupCache()).toBe(0);

    const expiring = store({ cacheExpiryHours: ONE_SECOND_IN_HOURS, cacheDir: join(dir.path, "expiring") });
    await expiring.set("b.json", 2);
    await expiring.set("c.json", 3);
    await expiring.get("b.json");
    await expiring.get("c.json");
    await sleep(1100);
    expect(await expiring.cleanupCache()).toBe(2);
    expect(await expiring.cleanupCache()).toBe(0);
  });

  it("drops the entry on set, delete, copy and move through the store; ignoreCache asks the server", async () => {
    const s = store();
    await s.set("x.json", { v: 1 });
    await s.get("x.json");
    await s.set("x.json", { v: 2 });
    expect(await s.get("x.json")).toEqual({ v: 2 });
    await s.set("y.json", { y: true });
    await s.copy("y.json", "x.json");
    expect(await s.get("x.json")).toEqual({ y: true });
    proxy.reset();
    await s.get("x.json", { ignoreCache: true });
    expect(gets().all).toBe(1);
    await s.move("y.json", "x.json");
    expect(await s.get("x.json")).toEqual({ y: true });
    await s.delete("x.json");
    await expect(s.get("x.json")).rejects.toMatchObject({ code: "KEY_NOT_FOUND" });
  });
});
