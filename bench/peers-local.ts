/**
 * Local disk, autostore-js against the libraries a user would pick instead: unstorage (fs driver),
 * flydrive (fs driver) and opendal (native, fs service), each in a folder of its own under one temp
 * folder, doing the same job with the same bytes, names and concurrency as `node:fs` (the baseline).
 * Write jobs settle with `sync` first, so nobody pays for the writeback another left behind.
 */
import { execFile } from "node:child_process";
import { randomFillSync } from "node:crypto";
import * as fs from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import { Disk } from "flydrive";
import { FSDriver } from "flydrive/drivers/fs";
import { createStorage, type Storage } from "unstorage";
import fsDriver from "unstorage/drivers/fs";
import { AutoStore } from "../src/node/index.js";
import { forEachLimit, mbPerSecond, opsPerSecond, quick, scenario, smallValue } from "./harness.js";
import {
  installed,
  newOpendal,
  type OpendalOperator,
  PEERS,
  plainKey,
  sameBytes,
  sameKeys,
  sameValues,
} from "./peers-common.js";

const MiB = 1024 * 1024;
const BIG = (quick ? 16 : 64) * MiB;
const SMALL_COUNT = quick ? 320 : 2_000;
const CONCURRENCY = 16;
// 10 × 10 folders of 100 files: 10,000 keys two folders deep.
const TREE = { top: 10, mid: 10, files: 100 };

const indices = Array.from({ length: SMALL_COUNT }, (_, i) => i);
const values = indices.map(smallValue);
const n = (count: number) => count.toLocaleString("en");

function flushDirtyPages(): Promise<void> {
  return new Promise((resolve) => execFile("sync", () => resolve()));
}

/** One temp folder with a sub-folder per library; the libraries are made in `open`. */
class Libraries {
  root = "";
  store: AutoStore | undefined;
  unstorage: Storage | undefined;
  flydrive: Disk | undefined;
  opendal: OpendalOperator | undefined;

  /** `shared`: every library over the same folder (listings); otherwise one folder each. */
  async open(shared = false): Promise<void> {
    this.root = await fs.mkdtemp(path.join(os.tmpdir(), "autostore-bench-peers-"));
    const folder = async (name: string) => {
      const dir = path.join(this.root, shared ? "shared" : name);
      await fs.mkdir(dir, { recursive: true });
      return dir;
    };
    this.store = new AutoStore(await folder("autostore"));
    this.unstorage = createStorage({ driver: fsDriver({ base: await folder("unstorage") }) });
    this.flydrive = new Disk(new FSDriver({ location: await folder("flydrive"), visibility: "private" }));
    this.opendal = newOpendal("fs", { root: await folder("opendal") });
  }

  dir(name: string): string {
    return path.join(this.root, name);
  }

  async close(): Promise<void> {
    await this.store?.close();
    await this.unstorage?.dispose();
    if (this.root !== "") await fs.rm(this.root, { recursive: true, force: true });
  }
}

// ---- set + get of one large value ----
{
  const libs = new Libraries();
  let data = new Uint8Array(0);
  let buffer = Buffer.alloc(0);
  scenario({
    name: `local set+get ${BIG / MiB} MiB`,
    quick: true,
    baselineName: "fs",
    target: 1.03,
    note: "write blob.bin then read it back: fs.writeFile + fs.readFile vs store.set + store.get, unstorage setItemRaw + getItemRaw, flydrive put + getBytes, opendal write + read; random bytes, page cache warm",
    setup: async () => {
      await libs.open();
      await fs.mkdir(libs.dir("raw"));
      data = randomFillSync(new Uint8Array(BIG));
      buffer = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    },
    settle: flushDirtyPages,
    check: sameBytes(() => data),
    baseline: async () => {
      const file = path.join(libs.dir("raw"), "blob.bin");
      await fs.writeFile(file, data);
      return fs.readFile(file);
    },
    subject: async () => {
      const store = libs.store as AutoStore;
      await store.set("blob.bin", data);
      return store.get<Uint8Array>("blob.bin");
    },
    peers: [
      {
        name: "unstorage",
        label: `${PEERS.unstorage}, fs driver`,
        run: async () => {
          const s = libs.unstorage as Storage;
          await s.setItemRaw("blob.bin", data);
          return s.getItemRaw("blob.bin");
        },
      },
      {
        name: "flydrive",
        label: `${PEERS.flydrive}, fs driver`,
        run: async () => {
          const d = libs.flydrive as Disk;
          await d.put("blob.bin", data);
          return d.getBytes("blob.bin");
        },
      },
      {
        name: "opendal",
        label: `${PEERS.opendal}, fs service`,
        run: async () => {
          const op = installed(libs.opendal);
          await op.write("blob.bin", buffer);
          return op.read("blob.bin");
        },
      },
    ],
    teardown: () => libs.close(),
    metrics: (t) => ({
      "MB/s": mbPerSecond(2 * BIG, t.subjectMs),
      "fs MB/s": mbPerSecond(2 * BIG, t.baselineMs),
    }),
  });
}

