/**
 * The cache policy over a real backend (memory, behind a call counter) and the real fs cache
 * storage: what each read costs, revalidation, corruption, concurrency, expiry and eviction.
 */
import { mkdir, readdir, readFile, truncate, writeFile } from "node:fs/promises";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CachedBackend, FsCacheStorage, HttpBackend, MemoryBackend } from "../../src/node/index.js";
import { CountingBackend } from "../helpers/counting-backend.js";
import { gate } from "../helpers/gate.js";
import { tempDir } from "../helpers/tmp.js";

const HOUR = 3_600_000;
const text = (data: Uint8Array) => new TextDecoder().decode(data);
const bytes = (value: string) => new TextEncoder().encode(value);

let dir: { path: string; remove: () => Promise<void> };
let remote: CountingBackend;
let clock: number;
const now = () => clock;

function cached(options: { expiryHours?: number; maxBytes?: number; cacheDir?: string } = {}): CachedBackend {
  const policy: { expiryHours: number; maxBytes?: number } = { expiryHours: options.expiryHours ?? 1 };
  if (options.maxBytes !== undefined) policy.maxBytes = options.maxBytes;
  return new CachedBackend(remote, new FsCacheStorage(options.cacheDir ?? join(dir.path, "cache")), policy, {
    now,
  });
}

async function readText(backend: CachedBackend, key: string): Promise<string> {
  return text(await (await backend.read(key)).bytes());
}

async function cacheFiles(suffix: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(join(dir.path, "cache"), { recursive: true })) {
    if (String(entry).endsWith(suffix)) found.push(join(dir.path, "cache", String(entry)));
  }
  return found;
}

beforeEach(async () => {
  dir = await tempDir();
  remote = new CountingBackend(new MemoryBackend());
  clock = Date.parse("2026-01-01T00:00:00Z");
  await remote.inner.write("data/value.json", bytes('{"v":1}'));
  remote.reset();
});
afterEach(async () => {
  await dir.remove();
});

