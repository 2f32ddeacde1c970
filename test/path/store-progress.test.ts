/**
 * Progress of the store's own transfers where the backend knows it: a value written to disk reports
 * at least every 1 MiB; a memory read reports its end.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AutoStore, type Progress } from "../../src/node/index.js";
import { tempDir } from "../helpers/tmp.js";

const MiB = 1024 * 1024;
let tmp: { path: string; remove: () => Promise<void> };
beforeAll(async () => {
  tmp = await tempDir();
});
afterAll(() => tmp?.remove());

describe("store transfer progress", () => {
  it("a disk write and read of a large value report every 1 MiB and once at the end", async () => {
    const store = new AutoStore(tmp.path);
    const size = 5 * MiB + 123;
    const events: Progress[] = [];
    await store.set("big.bin", new Uint8Array(size), { onProgress: (e) => events.push({ ...e }) });
    expect(events.length).toBe(6);
    for (const [i, e] of events.entries())
      expect(e.loaded - (events[i - 1]?.loaded ?? 0)).toBeLessThanOrEqual(MiB);
    expect(events.at(-1)).toEqual({ loaded: size, total: size });
    const read: Progress[] = [];
    expect((await store.get<Uint8Array>("big.bin", { onProgress: (e) => read.push({ ...e }) })).length).toBe(
      size,
    );
    expect(read.length).toBe(6);
    for (const [i, e] of read.entries())
      expect(e.loaded - (read[i - 1]?.loaded ?? 0)).toBeLessThanOrEqual(MiB);
    expect(read.at(-1)).toEqual({ loaded: size, total: size });
    await store.close();
  });

  it("a memory read reports its end with loaded === total", async () => {
    const store = new AutoStore("memory://store-progress");
    await store.set("x.bin", new Uint8Array(2 * MiB));
    const events: Progress[] = [];
    await store.get("x.bin", { onProgress: (e) => events.push({ ...e }) });
    expect(events.at(-1)).toEqual({ loaded: 2 * MiB, total: 2 * MiB });
    await store.close();
  });

  it("copy and move report progress: streamed across backends, and their end when nothing streams", async () => {
    const store = new AutoStore(tmp.path);
    const size = 3 * MiB + 7;
    await store.set("src.bin", new Uint8Array(size));
    const across: Progress[] = [];
    const space = `memory://copy-progress-${Date.now()}`;
    await store.copy("src.bin", `${space}/dst.bin`, { onProgress: (e) => across.push({ ...e }) });
    expect(across.length).toBeGreaterThanOrEqual(3);
    for (const [i, e] of across.entries())
      expect(e.loaded - (across[i - 1]?.loaded ?? 0)).toBeLessThanOrEqual(MiB);
    expect(across.at(-1)).toEqual({ loaded: size, total: size });
    const within: Progress[] = [];
    await store.copy("src.bin", "copy.bin", { onProgress: (e) => within.push({ ...e }) });
    await store.move("copy.bin", "moved.bin", { onProgress: (e) => within.push({ ...e }) });
    expect(within).toEqual([
      { loaded: size, total: size },
      { loaded: size, total: size },
    ]);
    await store.close();
  });
});
