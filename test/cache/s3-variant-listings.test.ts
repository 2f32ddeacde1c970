/**
 * A bare key's variant listing in the cache, end to end on the local S3-compatible server behind a
 * counting proxy: a cached bare read costs no request (also from a new store on the same cache
 * folder), changes through the store are seen at once, another client's once the listing expires,
 * and a listing in flight across a change is never kept. Expiry uses short real times.
 */
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { AutoStore } from "../../src/node/index.js";
import { type FaultProxy, type ProxiedRequest, startProxy } from "../helpers/proxy.js";
import { type S3Server, startS3Server } from "../helpers/s3-server.js";
import { tempDir } from "../helpers/tmp.js";

const ONE_SECOND_IN_HOURS = 1 / 3600;
let server: S3Server;
let proxy: FaultProxy;
let dir: { path: string; remove: () => Promise<void> };
let root: string;
let run = 0;
const stores: AutoStore[] = [];

beforeAll(async () => {
  server = await startS3Server({ buckets: ["listings"] });
  proxy = await startProxy(server.endpoint);
});
afterAll(async () => {
  await Promise.all([proxy?.stop(), server?.stop()]);
});
beforeEach(async () => {
  dir = await tempDir();
  root = `s3://listings/run-${++run}/`;
  proxy.reset();
});
afterEach(async () => {
  await Promise.all(stores.splice(0).map((s) => s.close()));
  await dir.remove();
});

function store(
  fields: {
    cacheExpiryHours?: number;
    cacheDir?: string;
    cacheEnabled?: boolean;
    cacheMaxBytes?: number;
  } = {},
): AutoStore {
  const made = new AutoStore(root, {
    ...server.options({ endpoint: proxy.endpoint }),
    cacheEnabled: fields.cacheEnabled ?? true,
    cacheDir: fields.cacheDir ?? join(dir.path, "cache"),
    cacheExpiryHours: fields.cacheExpiryHours ?? 1,
    ...(fields.cacheMaxBytes === undefined ? {} : { cacheMaxBytes: fields.cacheMaxBytes }),
    // A held answer must not time out and come back as a retry.
    timeout: 600,
  });
  stores.push(made);
  return made;
}

/** Another client: no cache, so it changes the bucket behind every cache's back. */
const otherClient = () => store({ cacheEnabled: false });

const isListing = (request: ProxiedRequest) => request.method === "GET" && request.query.has("list-type");
const lists = () => proxy.log.filter(isListing).length;
const requests = () => proxy.stats().requests;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const codeOf = (err: { code?: string }) => err.code;

