/**
 * The IndexedDB cache storage in real Chromium: the cache storage conformance suite, then the cache
 * policy through the browser build's AutoStore over a real HTTP server (started in Node by
 * test/browser/setup/http-server.ts, which counts every request): a fresh entry costs no request
 * (in a new store too, as after a page reload), expiry and ETag revalidation (304), the LRU bound,
 * a corrupt entry fetched again, `ignoreCache`, and two connections to one database agreeing on
 * invalidations.
 */
import { promisifyRequest } from "idb-keyval";
import { afterEach, describe, expect, inject, it } from "vitest";
import {
  AutoStore,
  type Backend,
  CachedBackend,
  type CacheRecord,
  IdbCacheStorage,
  MemoryBackend,
  type ReadOptions,
  type ReadResult,
} from "../../src/browser/index.js";
import { recordOf, testCacheStorage } from "../conformance/cache-storage.js";

const HOUR = 3_600_000;
const bytes = (value: string) => new TextEncoder().encode(value);
const text = (data: Uint8Array) => new TextDecoder().decode(data);
let databases = 0;
const newDatabase = () => `autostore-test-${Date.now()}-${databases++}`;

/** Runs one request on a database through a connection of its own, closed afterwards. */
async function raw<T>(database: string, request: (store: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  const db = await promisifyRequest(indexedDB.open(database));
  try {
    const tx = db.transaction("entries", "readwrite");
    const result = await promisifyRequest(request(tx.objectStore("entries")));
    await promisifyRequest(tx);
    return result;
  } finally {
    db.close();
  }
}

/** Changes an entry's stored bytes behind the storage's back (keeping the version it was written with). */
async function damage(database: string, id: string, how: "flip" | "truncate"): Promise<void> {
  const key = ["bytes", id];
  const stored = (await raw(database, (s) => s.get(key))) as { version: string; data: Uint8Array };
  const data = how === "truncate" ? stored.data.slice(0, -1) : stored.data.slice();
  if (how === "flip") data[data.length - 1] = (data[data.length - 1] ?? 0) ^ 0xff;
  await raw(database, (s) => s.put({ ...stored, data }, key));
}

/** Deletes a database; it resolves only once every connection to it closed (the storage closes its own). */
async function deleteDatabase(database: string): Promise<void> {
  await promisifyRequest(indexedDB.deleteDatabase(database));
}

testCacheStorage("IndexedDB in Chromium", async () => {
  const database = newDatabase();
  return {
    open: () => new IdbCacheStorage(database),
    damage: (id, how) => damage(database, id, how),
    cleanup: () => deleteDatabase(database),
  };
});

describe("IndexedDB cache storage", () => {
  it("keeps the bytes under keys of their own, so records are read without them", async () => {
    const database = newDatabase();
    const storage = new IdbCacheStorage(database);
    const data = bytes("x".repeat(10_000));
    const record = await recordOf("https://h/k", data);
    expect(await storage.write(record, data, await storage.generation(record.id))).toBe(true);
    const stored = (await raw(database, (s) => s.get(["record", record.id]))) as object;
    expect(JSON.stringify(stored).length).toBeLessThan(1000);
    // With the bytes gone, the record still answers (it never needed them) and a read reports a miss.
    await raw(database, (s) => s.delete(["bytes", record.id]));
    expect(await storage.readRecord(record.id)).toEqual(record);
    expect(await storage.read(record.id)).toBeUndefined();
    expect(await storage.readRecord(record.id)).toBeUndefined();
    await deleteDatabase(database);
  });

  it("a deleted database (Clear site data) is not blocked by an open storage, and old generations stay stale", async () => {
    const database = newDatabase();
    const storage = new IdbCacheStorage(database);
    const id = "https://h/k";
    const since = await storage.generation(id);
    await deleteDatabase(database); // resolves only because the storage closed its connection
    // The same storage keeps working on the database made anew, and a fill begun before the
    // deletion does not commit: the new database's generations are all new.
    const data = bytes("downloaded before the deletion");
    expect(await storage.write(await recordOf(id, data), data, since)).toBe(false);
    expect(await storage.generation(id)).not.toBe(since);
    expect(await storage.write(await recordOf(id, data), data, await storage.generation(id))).toBe(true);
    expect(text((await new IdbCacheStorage(database).read(id))?.data ?? new Uint8Array())).toBe(text(data));
    await deleteDatabase(database);
  });

  it("a database of another library under the same name is a typed error naming the database", async () => {
    const database = newDatabase();
    const open = indexedDB.open(database, 1);
    open.onupgradeneeded = () => open.result.createObjectStore("something-else");
    (await promisifyRequest(open)).close();
    const err = await new IdbCacheStorage(database).read("https://h/k").catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "BACKEND_ERROR", backendCode: "NotFoundError", uri: "https://h/k" });
    expect(String((err as Error).message)).toContain(`IndexedDB '${database}'`);
    // Not deleted: idb-keyval keeps that connection open (it never reached a transaction to watch).
  });
});