// ---- set + get of many small JSON values, 16 in flight ----
{
  const libs = new Libraries();
  const key = (i: number) => `item-${i}.json`;
  scenario({
    name: `local ${n(SMALL_COUNT)} small JSON set+get, concurrency ${CONCURRENCY}`,
    quick: true,
    baselineName: "fs",
    note: `set item-N.json for every value, then get every one (${CONCURRENCY} in flight): fs.writeFile(JSON.stringify) + JSON.parse(fs.readFile) vs store.set/get, unstorage setItem/getItem, flydrive put/get + JSON, opendal write/read + JSON; the job returns the values read`,
    setup: async () => {
      await libs.open();
      await fs.mkdir(libs.dir("raw"));
    },
    settle: flushDirtyPages,
    check: sameValues(values),
    baseline: async () => {
      const raw = libs.dir("raw");
      await forEachLimit(indices, CONCURRENCY, (i) =>
        fs.writeFile(path.join(raw, key(i)), JSON.stringify(values[i])),
      );
      const out: unknown[] = [];
      await forEachLimit(indices, CONCURRENCY, async (i) => {
        out[i] = JSON.parse(await fs.readFile(path.join(raw, key(i)), "utf8"));
      });
      return out;
    },
    subject: async () => {
      const store = libs.store as AutoStore;
      await forEachLimit(indices, CONCURRENCY, (i) => store.set(key(i), values[i]));
      const out: unknown[] = [];
      await forEachLimit(indices, CONCURRENCY, async (i) => {
        out[i] = await store.get(key(i));
      });
      return out;
    },
    peers: [
      {
        name: "unstorage",
        label: `${PEERS.unstorage}, fs driver`,
        run: async () => {
          const s = libs.unstorage as Storage;
          await forEachLimit(indices, CONCURRENCY, (i) =>
            s.setItem(key(i), values[i] as Record<string, unknown>),
          );
          const out: unknown[] = [];
          await forEachLimit(indices, CONCURRENCY, async (i) => {
            out[i] = await s.getItem(key(i));
          });
          return out;
        },
      },
      {
        name: "flydrive",
        label: `${PEERS.flydrive}, fs driver`,
        run: async () => {
          const d = libs.flydrive as Disk;
          await forEachLimit(indices, CONCURRENCY, (i) => d.put(key(i), JSON.stringify(values[i])));
          const out: unknown[] = [];
          await forEachLimit(indices, CONCURRENCY, async (i) => {
            out[i] = JSON.parse(await d.get(key(i)));
          });
          return out;
        },
      },
      {
        name: "opendal",
        label: `${PEERS.opendal}, fs service`,
        run: async () => {
          const op = installed(libs.opendal);
          await forEachLimit(indices, CONCURRENCY, (i) => op.write(key(i), JSON.stringify(values[i])));
          const out: unknown[] = [];
          await forEachLimit(indices, CONCURRENCY, async (i) => {
            out[i] = JSON.parse((await op.read(key(i))).toString("utf8"));
          });
          return out;
        },
      },
    ],
    teardown: () => libs.close(),
    metrics: (t) => ({
      "ops/s": opsPerSecond(2 * SMALL_COUNT, t.subjectMs),
      "fs ops/s": opsPerSecond(2 * SMALL_COUNT, t.baselineMs),
    }),
  });
}

