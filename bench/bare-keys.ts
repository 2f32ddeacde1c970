/**
 * Bare keys (`store.get("config")`, no extension) against the same keys with their extension, on
 * disk, memory and S3, in folders with many siblings; and bare keys in a large folder against a small
 * one. A bare key is resolved by looking up its candidate names (disk, memory) or listing its own
 * prefix `key.` (S3), never its whole folder, so both ratios should stay near 1 whatever the folder.
 */
import { deepStrictEqual, ok } from "node:assert/strict";
import { lstatSync } from "node:fs";
import * as fs from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import { builtinHandlers } from "../src/core/handlers/builtins.js";
import { AutoStore, MemoryBackend, S3Options } from "../src/node/index.js";
import { type FaultProxy, startProxy } from "../test/helpers/proxy.js";
import { type S3Server, startS3Server } from "../test/helpers/s3-server.js";
import { atEndOfRun, forEachLimit, opsPerSecond, scenario, smallValue } from "./harness.js";

const SIBLINGS = 20_000;
const FEW_SIBLINGS = 1_000;
const OPS = 500;
const CONCURRENCY = 16;
const BUCKET = "bench";

/** Fills `folder/` with `count` siblings `item-N.json` (the keys the timed calls touch are among them). */
async function fill(store: AutoStore, folder: string, count: number, concurrency: number): Promise<void> {
  const indices = Array.from({ length: count }, (_, i) => i);
  await forEachLimit(indices, concurrency, (i) => store.set(`${folder}/item-${i}.json`, smallValue(i)));
}

/** `OPS` bare-key (or extension) get+set calls on existing keys of a folder. */
async function getSet(
  store: AutoStore,
  folder: string,
  count: number,
  withExtension: boolean,
): Promise<void> {
  const step = Math.floor(count / OPS);
  const picks = Array.from({ length: OPS }, (_, i) => i * step);
  await forEachLimit(picks, CONCURRENCY, async (i) => {
    const key = `${folder}/item-${i}${withExtension ? ".json" : ""}`;
    const value = await store.get<Record<string, unknown>>(key);
    await store.set(key, value);
  });
}

/**
 * The file-name lookups alone that `OPS` bare get+set calls cannot avoid on disk: each call looks up
 * every registered extension once (`item-N.json`, `item-N.yaml`, …), two calls per key, all but one
 * name absent. Timed as bare `lstatSync` calls, in the same folder, at the same moment as the
 * scenario: the least the bare calls can cost over the calls with the extension.
 */
function lookupFloorMs(folder: string, count: number): number {
  const exts = [...new Set(builtinHandlers().flatMap((h) => h.extensions))];
  const step = Math.floor(count / OPS);
  const started = performance.now();
  for (let i = 0; i < OPS; i++) {
    for (let call = 0; call < 2; call++) {
      for (const ext of exts) lstatSync(`${folder}/item-${i * step}${ext}`, { throwIfNoEntry: false });
    }
  }
  return performance.now() - started;
}

interface Place {
  name: string;
  /** How many siblings the crowded folder has. */
  siblings: number;
  open: () => Promise<AutoStore>;
  close: () => Promise<void>;
  fillConcurrency: number;
  requests?: () => number;
  /** The folder on disk, for places whose bare keys are file-name lookups. */
  folder?: () => string;
}

let tempRoot = "";
let s3: S3Server | undefined;
let proxy: FaultProxy | undefined;

const places: Place[] = [
  {
    name: "disk",
    siblings: SIBLINGS,
    fillConcurrency: 16,
    open: async () => {
      tempRoot = await fs.mkdtemp(path.join(os.tmpdir(), "autostore-bench-bare-"));
      return new AutoStore(tempRoot);
    },
    close: async () => {
      await fs.rm(tempRoot, { recursive: true, force: true });
    },
    folder: () => path.join(tempRoot, "big"),
  },
  {
    name: "memory",
    siblings: SIBLINGS,
    fillConcurrency: 16,
    open: async () => {
      MemoryBackend.drop("bench-bare");
      return new AutoStore("memory://bench-bare");
    },
    close: async () => MemoryBackend.drop("bench-bare"),
  },
  {
    name: "s3",
    // s3rver answers a listing by reading its whole folder on disk, so on it any listing costs the
    // server more as the folder grows (real S3 lists a prefix from an index): a crowd of 3,000 shows
    // the client's requests without timing the test server's folder scans.
    siblings: 3_000,
    fillConcurrency: 32,
    open: async () => {
      s3 = await startS3Server({ buckets: [BUCKET], cors: false });
      proxy = await startProxy(s3.endpoint);
      return new AutoStore(`s3://${BUCKET}/bare/`, {
        options: new S3Options(s3.options({ endpoint: proxy.endpoint })),
      });
    },
    close: async () => {
      await proxy?.stop();
      await s3?.stop();
    },
    requests: () => proxy?.log.length ?? 0,
  },
];