/** A memory remote whose reads wait for `release()`, and that counts them. */
class GatedRemote extends MemoryBackend {
  reads = 0;
  #gate: Promise<void> | undefined;
  #open: (() => void) | undefined;
  #reached: (() => void) | undefined;
  reached: Promise<void> = Promise.resolve();
  hold(): void {
    this.#gate = new Promise((resolve) => {
      this.#open = resolve;
    });
    this.reached = new Promise((resolve) => {
      this.#reached = resolve;
    });
  }
  release(): void {
    this.#open?.();
    this.#gate = undefined;
  }
  /** Named by its URIs alone, so that an entry's id is its URI (the tabs below invalidate by URI). */
  override async cacheIdentity(): Promise<string> {
    return "";
  }
  override async read(key: string, options?: ReadOptions): Promise<ReadResult> {
    this.reads++;
    const result = await super.read(key, options);
    this.#reached?.();
    await this.#gate;
    return result;
  }
}

describe("two connections to one database (two tabs)", () => {
  it("an invalidation through one keeps the other's download in flight from being stored", async () => {
    const database = newDatabase();
    const tabA = new IdbCacheStorage(database);
    const tabB = new IdbCacheStorage(database);
    const remote = new GatedRemote();
    await remote.write("k.txt", bytes("old"));
    const cachedA = new CachedBackend(remote, tabA, { expiryHours: 1 });
    remote.hold();
    const reading = cachedA.read("k.txt");
    await remote.reached; // tab A has the old bytes in hand, not yet stored
    await remote.write("k.txt", bytes("new"));
    await tabB.invalidate(remote.uri("k.txt")); // tab B wrote the object: its store invalidates
    remote.release();
    expect(text(await (await reading).bytes())).toBe("old"); // began before the write: may see it
    expect(await tabA.read(remote.uri("k.txt"))).toBeUndefined();
    remote.reads = 0;
    const cachedB = new CachedBackend(remote as Backend, tabB, { expiryHours: 1 });
    expect(text(await (await cachedB.read("k.txt")).bytes())).toBe("new");
    expect(remote.reads).toBe(1);
    await deleteDatabase(database);
  });
});

