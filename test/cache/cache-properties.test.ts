/**
 * Generated schedules of reads racing writes, deletes, copies and expiries of one key, through two
 * cached backends sharing one cache folder (real disk) over one remote (the memory backend). The
 * remote's answers and changes are delivered in an order fast-check's scheduler picks, so a read
 * can take the old bytes, then wait while a write lands and resolves.
 *
 * Rule checked for every read: it returns the value of a change that was current when it started
 * (not superseded by a change that resolved before it started) or of a change concurrent with it;
 * never bytes nobody wrote, and never a raw error.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CachedBackend,
  type CallOptions,
  FsCacheStorage,
  MemoryBackend,
  type ObjectMeta,
  type ReadOptions,
  type ReadResult,
  type WriteOptions,
} from "../../src/node/index.js";
import { tempDir } from "../helpers/tmp.js";

const HOUR = 3_600_000;
const ABSENT = "<absent>";
const SOURCE = "value of the copy source";
const text = (data: Uint8Array) => new TextDecoder().decode(data);
const bytes = (value: string) => new TextEncoder().encode(value);

/**
 * The memory backend with its answers and changes released by a fast-check scheduler: a read takes
 * its bytes at once and hands them over when scheduled; a change lands when scheduled.
 */
class ScheduledBackend extends MemoryBackend {
  constructor(readonly scheduler: fc.Scheduler) {
    super();
  }
  override async read(key: string, options?: ReadOptions): Promise<ReadResult> {
    const result = await super.read(key, options).catch((err: unknown) => err);
    await this.scheduler.schedule(Promise.resolve(), `answer read of ${key}`);
    if (result instanceof Error) throw result;
    return result as ReadResult;
  }
  override async write(
    key: string,
    body: Uint8Array | ReadableStream<Uint8Array>,
    options?: WriteOptions,
  ): Promise<ObjectMeta> {
    await this.scheduler.schedule(Promise.resolve(), `land write of ${key}`);
    return super.write(key, body, options);
  }
  override async delete(key: string, options?: CallOptions): Promise<void> {
    await this.scheduler.schedule(Promise.resolve(), `land delete of ${key}`);
    return super.delete(key, options);
  }
  override async copy(from: string, to: string, options?: CallOptions): Promise<ObjectMeta> {
    await this.scheduler.schedule(Promise.resolve(), `land copy to ${to}`);
    return super.copy(from, to, options);
  }
}

type Command =
  | { kind: "read"; via: number }
  | { kind: "write"; via: number }
  | { kind: "delete"; via: number }
  | { kind: "copy"; via: number }
  | { kind: "expire" };

const command: fc.Arbitrary<Command> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({ kind: fc.constant("read" as const), via: fc.integer({ min: 0, max: 1 }) }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant("write" as const), via: fc.integer({ min: 0, max: 1 }) }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant("delete" as const), via: fc.integer({ min: 0, max: 1 }) }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant("copy" as const), via: fc.integer({ min: 0, max: 1 }) }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("expire" as const) }) },
);

/** A change as observed: its value and when it started and resolved (event counter). */
interface Change {
  value: string;
  start: number;
  end: number;
}

/** Values a read over [start, end] may return: see the module comment. */
function allowed(changes: readonly Change[], initial: string, start: number, end: number): Set<string> {
  const done = changes.filter((c) => c.end < start);
  const current = done.filter((c) => !done.some((later) => later.start > c.end));
  const values = new Set(current.map((c) => c.value));
  if (done.length === 0) values.add(initial);
  for (const c of changes) if (c.end >= start && c.start < end) values.add(c.value);
  return values;
}

let dir: { path: string; remove: () => Promise<void> };
beforeAll(async () => {
  dir = await tempDir();
});
afterAll(async () => {
  await dir.remove();
});

describe("cache under generated schedules", () => {
  it("no read returns a superseded value or bytes nobody wrote, and none fails", async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.scheduler(),
        fc.array(command, { minLength: 2, maxLength: 12 }),
        async (s, commands) => {
          run++;
          const key = `run-${run}.txt`;
          const remote = new ScheduledBackend(s);
          let clock = Date.parse("2026-01-01T00:00:00Z");
          const now = () => clock;
          const folder = `${dir.path}/cache`;
          const stores = [0, 1].map(
            () => new CachedBackend(remote, new FsCacheStorage(folder), { expiryHours: 1 }, { now }),
          ) as [CachedBackend, CachedBackend];
          const initial = "initial";
          await MemoryBackend.prototype.write.call(remote, key, bytes(initial));
          await MemoryBackend.prototype.write.call(remote, "source.txt", bytes(SOURCE));

          let events = 0;
          const changes: Change[] = [];
          const reads: { start: number; end: number; value: string }[] = [];
          const errors: unknown[] = [];
          const tasks = commands.map(async (c, i) => {
            // Every command starts when the scheduler says, so starts interleave with everything else.
            await s.schedule(Promise.resolve(), `start ${c.kind} #${i}`);
            const start = ++events;
            try {
              if (c.kind === "expire") {
                clock += 2 * HOUR;
                return;
              }
              const store = stores[c.via] as CachedBackend;
              if (c.kind === "read") {
                const value = await store.read(key).then(
                  async (r) => text(await r.bytes()),
                  (err: { code?: string }) => {
                    if (err.code === "KEY_NOT_FOUND") return ABSENT;
                    throw err;
                  },
                );
                reads.push({ start, end: ++events, value });
              } else if (c.kind === "write") {
                await store.write(key, bytes(`written by #${i}`));
                changes.push({ value: `written by #${i}`, start, end: ++events });
              } else if (c.kind === "delete") {
                await store.delete(key).catch((err: { code?: string }) => {
                  if (err.code !== "KEY_NOT_FOUND") throw err;
                });
                changes.push({ value: ABSENT, start, end: ++events });
              } else {
                await store.copy("source.txt", key);
                changes.push({ value: SOURCE, start, end: ++events });
              }
            } catch (err) {
              errors.push(err);
            }
          });
          // Before each scheduled step, let the disk work in flight finish: the order of events is then
          // mostly the scheduler's, which makes the races it picks happen (and shrink) reliably.
          await s.waitFor(Promise.all(tasks), async (step) => {
            await new Promise((resolve) => setTimeout(resolve, 1));
            await step();
          });
          expect(errors.map(String)).toEqual([]);
          for (const read of reads) {
            const ok = allowed(changes, initial, read.start, read.end);
            if (!ok.has(read.value)) {
              throw new Error(
                `read [${read.start}, ${read.end}] returned ${JSON.stringify(read.value)}; allowed: ${JSON.stringify([...ok])}; changes: ${JSON.stringify(changes)}`,
              );
            }
          }
        },
      ),
      { numRuns: 150 },
    );
  }, 120_000);
});
