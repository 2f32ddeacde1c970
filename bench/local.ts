/**
 * Local disk scenarios: the store over a temp folder against `node:fs` doing the same job on the
 * same kind of files, in the same run (this machine's small-write speed varies several-fold with
 * writeback, so only same-run ratios mean anything).
 */
import { deepStrictEqual } from "node:assert/strict";
import { execFile } from "node:child_process";
import { randomFillSync } from "node:crypto";
import type { Dirent } from "node:fs";
import * as fs from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import { AutoStore } from "../src/node/index.js";
import {
  forEachLimit,
  type Metrics,
  mbPerSecond,
  opsPerSecond,
  scenario,
  smallValue,
  type Timing,
} from "./harness.js";

const BIG = 64 * 1024 * 1024;
const SMALL_COUNT = 2_000;
const CONCURRENCY = 16;
// 10 × 10 folders of 100 files: 10,000 keys two folders deep.
const TREE = { top: 10, mid: 10, files: 100 };

const indices = Array.from({ length: SMALL_COUNT }, (_, i) => i);
const values = indices.map(smallValue);

/**
 * Writes every dirty page to disk (`sync`). Write scenarios settle with it, so each call starts from
 * a quiet disk: on ext4 the writeback a burst of 2,000 small writes leaves behind was seen to slow
 * the next burst of file creations up to 4x (335 ms alone, 1.2-1.6 s right after the other side).
 */
function flushDirtyPages(): Promise<void> {
  // No `sync` command (Windows): run unsettled rather than fail.
  return new Promise((resolve) => execFile("sync", () => resolve()));
}

let tempCounter = 0;

/** What a careful program does without the store to replace a file atomically: a temp file, then a rename. */
async function atomicWriteFile(file: string, data: string | Uint8Array): Promise<void> {
  const temp = path.join(path.dirname(file), `.tmp-${process.pid}-${tempCounter++}`);
  await fs.writeFile(temp, data, { flag: "wx" });
  await fs.rename(temp, file);
}

/** A temp folder with `raw/` for the baseline's files and `store/` for the store's root. */
class Fixture {
  root = "";
  raw = "";
  store: AutoStore | undefined;

  async open(): Promise<AutoStore> {
    this.root = await fs.mkdtemp(path.join(os.tmpdir(), "autostore-bench-"));
    this.raw = path.join(this.root, "raw");
    await fs.mkdir(this.raw);
    this.store = new AutoStore(path.join(this.root, "store"));
    return this.store;
  }

  async close(): Promise<void> {
    await this.store?.close();
    if (this.root !== "") await fs.rm(this.root, { recursive: true, force: true });
  }
}

// ---- one 64 MiB value ----

{
  const fx = new Fixture();
  let store: AutoStore;
  let data: Uint8Array;
  scenario({
    name: "disk set 64 MiB .bin",
    target: 1.1,
    note: "store.set('blob.bin', bytes) vs fs.writeFile; the store writes a temp file and renames it (atomic), fs.writeFile overwrites in place",
    setup: async () => {
      store = await fx.open();
      data = randomFillSync(new Uint8Array(BIG));
    },
    settle: flushDirtyPages,
    baseline: async () => {
      await fs.writeFile(path.join(fx.raw, "blob.bin"), data);
    },
    subject: async () => {
      await store.set("blob.bin", data);
    },
    teardown: () => fx.close(),
    metrics: (t) => ({ "MB/s": mbPerSecond(BIG, t.subjectMs), "fs MB/s": mbPerSecond(BIG, t.baselineMs) }),
  });
}

{
  const fx = new Fixture();
  let store: AutoStore;
  let data: Uint8Array;
  scenario({
    name: "disk set 64 MiB .bin vs atomic fs write",
    note: "informational: the same store.set against fs.writeFile to a temp file + fs.rename, the least any crash-safe writer does; the ratio left is the store's own cost",
    setup: async () => {
      store = await fx.open();
      data = randomFillSync(new Uint8Array(BIG));
    },
    settle: flushDirtyPages,
    baseline: async () => {
      await atomicWriteFile(path.join(fx.raw, "blob.bin"), data);
    },
    subject: async () => {
      await store.set("blob.bin", data);
    },
    teardown: () => fx.close(),
    metrics: (t) => ({ "MB/s": mbPerSecond(BIG, t.subjectMs), "fs MB/s": mbPerSecond(BIG, t.baselineMs) }),
  });
}

