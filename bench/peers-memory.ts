/**
 * Memory, autostore-js (`memory://`) against unstorage's memory driver and opendal's memory service,
 * with a `Map` of JSON strings as the baseline: the least any program does to keep JSON values in
 * memory. flydrive has no memory driver. Here nothing but each library's own cost per call is timed.
 */
import { createStorage, type Storage } from "unstorage";
import memoryDriver from "unstorage/drivers/memory";
import { AutoStore, MemoryBackend } from "../src/node/index.js";
import { forEachLimit, opsPerSecond, scenario, smallValue } from "./harness.js";
import { installed, newOpendal, type OpendalOperator, PEERS, sameValues } from "./peers-common.js";

const COUNT = 2_000;
const CONCURRENCY = 16;
const SPACE = "bench-peers";
const indices = Array.from({ length: COUNT }, (_, i) => i);
const values = indices.map(smallValue);
const key = (i: number) => `item-${i}.json`;

{
  let store: AutoStore | undefined;
  let storage: Storage | undefined;
  let op: OpendalOperator | undefined;
  const map = new Map<string, string>();
  scenario({
    name: "memory 2,000 small JSON set+get",
    quick: true,
    baselineName: "Map + JSON",
    target: 1.5,
    note: `set item-N.json for every value, then get every one: map.set(key, JSON.stringify(value)) + JSON.parse(map.get(key)) in a loop vs store.set/get on memory:// , unstorage (memory driver) setItem/getItem, opendal (memory service) write/read + JSON, the libraries ${CONCURRENCY} calls in flight; the job returns the values read`,
    setup: async () => {
      MemoryBackend.drop(SPACE);
      store = new AutoStore(`memory://${SPACE}`);
      storage = createStorage({ driver: memoryDriver() });
      op = newOpendal("memory", {});
    },
    check: sameValues(values),
    baseline: async () => {
      for (const i of indices) map.set(key(i), JSON.stringify(values[i]));
      const out: unknown[] = [];
      for (const i of indices) out[i] = JSON.parse(map.get(key(i)) as string);
      return out;
    },
    subject: async () => {
      const s = store as AutoStore;
      await forEachLimit(indices, CONCURRENCY, (i) => s.set(key(i), values[i]));
      const out: unknown[] = [];
      await forEachLimit(indices, CONCURRENCY, async (i) => {
        out[i] = await s.get(key(i));
      });
      return out;
    },
    peers: [
      {
        name: "unstorage",
        label: `${PEERS.unstorage}, memory driver`,
        run: async () => {
          const s = storage as Storage;
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
        name: "opendal",
        label: `${PEERS.opendal}, memory service`,
        run: async () => {
          const o = installed(op);
          await forEachLimit(indices, CONCURRENCY, (i) => o.write(key(i), JSON.stringify(values[i])));
          const out: unknown[] = [];
          await forEachLimit(indices, CONCURRENCY, async (i) => {
            out[i] = JSON.parse((await o.read(key(i))).toString("utf8"));
          });
          return out;
        },
      },
    ],
    teardown: async () => {
      await store?.close();
      await storage?.dispose();
      MemoryBackend.drop(SPACE);
    },
    metrics: (t) => ({
      "ops/s": opsPerSecond(2 * COUNT, t.subjectMs),
      "Map ops/s": opsPerSecond(2 * COUNT, t.baselineMs),
    }),
  });
}