describe("the browser build's AutoStore with cacheEnabled over HTTP", () => {
  const base = inject("cacheHttpUrl");
  let names = 0;
  const cleanups: string[] = [];
  afterEach(async () => {
    for (const database of cleanups.splice(0)) await deleteDatabase(database);
  });

  async function setup(fields: { cacheExpiryHours?: number; cacheMaxBytes?: number } = {}) {
    const cacheDir = newDatabase();
    cleanups.push(cacheDir);
    const prefix = `t${Date.now()}-${names++}`;
    const open = () => new AutoStore(`${base}/data/${prefix}/`, { cacheEnabled: true, cacheDir, ...fields });
    const put = async (name: string, body: string) => {
      const response = await fetch(`${base}/control/data/${prefix}/${name}`, { method: "PUT", body });
      expect(response.status).toBe(204);
    };
    const counts = async (name: string) =>
      (await (await fetch(`${base}/control/counts/${prefix}/${name}`)).json()) as {
        get: number;
        head: number;
        conditional: number;
        notModified: number;
      };
    /** The entry's record, found by URI in the store's database. */
    const recordFor = async (name: string): Promise<CacheRecord> => {
      for await (const record of new IdbCacheStorage(cacheDir).records()) {
        if (record.uri.endsWith(`/${prefix}/${name}`)) return record;
      }
      throw new Error(`no cache entry for ${name}`);
    };
    /** Moves an entry's last validation two hours back: it is then expired. */
    const age = async (name: string) => {
      const record = await recordFor(name);
      await new IdbCacheStorage(cacheDir).updateRecord({
        ...record,
        validatedAt: record.validatedAt - 2 * HOUR,
      });
    };
    return { cacheDir, open, put, counts, recordFor, age };
  }

  it("serves a fresh entry with no request, also from a new store on the database (a page reload)", async () => {
    const { open, put, counts } = await setup();
    await put("value.json", '{"v":1}');
    const store = open();
    expect(await store.get("value.json")).toEqual({ v: 1 });
    expect(await counts("value.json")).toMatchObject({ get: 1, head: 0 });
    expect(await store.get("value.json")).toEqual({ v: 1 });
    // Nothing of the first store survives in memory: the entry comes from IndexedDB alone.
    expect(await open().get("value.json")).toEqual({ v: 1 });
    expect(await counts("value.json")).toMatchObject({ get: 1, head: 0 });
  });

  it("revalidates an expired entry with its ETag: a 304 renews it, a changed object replaces it", async () => {
    const { open, put, counts, age } = await setup({ cacheExpiryHours: 1 });
    await put("value.json", '{"v":1}');
    const store = open();
    expect(await store.get("value.json")).toEqual({ v: 1 });
    await age("value.json");
    expect(await store.get("value.json")).toEqual({ v: 1 });
    expect(await counts("value.json")).toMatchObject({ get: 2, conditional: 1, notModified: 1 });
    expect(await open().get("value.json")).toEqual({ v: 1 }); // renewed: fresh again
    expect(await counts("value.json")).toMatchObject({ get: 2 });
    await put("value.json", '{"v":2}');
    expect(await open().get("value.json")).toEqual({ v: 1 }); // still fresh: served, as promised
    await age("value.json");
    expect(await open().get("value.json")).toEqual({ v: 2 });
    expect(await counts("value.json")).toMatchObject({ get: 3, conditional: 2, notModified: 1 });
    expect(await open().get("value.json")).toEqual({ v: 2 });
    expect(await counts("value.json")).toMatchObject({ get: 3 });
  });

  it("cacheExpiryHours: 0 never revalidates", async () => {
    const { open, put, counts, age } = await setup({ cacheExpiryHours: 0 });
    await put("value.json", '{"v":1}');
    await open().get("value.json");
    await age("value.json");
    expect(await open().get("value.json")).toEqual({ v: 1 });
    expect(await counts("value.json")).toMatchObject({ get: 1, conditional: 0 });
  });

  it("keeps the cache under cacheMaxBytes, evicting the least recently used entry", async () => {
    const { open, put, counts, cacheDir } = await setup({ cacheMaxBytes: 2500 });
    const body = (c: string) => JSON.stringify({ v: c.repeat(990) }); // 1,000 bytes each
    for (const name of ["a", "b", "c"]) await put(`${name}.json`, body(name));
    const store = open();
    const pause = () => new Promise((resolve) => setTimeout(resolve, 5)); // distinct use times
    await store.get("a.json");
    await pause();
    await store.get("b.json");
    await pause();
    await store.get("a.json"); // a hit: now b is the least recently used
    await pause();
    await store.get("c.json");
    const kept: string[] = [];
    let total = 0;
    for await (const record of new IdbCacheStorage(cacheDir).records()) {
      kept.push(record.uri.slice(-6));
      total += record.size;
    }
    expect(kept.sort()).toEqual(["a.json", "c.json"]);
    expect(total).toBeLessThanOrEqual(2500);
    await store.get("a.json");
    await store.get("c.json");
    await store.get("b.json");
    expect(
      [await counts("a.json"), await counts("b.json"), await counts("c.json")].map((c) => c.get),
    ).toEqual([1, 2, 1]);
  });

  it("a corrupt or truncated entry is fetched again and replaced", async () => {
    const { open, put, counts, cacheDir, recordFor } = await setup();
    await put("value.json", '{"v":"intact"}');
    const store = open();
    for (const how of ["flip", "truncate"] as const) {
      await store.get("value.json");
      await damage(cacheDir, (await recordFor("value.json")).id, how);
      expect(await store.get("value.json")).toEqual({ v: "intact" });
    }
    expect((await counts("value.json")).get).toBe(3);
    expect(await open().get("value.json")).toEqual({ v: "intact" }); // stored whole again
    expect((await counts("value.json")).get).toBe(3);
  });

  it("ignoreCache asks the server (a plain GET) and keeps the answer for later reads", async () => {
    const { open, put, counts } = await setup();
    await put("value.json", '{"v":1}');
    const store = open();
    await store.get("value.json");
    await put("value.json", '{"v":2}');
    expect(await store.get("value.json", { ignoreCache: true })).toEqual({ v: 2 });
    expect(await counts("value.json")).toMatchObject({ get: 2, conditional: 0 });
    expect(await store.get("value.json")).toEqual({ v: 2 });
    expect((await counts("value.json")).get).toBe(2);
  });
});