{
  const fx = new Fixture();
  let store: AutoStore;
  scenario({
    name: "disk get 64 MiB .bin",
    target: 1.1,
    note: "store.get('blob.bin') vs fs.readFile, same bytes, page cache warm",
    setup: async () => {
      store = await fx.open();
      const data = randomFillSync(new Uint8Array(BIG));
      await store.set("blob.bin", data);
      await fs.writeFile(path.join(fx.raw, "blob.bin"), data);
      deepStrictEqual(await store.get<Uint8Array>("blob.bin"), data);
      await flushDirtyPages();
    },
    baseline: async () => {
      await fs.readFile(path.join(fx.raw, "blob.bin"));
    },
    subject: async () => {
      await store.get("blob.bin");
    },
    teardown: () => fx.close(),
    metrics: (t) => ({ "MB/s": mbPerSecond(BIG, t.subjectMs), "fs MB/s": mbPerSecond(BIG, t.baselineMs) }),
  });
}

// ---- 2,000 small JSON values at concurrency 16 ----

{
  const fx = new Fixture();
  let store: AutoStore;
  scenario({
    name: "disk set 2,000 small JSON (item-N.json)",
    target: 1.25,
    note: `store.set('item-N.json', value) vs fs.writeFile(JSON.stringify(value)), ${CONCURRENCY} in flight; the store writes atomically (temp file + rename) and checks the folder stays inside its root`,
    setup: async () => {
      store = await fx.open();
    },
    settle: flushDirtyPages,
    baseline: async () => {
      await forEachLimit(indices, CONCURRENCY, (i) =>
        fs.writeFile(path.join(fx.raw, `item-${i}.json`), JSON.stringify(values[i])),
      );
    },
    subject: () => setAll(store),
    teardown: () => fx.close(),
    metrics: smallMetrics,
  });
}

{
  const fx = new Fixture();
  let store: AutoStore;
  scenario({
    name: "disk set 2,000 small JSON vs atomic fs write",
    note: "informational: the same store.set against fs.writeFile to a temp file + fs.rename per value; the ratio left is the store's own cost",
    setup: async () => {
      store = await fx.open();
    },
    settle: flushDirtyPages,
    baseline: async () => {
      await forEachLimit(indices, CONCURRENCY, (i) =>
        atomicWriteFile(path.join(fx.raw, `item-${i}.json`), JSON.stringify(values[i])),
      );
    },
    subject: () => setAll(store),
    teardown: () => fx.close(),
    metrics: smallMetrics,
  });
}

/** Throughput of both sides of a small-values scenario. */
function smallMetrics(t: Timing): Metrics {
  return {
    "ops/s": opsPerSecond(SMALL_COUNT, t.subjectMs),
    "fs ops/s": opsPerSecond(SMALL_COUNT, t.baselineMs),
  };
}

/** Sets every small value under its key with the extension, 16 at a time. */
async function setAll(store: AutoStore): Promise<void> {
  await forEachLimit(indices, CONCURRENCY, (i) => store.set(`item-${i}.json`, values[i]));
}

/** Writes the 2,000 small values both ways and checks that both sides read back the same values. */
async function smallReadFixture(fx: Fixture, key: (i: number) => string): Promise<AutoStore> {
  const store = await fx.open();
  await forEachLimit(indices, CONCURRENCY, async (i) => {
    await store.set(`item-${i}.json`, values[i]);
    await fs.writeFile(path.join(fx.raw, `item-${i}.json`), JSON.stringify(values[i]));
  });
  deepStrictEqual(await store.get(key(7)), values[7]);
  deepStrictEqual(JSON.parse(await fs.readFile(path.join(fx.raw, "item-7.json"), "utf8")), values[7]);
  await flushDirtyPages();
  return store;
}

