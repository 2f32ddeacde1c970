/**
 * Memory backend scenarios: the store's fixed cost per call (key checks, handler lookup, copies)
 * against the least a program could do, a `Map` of JSON strings. No target: the baseline does no
 * I/O at all, so the ratio shows overhead, which disk and network calls dwarf.
 */
import { deepStrictEqual } from "node:assert/strict";
import { AutoStore, MemoryBackend } from "../src/node/index.js";
import { forEachLimit, opsPerSecond, scenario, smallValue } from "./harness.js";

const COUNT = 2_000;
const CONCURRENCY = 16;
const indices = Array.from({ length: COUNT }, (_, i) => i);
const values = indices.map(smallValue);

/** A fresh named space per scenario, dropped afterwards so nothing outlives the run. */
function memoryStore(name: string): AutoStore {
  MemoryBackend.drop(name);
  return new AutoStore(`memory://${name}`);
}

{
  let store: AutoStore;
  const map = new Map<string, string>();
  scenario({
    name: "memory set 2,000 small JSON (item-N.json)",
    note: "informational, no target: new AutoStore('memory://bench').set('item-N.json', value) vs map.set(key, JSON.stringify(value)); the store also validates the key, checks the value is exact JSON, encodes UTF-8 and copies the bytes",
    setup: async () => {
      store = memoryStore("bench-set");
    },
    baseline: async () => {
      for (const i of indices) map.set(`item-${i}.json`, JSON.stringify(values[i]));
    },
    subject: async () => {
      await forEachLimit(indices, CONCURRENCY, (i) => store.set(`item-${i}.json`, values[i]));
    },
    teardown: async () => {
      await store.close();
      MemoryBackend.drop("bench-set");
    },
    metrics: (t) => ({
      "ops/s": opsPerSecond(COUNT, t.subjectMs),
      "Map ops/s": opsPerSecond(COUNT, t.baselineMs),
    }),
  });
}

{
  let store: AutoStore;
  const map = new Map<string, string>();
  scenario({
    name: "memory get 2,000 small JSON (item-N.json)",
    note: "informational, no target: store.get('item-N.json') vs JSON.parse(map.get(key)); the store also copies the bytes out (so callers cannot change what is stored) and decodes UTF-8",
    setup: async () => {
      store = memoryStore("bench-get");
      for (const i of indices) {
        await store.set(`item-${i}.json`, values[i]);
        map.set(`item-${i}.json`, JSON.stringify(values[i]));
      }
      deepStrictEqual(await store.get("item-7.json"), values[7]);
    },
    baseline: async () => {
      for (const i of indices) JSON.parse(map.get(`item-${i}.json`) as string);
    },
    subject: async () => {
      await forEachLimit(indices, CONCURRENCY, (i) => store.get(`item-${i}.json`));
    },
    teardown: async () => {
      await store.close();
      MemoryBackend.drop("bench-get");
    },
    metrics: (t) => ({
      "ops/s": opsPerSecond(COUNT, t.subjectMs),
      "Map ops/s": opsPerSecond(COUNT, t.baselineMs),
    }),
  });
}