describe("a bare key's variant listing in the cache", () => {
  it("a second bare read makes no request, and neither does one from a new store on the cache folder", async () => {
    await otherClient().set("profile", { name: "ada" });
    const reader = store();
    proxy.reset();
    expect(await reader.get("profile")).toEqual({ name: "ada" });
    expect({ lists: lists(), requests: requests() }).toEqual({ lists: 1, requests: 2 });
    proxy.reset();
    expect(await reader.get("profile")).toEqual({ name: "ada" });
    expect(await reader.has("profile")).toBe(true);
    expect(requests()).toBe(0);
    // A reload: a new store (and new bookkeeping) over the same cache folder.
    const reloaded = store();
    expect(await reloaded.get("profile")).toEqual({ name: "ada" });
    expect(requests()).toBe(0);
  });

  it("a bare write through the store keeps its own listing: the next read costs one GET and no LIST", async () => {
    const s = store();
    await s.set("profile", { v: 1 });
    proxy.reset();
    expect(await s.get("profile")).toEqual({ v: 1 });
    expect({ lists: lists(), requests: requests() }).toEqual({ lists: 0, requests: 1 });
  });

  it("sees another format written through the store at once, as a bare key or a full one", async () => {
    const s = store();
    await s.set("profile", { v: 1 });
    expect(await s.get("profile")).toEqual({ v: 1 });
    // A bare write in another format replaces the JSON file: the listing follows.
    expect(await s.set("profile", { v: 2 }, { format: "yaml" })).toBe("profile.yaml");
    expect(await s.get("profile")).toEqual({ v: 2 });
    // A full key adds a second representation: the bare key is now ambiguous, not stale.
    await s.set("profile.json", { v: 3 });
    await expect(s.get("profile").catch(codeOf)).resolves.toBe("AMBIGUOUS_KEY");
    await s.delete("profile.yaml");
    expect(await s.get("profile")).toEqual({ v: 3 });
    await s.delete("profile");
    await expect(s.get("profile").catch(codeOf)).resolves.toBe("KEY_NOT_FOUND");
    // And a new store on the same cache folder agrees.
    await expect(store().get("profile").catch(codeOf)).resolves.toBe("KEY_NOT_FOUND");
  });

  it("sees copies and moves through the store at both ends", async () => {
    const s = store();
    await s.set("a", { from: "a" });
    await s.set("b.yaml", { from: "b" });
    expect(await s.get("a")).toEqual({ from: "a" });
    expect(await s.get("b")).toEqual({ from: "b" });
    await s.copy("b.yaml", "a.yaml");
    await expect(s.get("a").catch(codeOf)).resolves.toBe("AMBIGUOUS_KEY");
    await expect(s.get("c").catch(codeOf)).resolves.toBe("KEY_NOT_FOUND"); // an empty listing, kept
    await s.move("a.yaml", "c.yaml");
    expect(await s.get("a")).toEqual({ from: "a" });
    expect(await s.get("c")).toEqual({ from: "b" });
    await s.move("b.yaml", "moved/b.yaml");
    await expect(s.get("b").catch(codeOf)).resolves.toBe("KEY_NOT_FOUND");
  });

  it("a change to a multi-dot key invalidates each bare key it can represent", async () => {
    const s = store();
    // Both listings are kept empty first: a stale one would hide the files written next.
    await expect(s.get("arch.tar").catch(codeOf)).resolves.toBe("KEY_NOT_FOUND");
    await expect(s.get("user").catch(codeOf)).resolves.toBe("KEY_NOT_FOUND");
    // `arch.tar.bin` is the bare key `arch.tar` in `.bin`; `user.pydantic.json` is `user` in `.pydantic.json`.
    await s.set("arch.tar.bin", new Uint8Array([1, 2, 3]));
    await s.set("user.pydantic.json", { a: 1 });
    expect(await s.get("arch.tar")).toEqual(new Uint8Array([1, 2, 3]));
    expect(await s.get("user")).toEqual({ a: 1 });
    await s.delete("arch.tar.bin");
    await s.delete("user.pydantic.json");
    await expect(s.get("arch.tar").catch(codeOf)).resolves.toBe("KEY_NOT_FOUND");
    await expect(s.get("user").catch(codeOf)).resolves.toBe("KEY_NOT_FOUND");
  });

  it("sees another client's change once the listing expires; ignoreCache lists at once and keeps it", async () => {
    const reader = store({ cacheExpiryHours: ONE_SECOND_IN_HOURS });
    const other = otherClient();
    await other.set("profile", { v: 1 });
    expect(await reader.get("profile")).toEqual({ v: 1 });
    await other.set("profile.yaml", { v: 2 });
    proxy.reset();
    expect(await reader.get("profile")).toEqual({ v: 1 }); // fresh: served from the cache
    expect(requests()).toBe(0);
    await expect(reader.get("profile", { ignoreCache: true }).catch(codeOf)).resolves.toBe("AMBIGUOUS_KEY");
    expect(lists()).toBe(1);
    // ignoreCache kept what it listed: later reads see the change too, with no request.
    proxy.reset();
    await expect(reader.get("profile").catch(codeOf)).resolves.toBe("AMBIGUOUS_KEY");
    expect(requests()).toBe(0);
  });

  it("never expires with cacheExpiryHours 0; cleanupCache removes expired listings with the bytes", async () => {
    const forever = store({ cacheExpiryHours: 0 });
    await forever.set("a", 1);
    await forever.get("a");
    await sleep(1100);
    proxy.reset();
    expect(await forever.get("a")).toBe(1);
    expect(requests()).toBe(0);
    expect(await forever.cleanupCache()).toBe(0);

    const expiring = store({ cacheExpiryHours: ONE_SECOND_IN_HOURS, cacheDir: join(dir.path, "expiring") });
    await expiring.set("b", 2);
    await expiring.get("b");
    await sleep(1100);
    // The bytes of b.json and the listing of `b.`: two entries.
    expect(await expiring.cleanupCache()).toBe(2);
    expect(await expiring.cleanupCache()).toBe(0);
    proxy.reset();
    expect(await expiring.get("b")).toBe(2);
    expect({ lists: lists(), requests: requests() }).toEqual({ lists: 1, requests: 2 });
  });

  it("evicts listings with the bytes under cacheMaxBytes, and reads stay right", async () => {
    const s = store({ cacheMaxBytes: 600 });
    for (let i = 0; i < 12; i++) await s.set(`k${i}`, { i, pad: "x".repeat(60) });
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 12; i++) expect(await s.get(`k${i}`)).toEqual({ i, pad: "x".repeat(60) });
    }
    proxy.reset();
    expect(await s.get("k11")).toEqual({ i: 11, pad: "x".repeat(60) });
    expect(requests()).toBe(0); // the most recent entries stay
  });

  it("a bare write that removes the other format of a concurrent writer invalidates the listing", async () => {
    const s = store();
    await s.set("profile", { v: 1 });
    expect(await s.get("profile")).toEqual({ v: 1 });
    // Another client leaves an older YAML file; the store's next bare write removes it as a loser.
    await otherClient().set("profile.yaml", { old: true });
    await s.set("profile", { v: 2 });
    proxy.reset();
    expect(await s.get("profile")).toEqual({ v: 2 });
    expect(await store().get("profile")).toEqual({ v: 2 });
  });
});