{
  const fx = new Fixture();
  let store: AutoStore;
  scenario({
    name: "disk get 2,000 small JSON (item-N.json)",
    target: 1.25,
    note: `store.get('item-N.json') vs JSON.parse(fs.readFile), ${CONCURRENCY} in flight; the store resolves the real path to refuse symlinks out of its root`,
    setup: async () => {
      store = await smallReadFixture(fx, (i) => `item-${i}.json`);
    },
    baseline: async () => {
      await forEachLimit(indices, CONCURRENCY, async (i) =>
        JSON.parse(await fs.readFile(path.join(fx.raw, `item-${i}.json`), "utf8")),
      );
    },
    subject: async () => {
      await forEachLimit(indices, CONCURRENCY, (i) => store.get(`item-${i}.json`));
    },
    teardown: () => fx.close(),
    metrics: smallMetrics,
  });
}

{
  const fx = new Fixture();
  let store: AutoStore;
  scenario({
    name: "disk get 2,000 small JSON (bare item-N)",
    note: `informational: store.get('item-N') (no extension) must list the folder to find item-N.json or item-N.yaml…, one directory read per get (here of ${SMALL_COUNT.toLocaleString("en")} entries); name the extension where speed matters`,
    setup: async () => {
      store = await smallReadFixture(fx, (i) => `item-${i}`);
    },
    baseline: async () => {
      await forEachLimit(indices, CONCURRENCY, async (i) =>
        JSON.parse(await fs.readFile(path.join(fx.raw, `item-${i}.json`), "utf8")),
      );
    },
    subject: async () => {
      await forEachLimit(indices, CONCURRENCY, (i) => store.get(`item-${i}`));
    },
    teardown: () => fx.close(),
    metrics: smallMetrics,
  });
}

// ---- keys() over 10,000 keys in nested folders ----

/** Every file under `root` as a `/`-separated key without `.json`, sorted: what `store.keys()` returns. */
async function walkKeys(root: string): Promise<string[]> {
  const keys: string[] = [];
  // Sibling folders are read concurrently: of the walks tried (sequential, `readdir` with
  // `recursive`), this is the fastest way to list a tree with node:fs.
  const walk = async (folder: string, prefix: string): Promise<void> => {
    const entries: Dirent[] = await fs.readdir(folder, { withFileTypes: true });
    const folders: Promise<void>[] = [];
    for (const entry of entries) {
      if (entry.isDirectory()) folders.push(walk(path.join(folder, entry.name), `${prefix}${entry.name}/`));
      else if (entry.isFile()) keys.push(prefix + entry.name.slice(0, -".json".length));
    }
    await Promise.all(folders);
  };
  await walk(root, "");
  return keys.sort();
}

{
  const fx = new Fixture();
  let store: AutoStore;
  let storeRoot = "";
  const count = TREE.top * TREE.mid * TREE.files;
  scenario({
    name: "disk keys() over 10,000 nested keys",
    target: 1.25,
    note: `keys() over ${TREE.top}×${TREE.mid} folders of ${TREE.files} files vs a walk with fs.readdir(withFileTypes) reading sibling folders concurrently, then sorting; both return the same sorted key list`,
    setup: async () => {
      store = await fx.open();
      storeRoot = path.join(fx.root, "store");
      const files: string[] = [];
      for (let a = 0; a < TREE.top; a++) {
        for (let b = 0; b < TREE.mid; b++) {
          await fs.mkdir(path.join(storeRoot, `part-${a}`, `shard-${b}`), { recursive: true });
          for (let c = 0; c < TREE.files; c++) files.push(`part-${a}/shard-${b}/item-${c}.json`);
        }
      }
      await forEachLimit(files, 64, (file) => fs.writeFile(path.join(storeRoot, file), "{}"));
      const keys: string[] = [];
      for await (const key of store.keys()) keys.push(key);
      deepStrictEqual(keys, await walkKeys(storeRoot));
      await flushDirtyPages();
    },
    baseline: async () => {
      await walkKeys(storeRoot);
    },
    subject: async () => {
      const keys: string[] = [];
      for await (const key of store.keys()) keys.push(key);
    },
    teardown: () => fx.close(),
    metrics: (t) => ({
      "keys/s": opsPerSecond(count, t.subjectMs),
      "fs keys/s": opsPerSecond(count, t.baselineMs),
    }),
  });
}