describe("cache", () => {
  it("serves a fresh entry with no request", async () => {
    const backend = cached();
    expect(await readText(backend, "data/value.json")).toBe('{"v":1}');
    expect(remote.counts.read).toBe(1);
    remote.reset();
    expect(await readText(backend, "data/value.json")).toBe('{"v":1}');
    expect((await backend.head("data/value.json")).size).toBe(7);
    expect(remote.counts).toMatchObject({ read: 0, head: 0 });
  });

  it("revalidates an expired entry with exactly one conditional request; a 304 renews it", async () => {
    const backend = cached({ expiryHours: 1 });
    await readText(backend, "data/value.json");
    remote.reset();
    clock += 2 * HOUR;
    expect(await readText(backend, "data/value.json")).toBe('{"v":1}');
    expect(remote.counts).toMatchObject({ read: 1, conditionalRead: 1, notModified: 1, bytesRead: 0 });
    remote.reset();
    clock += HOUR / 2;
    await readText(backend, "data/value.json");
    expect(remote.counts.read).toBe(0);
  });

  it("replaces an expired entry whose object changed, written by another store instance", async () => {
    const first = cached({ expiryHours: 1 });
    await readText(first, "data/value.json");
    const otherProcess = new CachedBackend(remote, new FsCacheStorage(join(dir.path, "other-cache")), {
      expiryHours: 1,
    });
    await otherProcess.write("data/value.json", bytes('{"v":2}'));
    expect(await readText(first, "data/value.json")).toBe('{"v":1}'); // still fresh: served from cache
    clock += 2 * HOUR;
    remote.reset();
    expect(await readText(first, "data/value.json")).toBe('{"v":2}');
    expect(remote.counts).toMatchObject({ read: 1, conditionalRead: 1, notModified: 0 });
  });

  it("fetches again when a cache file is truncated or overwritten with garbage", async () => {
    const backend = cached();
    await readText(backend, "data/value.json");
    const [entry] = await cacheFiles(".entry");
    if (!entry) throw new Error("no cache file");
    const whole = await readFile(entry);
    await truncate(entry, whole.length - 3);
    remote.reset();
    expect(await readText(backend, "data/value.json")).toBe('{"v":1}');
    expect(remote.counts.read).toBe(1);
    // Garbage over the bytes, same size: only the checksum can tell.
    const again = await readFile(entry);
    again.set(new TextEncoder().encode("garbage"), again.length - 7);
    await writeFile(entry, again);
    remote.reset();
    expect(await readText(backend, "data/value.json")).toBe('{"v":1}');
    expect(remote.counts.read).toBe(1);
    // A broken header (the record) is a missing entry too.
    const third = await readFile(entry);
    third.set(new TextEncoder().encode("{ not json"), 8);
    await writeFile(entry, third);
    remote.reset();
    expect(await readText(backend, "data/value.json")).toBe('{"v":1}');
    expect(remote.counts.read).toBe(1);
    expect((await readFile(entry)).includes(Buffer.from(remote.uri("data/value.json")))).toBe(true);
  });

  it("checks the bytes of a cache file written by another process", async () => {
    const writer = cached();
    await readText(writer, "data/value.json");
    const [entry] = await cacheFiles(".entry");
    if (!entry) throw new Error("no cache file");
    const bytes = await readFile(entry);
    bytes.set(new TextEncoder().encode("GARBAGE"), bytes.length - 7);
    await writeFile(entry, bytes);
    // A fresh storage (another process) has never checked this file: it must hash it.
    const reader = cached();
    remote.reset();
    expect(await readText(reader, "data/value.json")).toBe('{"v":1}');
    expect(remote.counts.read).toBe(1);
  });

  it("shares one download among 20 concurrent reads of a cold key", async () => {
    const backend = cached();
    const results = await Promise.all(Array.from({ length: 20 }, () => readText(backend, "data/value.json")));
    expect(new Set(results)).toEqual(new Set(['{"v":1}']));
    expect(remote.counts.read).toBe(1);
  });

  it("never revalidates with cacheExpiryHours 0, and cleanupCache counts what it removed", async () => {
    const forever = cached({ expiryHours: 0 });
    await readText(forever, "data/value.json");
    clock += 10_000 * HOUR;
    remote.reset();
    await readText(forever, "data/value.json");
    expect(remote.counts.read).toBe(0);
    expect(await forever.cleanup()).toBe(0);

    await remote.inner.write("data/other.json", bytes("{}"));
    const expiring = cached({ expiryHours: 1 });
    await readText(expiring, "data/other.json");
    clock += 2 * HOUR;
    expect(await expiring.cleanup()).toBe(2);
    expect(await cacheFiles(".entry")).toEqual([]);
  });

  it("drops the entry on writes, deletes and copies through it", async () => {
    const backend = cached();
    await readText(backend, "data/value.json");
    await backend.write("data/value.json", bytes('{"v":3}'));
    remote.reset();
    expect(await readText(backend, "data/value.json")).toBe('{"v":3}');
    expect(remote.counts.read).toBe(1);
    await remote.inner.write("data/src.json", bytes('{"src":1}'));
    await backend.copy("data/src.json", "data/value.json");
    expect(await readText(backend, "data/value.json")).toBe('{"src":1}');
    await backend.delete("data/value.json");
    await expect(backend.read("data/value.json")).rejects.toMatchObject({ code: "KEY_NOT_FOUND" });
  });

  it("asks the remote under ignoreCache, with one plain read, and keeps the answer", async () => {
    const backend = cached();
    await readText(backend, "data/value.json");
    remote.reset();
    await (await backend.read("data/value.json", { ignoreCache: true })).bytes();
    expect(remote.counts).toMatchObject({ read: 1, conditionalRead: 0 });
    // Kept: the next read makes no request.
    remote.reset();
    expect(await readText(backend, "data/value.json")).toBe('{"v":1}');
    expect(remote.counts.read).toBe(0);
  });

  it("never serves, after two ignoreCache reads, a value older than either returned", async () => {
    // The first read asks the remote only when the gate opens, after the second has been answered
    // and the object has changed: the earlier-begun read has the newer answer.
    const { opened: gateOpened, open } = gate();
    const read = remote.read.bind(remote);
    let held = false;
    remote.read = async (key, options) => {
      if (held) {
        held = false;
        await gateOpened;
      }
      return read(key, options);
    };
    const backend = cached();
    expect(await readText(backend, "data/value.json")).toBe('{"v":1}');
    held = true;
    const first = backend
      .read("data/value.json", { ignoreCache: true })
      .then(async (r) => text(await r.bytes()));
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(text(await (await backend.read("data/value.json", { ignoreCache: true })).bytes())).toBe(
      '{"v":1}',
    );
    await remote.inner.write("data/value.json", bytes('{"v":2}'));
    open();
    expect(await first).toBe('{"v":2}');
    expect(await readText(backend, "data/value.json")).toBe('{"v":2}');
  });

  it("keeps what an ignoreCache read returned, over a download that began before it", async () => {
    // The first read's bytes arrive only when the gate opens: a slow download of the old value.
    const { opened: gateOpened, open } = gate();
    const read = remote.read.bind(remote);
    let held = true;
    remote.read = async (key, options) => {
      const result = await read(key, options);
      if (!held) return result;
      held = false;
      const bytesOf = result.bytes;
      const slowBytes = async () => {
        await gateOpened;
        return bytesOf();
      };
      return { ...result, bytes: slowBytes };
    };
    const backend = cached();
    const slow = readText(backend, "data/value.json");
    await new Promise((resolve) => setTimeout(resolve, 20));
    await remote.inner.write("data/value.json", bytes('{"v":2}'));
    expect(text(await (await backend.read("data/value.json", { ignoreCache: true })).bytes())).toBe(
      '{"v":2}',
    );
    open();
    expect(await slow).toBe('{"v":1}'); // it began before the change: its reader may see the old value
    expect(await readText(backend, "data/value.json")).toBe('{"v":2}');
    expect(await readText(cached(), "data/value.json")).toBe('{"v":2}'); // another store, same folder
  });

  it("serves ranges from a cached object, and sends ranges of uncached ones to the remote alone", async () => {
    const backend = cached();
    const cold = await backend.read("data/value.json", { range: { offset: 1, length: 3 } });
    expect(text(await cold.bytes())).toBe('"v"');
    expect(remote.counts).toMatchObject({ read: 1, bytesRead: 3 });
    await readText(backend, "data/value.json");
    remote.reset();
    const part = await backend.read("data/value.json", { range: { offset: 1, length: 3 } });
    expect(text(await part.bytes())).toBe('"v"');
    expect(remote.counts.read).toBe(0);
  });

  it("evicts the least recently used entries beyond cacheMaxBytes", async () => {
    for (const name of ["a", "b", "c"]) await remote.inner.write(`lru/${name}.bin`, new Uint8Array(400));
    const backend = cached({ maxBytes: 1000 });
    await (await backend.read("lru/a.bin")).bytes();
    clock += 1;
    await (await backend.read("lru/b.bin")).bytes();
    clock += 1;
    await (await backend.read("lru/a.bin")).bytes(); // a is now more recent than b
    clock += 1;
    await (await backend.read("lru/c.bin")).bytes();
    remote.reset();
    await (await backend.read("lru/a.bin")).bytes();
    await (await backend.read("lru/c.bin")).bytes();
    expect(remote.counts.read).toBe(0);
    await (await backend.read("lru/b.bin")).bytes();
    expect(remote.counts.read).toBe(1);
  });

  it("keeps apart entries of one URL read with different request headers, and stores no header", async () => {
    // A real server whose answer depends on who asks, as one behind authentication does.
    let requests = 0;
    const server = http.createServer((req, res) => {
      requests++;
      const who = /^Bearer (\w+)-token$/.exec(req.headers.authorization ?? "")?.[1] ?? "nobody";
      const body = `document of ${who}`;
      res.writeHead(200, { "content-type": "text/plain", "content-length": Buffer.byteLength(body) });
      res.end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
      const storage = new FsCacheStorage(join(dir.path, "cache"));
      const as = (who: string) =>
        new CachedBackend(
          new HttpBackend(base, { headers: { Authorization: `Bearer ${who}-token` } }),
          storage,
          {
            expiryHours: 1,
          },
        );
      const alice = as("alice");
      const bob = as("bob");
      for (let round = 0; round < 2; round++) {
        expect(await readText(alice, "doc.txt")).toBe("document of alice");
        expect(await readText(bob, "doc.txt")).toBe("document of bob");
      }
      expect(requests).toBe(2); // the second round came from the cache
      for (const file of await cacheFiles(".entry")) {
        expect((await readFile(file)).includes("-token")).toBe(false);
      }
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it("cleanupCache removes entry files it cannot read (an earlier layout), keeping good ones", async () => {
    const backend = cached();
    await readText(backend, "data/value.json");
    const old = join(dir.path, "cache", "ab", `ab${"0".repeat(62)}.entry`);
    await mkdir(join(dir.path, "cache", "ab"), { recursive: true });
    await writeFile(old, Buffer.concat([Buffer.from("ASC1"), Buffer.alloc(600, 0x20)]));
    expect(await backend.cleanup()).toBe(0);
    expect(await cacheFiles(".entry")).toHaveLength(1);
    expect((await cacheFiles(".entry")).includes(old)).toBe(false);
    remote.reset();
    expect(await readText(backend, "data/value.json")).toBe('{"v":1}');
    expect(remote.counts.read).toBe(0);
  });
});