/** Each place's store, opened and filled once for all of its scenarios, closed after the last. */
const opened = new Map<string, Promise<AutoStore>>();
function filled(place: Place): Promise<AutoStore> {
  let store = opened.get(place.name);
  if (!store) {
    store = (async () => {
      const s = await place.open();
      await fill(s, "big", place.siblings, place.fillConcurrency);
      await fill(s, "small", FEW_SIBLINGS, place.fillConcurrency);
      deepStrictEqual(await s.get("big/item-7"), smallValue(7));
      return s;
    })();
    opened.set(place.name, store);
  }
  return store;
}
/** Closes a place's store and what it runs on; nothing when it is not open (again). */
async function release(place: Place): Promise<void> {
  const store = opened.get(place.name);
  if (!store) return;
  opened.delete(place.name);
  await (await store.catch(() => undefined))?.close();
  await place.close();
}

for (const place of places) {
  // The last scenario of a place releases it; when the filter leaves that one out, the run's end does.
  atEndOfRun(() => release(place));
  let store: AutoStore;
  let requestsPerGet = 0;
  let floorMs: number | undefined;
  scenario({
    name: `${place.name} bare-key get+set, ${place.siblings.toLocaleString("en")} siblings, vs with extension`,
    // On s3rver every listing costs the server a scan of its folder on disk (tens of ms among
    // thousands of keys), so there the ratio times the test server; the requests are the measure.
    ...(place.requests ? {} : { target: 1.5 }),
    note: `${OPS} × (store.get('big/item-N') + store.set('big/item-N', value)) vs the same with 'big/item-N.json', in a folder of ${place.siblings.toLocaleString("en")} files${place.requests ? "; informational on s3rver, whose listings scan its folder on disk: the measure is the requests per bare get (at most 2)" : ""}`,
    setup: async () => {
      store = await filled(place);
      if (place.requests) {
        const before = place.requests();
        await store.get("big/item-1");
        requestsPerGet = place.requests() - before;
        ok(requestsPerGet <= 2, `a bare get made ${requestsPerGet} requests`);
      }
      if (place.folder) {
        lookupFloorMs(place.folder(), place.siblings); // warm the kernel's name cache, as the rounds do
        floorMs = Math.min(...[0, 1, 2].map(() => lookupFloorMs(place.folder?.() ?? "", place.siblings)));
      }
    },
    baseline: () => getSet(store, "big", place.siblings, true),
    subject: () => getSet(store, "big", place.siblings, false),
    metrics: (t) => ({
      "bare ops/s": opsPerSecond(OPS * 2, t.subjectMs),
      ...(place.requests ? { "requests per bare get": requestsPerGet } : {}),
      // The ratio no implementation of this layout can beat: the calls with the extension plus the
      // name lookups alone (a bare key's files can only be found by name or by reading the folder).
      ...(floorMs !== undefined
        ? {
            "lookups ms": Math.round(floorMs),
            "lookup floor ratio": Math.round(((t.baselineMs + floorMs) / t.baselineMs) * 100) / 100,
          }
        : {}),
    }),
  });

  // On s3rver the server's own cost grows with the folder (see above); the requests a bare get makes
  // (the row above, and test/s3/bare-keys.test.ts) are what shows the client's cost is flat.
  if (place.name !== "s3")
    scenario({
      name: `${place.name} bare-key get+set, ${SIBLINGS.toLocaleString("en")} siblings vs ${FEW_SIBLINGS.toLocaleString("en")}`,
      target: 1.5,
      note: `${OPS} bare-key get+set calls in a folder of ${SIBLINGS.toLocaleString("en")} files vs the same in a folder of ${FEW_SIBLINGS.toLocaleString("en")}: flat means the folder's size does not matter`,
      setup: async () => {
        store = await filled(place);
      },
      baseline: () => getSet(store, "small", FEW_SIBLINGS, false),
      subject: () => getSet(store, "big", SIBLINGS, false),
    });

  const count = place.name === "s3" ? 500 : 2_000;
  let round = 0;
  scenario({
    name: `${place.name} ${count.toLocaleString("en")} small values set and got through bare keys, vs with extensions`,
    note: `informational: store.set('fresh-R/item-N', value) then store.get('fresh-R/item-N') for ${count.toLocaleString("en")} new keys vs the same keys with '.json'; creating a file is cheap next to replacing one, so the ~30 name lookups of each bare call weigh more here`,
    setup: async () => {
      store = await filled(place);
    },
    baseline: () => setThenGet(store, `ext-${round++}`, count, true),
    subject: () => setThenGet(store, `bare-${round++}`, count, false),
    teardown: () => release(place),
  });
}

/** Sets `count` new keys in a fresh folder, then gets them all. */
async function setThenGet(
  store: AutoStore,
  folder: string,
  count: number,
  withExtension: boolean,
): Promise<void> {
  const indices = Array.from({ length: count }, (_, i) => i);
  const key = (i: number) => `${folder}/item-${i}${withExtension ? ".json" : ""}`;
  await forEachLimit(indices, CONCURRENCY, (i) => store.set(key(i), smallValue(i)));
  await forEachLimit(indices, CONCURRENCY, (i) => store.get(key(i)));
}
