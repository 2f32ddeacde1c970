/**
 * Cache scenarios: a cache hit (a store on the local S3-compatible server, cache enabled and warm)
 * against a plain local-disk store reading the same value, in the same run. A hit makes no request:
 * it reads the cached file and checks its size and SHA-256.
 */
import { strictEqual } from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AutoStore } from "../src/node/index.js";
import { type S3Server, startS3Server } from "../test/helpers/s3-server.js";
import { forEachLimit, mbPerSecond, opsPerSecond, scenario, smallValue } from "./harness.js";

const MiB = 1024 * 1024;
const BIG = 16 * MiB;
const SMALL_COUNT = 500;
const CONCURRENCY = 16;

interface Rig {
  server: S3Server;
  dir: string;
  cached: AutoStore;
  disk: AutoStore;
  requests: number;
}

/** Writes the same values to S3 and to disk, then reads each once through the cache to warm it. */
async function rig(values: Array<[string, unknown]>): Promise<Rig> {
  const server = await startS3Server({ buckets: ["bench"], cors: false });
  const dir = await mkdtemp(join(tmpdir(), "autostore-bench-cache-"));
  const r: Rig = {
    server,
    dir,
    disk: new AutoStore(join(dir, "disk")),
    cached: new AutoStore("s3://bench/cached/", {
      ...server.options(),
      cacheEnabled: true,
      cacheDir: join(dir, "cache"),
      cacheExpiryHours: 24,
      // Counts what reaches the server: a hit must make no request.
      logger: {
        debug: (message: string) => {
          if (message.startsWith("s3: ")) r.requests++;
        },
        info: () => undefined,
        warn: () => undefined,
      },
    }),
    requests: 0,
  };
  for (const [key, value] of values) {
    await r.disk.set(key, value);
    await r.cached.set(key, value);
    await r.cached.get(key);
  }
  r.requests = 0;
  return r;
}

async function unrig(r: Rig | undefined): Promise<void> {
  if (!r) return;
  await r.cached.close();
  await r.server.stop();
  await rm(r.dir, { recursive: true, force: true });
}

let big: Rig | undefined;
scenario({
  name: "cache hit, one 16 MiB .bin (S3 store, warm cache) vs disk store",
  target: 1.2,
  note: "store.get('blob.bin') answered from the fs cache (size and SHA-256 checked) vs a store on local disk reading the same value",
  setup: async () => {
    const data = new Uint8Array(BIG).map((_, i) => (i * 31) & 0xff);
    big = await rig([["blob.bin", data]]);
    const hit = await big.cached.get<Uint8Array>("blob.bin");
    strictEqual(hit.length, BIG);
    strictEqual(big.requests, 0);
  },
  baseline: async () => {
    await big?.disk.get("blob.bin");
  },
  subject: async () => {
    await big?.cached.get("blob.bin");
  },
  teardown: async () => {
    strictEqual(big?.requests, 0, "a cache hit made a request");
    await unrig(big);
  },
  metrics: ({ subjectMs }) => ({ "MB/s": mbPerSecond(BIG, subjectMs), requests: big?.requests ?? -1 }),
});

let small: Rig | undefined;
const keys = Array.from({ length: SMALL_COUNT }, (_, i) => `item-${i}.json`);
scenario({
  name: `cache hit, ${SMALL_COUNT} small JSON (16 at a time) vs disk store`,
  target: 1.2,
  note: "store.get('item-N.json') answered from the fs cache vs a store on local disk, 16 in flight",
  setup: async () => {
    small = await rig(keys.map((key, i) => [key, smallValue(i)]));
  },
  baseline: async () => {
    await forEachLimit(keys, CONCURRENCY, async (key) => {
      await small?.disk.get(key);
    });
  },
  subject: async () => {
    await forEachLimit(keys, CONCURRENCY, async (key) => {
      await small?.cached.get(key);
    });
  },
  teardown: async () => {
    strictEqual(small?.requests, 0, "a cache hit made a request");
    await unrig(small);
  },
  metrics: ({ subjectMs, baselineMs }) => ({
    "ops/s": opsPerSecond(SMALL_COUNT, subjectMs),
    "disk ops/s": opsPerSecond(SMALL_COUNT, baselineMs),
  }),
});
