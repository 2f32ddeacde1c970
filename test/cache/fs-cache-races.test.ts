/**
 * The fs cache storage under races on one entry, and a cache that fails: storage faults are never
 * the caller's error. Real disk, a real (memory) remote behind the cache.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { sha256Hex } from "../../src/core/cache/storage.js";
import { CachedBackend, type CacheRecord, FsCacheStorage, MemoryBackend } from "../../src/node/index.js";
import { tempDir } from "../helpers/tmp.js";

const text = (data: Uint8Array) => new TextDecoder().decode(data);
const bytes = (value: string) => new TextEncoder().encode(value);

let dir: { path: string; remove: () => Promise<void> };
beforeEach(async () => {
  dir = await tempDir();
});
afterEach(async () => {
  await dir.remove();
});

async function recordOf(id: string, data: Uint8Array): Promise<CacheRecord> {
  return {
    id,
    uri: id,
    size: data.length,
    modifiedTime: 0,
    storedAt: 0,
    validatedAt: 0,
    sha256: await sha256Hex(data),
  };
}

/** A logger that keeps what was warned. */
function recordingLogger() {
  const warnings: string[] = [];
  return { warnings, logger: { debug() {}, info() {}, warn: (message: string) => warnings.push(message) } };
}

describe("fs cache storage: one entry raced", () => {
  it("500 writes, deletes and invalidations with reads among them: no error, only written values", async () => {
    const id = "s3://bucket/k.txt";
    // Two storages on one folder: two processes' views of it.
    const storages = [
      new FsCacheStorage(join(dir.path, "cache")),
      new FsCacheStorage(join(dir.path, "cache")),
    ];
    const at = (i: number) => storages[i % 2] as FsCacheStorage;
    const values = Array.from(
      { length: 500 },
      (_, i) => `value ${i} ${"x".repeat(i % 7 === 0 ? 70_000 : 10)}`,
    );
    const written = new Set(values);
    const errors: unknown[] = [];
    const seen: string[] = [];
    // Loops side by side, each a steady stream of one kind: a delete lands between a write's
    // steps far more often than when all calls start at once.
    const loop = (body: (i: number) => Promise<void>) =>
      (async () => {
        for (let i = 0; i < 500; i++) await body(i).catch((err: unknown) => errors.push(err));
      })();
    await Promise.all([
      loop(async (i) => {
        const data = bytes(values[i] as string);
        await at(i).write(await recordOf(id, data), data, await at(i).generation(id));
      }),
      loop((i) => at(i + 1).delete(id)),
      loop(async (i) => {
        if (i % 5 === 0) await at(i).invalidate(id);
      }),
      loop(async (i) => {
        const entry = await at(i).read(id);
        if (entry) seen.push(text(entry.data));
        await at(i + 1).readRecord(id);
      }),
    ]);
    expect(errors.map(String)).toEqual([]);
    expect(seen.filter((value) => !written.has(value))).toEqual([]);
    // Whatever is left is whole.
    const last = await storages[0]?.read(id);
    if (last) expect(written.has(text(last.data))).toBe(true);
  });

  it("a write whose generation an invalidation changed is not stored, in this or another storage", async () => {
    const id = "s3://bucket/k.txt";
    const a = new FsCacheStorage(join(dir.path, "cache"));
    const b = new FsCacheStorage(join(dir.path, "cache"));
    const data = bytes("old");
    const since = await a.generation(id);
    await b.invalidate(id);
    expect(await a.write(await recordOf(id, data), data, since)).toBe(false);
    expect(await a.read(id)).toBeUndefined();
    expect(await b.read(id)).toBeUndefined();
    expect(await a.write(await recordOf(id, data), data, await a.generation(id))).toBe(true);
    expect(text((await b.read(id))?.data ?? new Uint8Array())).toBe("old");
  });

  it("gets through the cache while another storage rewrites and deletes the entry: no error", async () => {
    const remote = new MemoryBackend();
    await remote.write("k.txt", bytes("remote value"));
    const { warnings, logger } = recordingLogger();
    const storage = new FsCacheStorage(join(dir.path, "cache"));
    const cached = new CachedBackend(remote, storage, { expiryHours: 1 }, { logger });
    const other = new FsCacheStorage(join(dir.path, "cache"));
    const id = remote.uri("k.txt"); // a memory backend names no service: the id is the URI
    const written = new Set(["remote value"]);
    const errors: unknown[] = [];
    const seen: string[] = [];
    const loop = (body: (i: number) => Promise<void>) =>
      (async () => {
        for (let i = 0; i < 500; i++) await body(i).catch((err: unknown) => errors.push(err));
      })();
    await Promise.all([
      loop(async (i) => {
        const data = bytes(`cache value ${i}`);
        written.add(`cache value ${i}`);
        await other.write(await recordOf(id, data), data, await other.generation(id));
      }),
      loop(() => other.delete(id)),
      loop(() => storage.delete(id)),
      loop(async () => {
        seen.push(text(await (await cached.read("k.txt")).bytes()));
      }),
    ]);
    expect(errors.map(String)).toEqual([]);
    expect(seen.filter((value) => !written.has(value))).toEqual([]);
    expect(warnings).toEqual([]);
  });
});

describe("a failing cache falls back to the remote", () => {
  it("with the cache folder unusable (a file), reads, writes and deletes work and warn", async () => {
    const blocked = join(dir.path, "not-a-folder");
    await writeFile(blocked, "a file where the cache folder should be");
    const remote = new MemoryBackend();
    const { warnings, logger } = recordingLogger();
    const cached = new CachedBackend(remote, new FsCacheStorage(blocked), { expiryHours: 1 }, { logger });
    await cached.write("k.txt", bytes("one"));
    expect(text(await (await cached.read("k.txt")).bytes())).toBe("one");
    expect(text(await (await cached.read("k.txt", { range: { offset: 1, length: 2 } })).bytes())).toBe("ne");
    expect((await cached.head("k.txt")).size).toBe(3);
    await cached.write("k.txt", bytes("two"));
    expect(text(await (await cached.read("k.txt")).bytes())).toBe("two");
    await cached.delete("k.txt");
    await expect(cached.read("k.txt")).rejects.toMatchObject({ code: "KEY_NOT_FOUND" });
    expect(await cached.cleanup()).toBe(0);
    expect(warnings.length).toBeGreaterThan(0);
    expect(warnings.every((w) => w.startsWith("cache: "))).toBe(true);
    expect(warnings.some((w) => w.includes("ENOTDIR"))).toBe(true);
  });

  it("an entry that cannot be opened (a folder in its place) is fetched from the remote", async () => {
    const remote = new MemoryBackend();
    await remote.write("k.txt", bytes("remote"));
    const storage = new FsCacheStorage(join(dir.path, "cache"));
    const { warnings, logger } = recordingLogger();
    const cached = new CachedBackend(remote, storage, { expiryHours: 1 }, { logger });
    expect(text(await (await cached.read("k.txt")).bytes())).toBe("remote");
    // Put a folder where the entry file is: every open of it fails with EISDIR.
    const { readdir, rm, mkdir } = await import("node:fs/promises");
    const files = (await readdir(join(dir.path, "cache"), { recursive: true })).map(String);
    const entry = files.find((f) => f.endsWith(".entry"));
    if (!entry) throw new Error("no entry file");
    await rm(join(dir.path, "cache", entry));
    await mkdir(join(dir.path, "cache", entry));
    expect(text(await (await cached.read("k.txt")).bytes())).toBe("remote");
    expect(warnings.some((w) => w.includes("EISDIR"))).toBe(true);
  });
});
