/**
 * The per-key write lock: writes of one key run one at a time and in call order, a failing write
 * hands the lock on, other keys and other roots never wait, and the lock is gone once idle.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MemoryBackend } from "../../src/core/backends/memory.js";
import { acquireKeyLock, keyLockSettled, withKeyLock } from "../../src/core/key-lock.js";

const tick = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe("the key lock", () => {
  it("runs the writes of one key one at a time, in call order, whatever each does", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            key: fc.constantFrom("a", "b", "c"),
            ms: fc.integer({ min: 0, max: 3 }),
            fails: fc.boolean(),
          }),
          { minLength: 1, maxLength: 25 },
        ),
        async (writes) => {
          const backend = new MemoryBackend();
          const running = new Map<string, number>();
          const order = new Map<string, number[]>();
          const overlaps: string[] = [];
          const calls = writes.map((w, i) =>
            withKeyLock(backend, w.key, async () => {
              running.set(w.key, (running.get(w.key) ?? 0) + 1);
              if ((running.get(w.key) ?? 0) > 1) overlaps.push(w.key);
              order.set(w.key, [...(order.get(w.key) ?? []), i]);
              await tick(w.ms);
              running.set(w.key, (running.get(w.key) ?? 0) - 1);
              if (w.fails) throw new Error(`write ${i} failed`);
              return i;
            }),
          );
          const settled = await Promise.allSettled(calls);
          expect(overlaps).toEqual([]);
          for (const [key, seen] of order) {
            const expected = writes.flatMap((w, i) => (w.key === key ? [i] : []));
            expect(seen).toEqual(expected);
          }
          settled.forEach((result, i) => {
            if (writes[i]?.fails) expect(result.status).toBe("rejected");
            else expect(result).toEqual({ status: "fulfilled", value: i });
          });
          // Idle again: nothing held, nothing to wait for.
          for (const key of ["a", "b", "c"]) expect(await keyLockSettled(backend, key)).toBe(false);
        },
      ),
      { numRuns: 60 },
    );
  });

  it("takes a free key at once, without a promise, and hands a held one on at release", async () => {
    const backend = new MemoryBackend();
    const first = acquireKeyLock(backend, "k");
    expect(first.ready).toBeUndefined();
    const second = acquireKeyLock(backend, "k");
    expect(second.ready).toBeInstanceOf(Promise);
    let secondHasIt = false;
    void second.ready?.then(() => {
      secondHasIt = true;
    });
    // Another key and the same key under another root are free.
    const other = acquireKeyLock(backend, "other");
    const elsewhere = acquireKeyLock(new MemoryBackend("elsewhere"), "k");
    expect(other.ready).toBeUndefined();
    expect(elsewhere.ready).toBeUndefined();
    other.release();
    elsewhere.release();
    await tick(1);
    expect(secondHasIt).toBe(false);
    first.release();
    first.release(); // a second release changes nothing
    await tick(0);
    expect(secondHasIt).toBe(true);
    second.release();
    const again = acquireKeyLock(backend, "k");
    expect(again.ready).toBeUndefined();
    again.release();
  });

  it("lets a reader wait for the writes queued so far, and says when there were none", async () => {
    const backend = new MemoryBackend();
    expect(await keyLockSettled(backend, "k")).toBe(false);
    const done: string[] = [];
    const write = withKeyLock(backend, "k", async () => {
      await tick(5);
      done.push("write");
    });
    const waited = keyLockSettled(backend, "k").then((queued) => {
      done.push("reader");
      return queued;
    });
    expect(await waited).toBe(true);
    await write;
    expect(done).toEqual(["write", "reader"]);
  });
});