// ---- the same small JSON job against plain fs with the store's guarantees ----
{
  const libs = new Libraries();
  const key = (i: number) => `item-${i}.json`;
  let written = 0;
  scenario({
    name: `local ${n(SMALL_COUNT)} small JSON set+get against fs with the same guarantees`,
    baselineName: "fs, temp file + rename",
    target: 1.25,
    note: `the small JSON job again, against plain fs doing what the store does for safety: each write to a new temporary file in the key's folder (after checking the folder's real path), renamed over the key; each read resolves the file's real path first. The ratio is the store's own work; the price of the guarantees is this baseline against the fs.writeFile row above`,
    setup: async () => {
      await libs.open();
      await fs.mkdir(libs.dir("raw"));
    },
    settle: flushDirtyPages,
    check: sameValues(values),
    baseline: async () => {
      const raw = libs.dir("raw");
      await forEachLimit(indices, CONCURRENCY, async (i) => {
        await fs.realpath(raw + path.sep);
        const file = path.join(raw, key(i));
        const temp = `${file}.${++written}.tmp`;
        const handle = await fs.open(temp, "wx");
        try {
          await handle.write(JSON.stringify(values[i]));
          await handle.stat();
        } finally {
          await handle.close();
        }
        await fs.rename(temp, file);
      });
      const out: unknown[] = [];
      await forEachLimit(indices, CONCURRENCY, async (i) => {
        const real = await fs.realpath(path.join(raw, key(i)));
        out[i] = JSON.parse(await fs.readFile(real, "utf8"));
      });
      return out;
    },
    subject: async () => {
      const store = libs.store as AutoStore;
      await forEachLimit(indices, CONCURRENCY, (i) => store.set(key(i), values[i]));
      const out: unknown[] = [];
      await forEachLimit(indices, CONCURRENCY, async (i) => {
        out[i] = await store.get(key(i));
      });
      return out;
    },
    teardown: () => libs.close(),
  });
}

// ---- keys of 10,000 files in nested folders ----
{
  const libs = new Libraries();
  let shared = "";
  let expected: string[] = [];
  const count = TREE.top * TREE.mid * TREE.files;
  scenario({
    name: `local keys of ${n(count)} files`,
    quick: true,
    baselineName: "fs readdir",
    target: 1.5,
    note: `every key under a folder of ${TREE.top}×${TREE.mid} sub-folders of ${TREE.files} .json files, all libraries over the same folder: one fs.readdir(recursive, withFileTypes) keeping the files vs store.keys(), unstorage getKeys(), flydrive listAll('/', recursive), opendal list('', recursive) keeping the files; checked against the file list, any order`,
    setup: async () => {
      await libs.open(true);
      shared = libs.dir("shared");
      const files: string[] = [];
      for (let a = 0; a < TREE.top; a++) {
        for (let b = 0; b < TREE.mid; b++) {
          await fs.mkdir(path.join(shared, `part-${a}`, `shard-${b}`), { recursive: true });
          for (let c = 0; c < TREE.files; c++) files.push(`part-${a}/shard-${b}/item-${c}.json`);
        }
      }
      await forEachLimit(files, 64, (file) => fs.writeFile(path.join(shared, file), "{}"));
      expected = files.map(plainKey);
      await flushDirtyPages();
    },
    check: sameKeys(() => expected, plainKey),
    baseline: async () => {
      const entries = await fs.readdir(shared, { recursive: true, withFileTypes: true });
      const keys: string[] = [];
      // Slicing the known root off is what a careful caller does: path.relative per entry costs
      // more than the whole readdir.
      const cut = shared.length + 1;
      for (const e of entries)
        if (e.isFile())
          keys.push(e.parentPath.length < cut ? e.name : `${e.parentPath.slice(cut)}/${e.name}`);
      return keys;
    },
    subject: async () => {
      const keys: string[] = [];
      for await (const key of (libs.store as AutoStore).keys()) keys.push(key);
      return keys;
    },
    peers: [
      {
        name: "unstorage",
        label: `${PEERS.unstorage}, fs driver`,
        run: () => (libs.unstorage as Storage).getKeys(),
      },
      {
        name: "flydrive",
        label: `${PEERS.flydrive}, fs driver`,
        run: async () => {
          const { objects } = await (libs.flydrive as Disk).listAll("/", { recursive: true });
          const keys: string[] = [];
          for (const o of objects) if (o.isFile) keys.push(o.key);
          return keys;
        },
      },
      {
        name: "opendal",
        label: `${PEERS.opendal}, fs service`,
        run: async () => {
          const entries = await installed(libs.opendal).list("", { recursive: true });
          const keys: string[] = [];
          for (const e of entries) {
            const p = e.path();
            if (!p.endsWith("/")) keys.push(p);
          }
          return keys;
        },
      },
    ],
    teardown: () => libs.close(),
    metrics: (t) => ({
      "keys/s": opsPerSecond(count, t.subjectMs),
      "fs keys/s": opsPerSecond(count, t.baselineMs),
    }),
  });
}