describe("a listing in flight across a change", () => {
  for (const [name, change] of Object.entries({
    "a write": (s: AutoStore) => s.set("profile.yaml", { v: 2 }),
    "a copy": (s: AutoStore) => s.copy("other.yaml", "profile.yaml"),
  })) {
    it(`${name} of another format: the listing that began before it is not kept`, async () => {
      const s = store();
      await s.set("profile", { v: 1 });
      await s.set("other.yaml", { v: 2 });
      // A store on another cache folder starts cold: its first bare read lists.
      const reader = store({ cacheDir: join(dir.path, "cold") });
      const held = proxy.hold(isListing, 1);
      const inFlight = reader.get("profile").catch(codeOf);
      await held.arrived(); // the server has listed profile.json alone; the answer waits in the proxy
      await change(reader);
      held.release();
      expect([{ v: 1 }, "AMBIGUOUS_KEY"]).toContainEqual(await inFlight);
      await expect(reader.get("profile").catch(codeOf)).resolves.toBe("AMBIGUOUS_KEY");
      await expect(
        store({ cacheDir: join(dir.path, "cold") })
          .get("profile")
          .catch(codeOf),
      ).resolves.toBe("AMBIGUOUS_KEY");
    });
  }

  it("another store sharing the cache folder writes: the reader's held listing is not kept", async () => {
    await otherClient().set("profile", { v: 1 });
    const reader = store();
    const writer = store(); // its own bookkeeping: only the storage's generation tells the reader
    const held = proxy.hold(isListing, 1);
    const inFlight = reader.get("profile").catch(codeOf);
    await held.arrived();
    await writer.set("profile.yaml", { v: 2 });
    held.release();
    expect([{ v: 1 }, "AMBIGUOUS_KEY"]).toContainEqual(await inFlight);
    await expect(reader.get("profile").catch(codeOf)).resolves.toBe("AMBIGUOUS_KEY");
    await expect(writer.get("profile").catch(codeOf)).resolves.toBe("AMBIGUOUS_KEY");
  });
});
