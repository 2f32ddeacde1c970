/**
 * Concurrent writers of one bare key, as property-based tests: generated schedules of sets (of values
 * of different formats), copies, moves and deletes, started with generated delays, leave at most one
 * file for the key (exactly one when nothing deleted it), holding a whole value that one of them
 * wrote; and a write that starts after the others settled always wins.
 */
import fc from "fast-check";
import { expect, it } from "vitest";
import { type AutoStore, isAutoStoreError } from "../../src/core/index.js";

/** What a writer of the schedule does to the key `k`. */
type Op =
  | { kind: "set"; value: unknown; delay: number }
  | { kind: "copy" | "move"; from: "src-json" | "src-txt"; delay: number }
  | { kind: "delete"; delay: number };

const values: fc.Arbitrary<unknown> = fc.oneof(
  fc.record({ n: fc.integer() }), // .json
  fc.string({ maxLength: 8 }).map((s) => `text ${s}`), // .txt
  fc.array(fc.record({ e: fc.nat(9) }), { minLength: 1, maxLength: 3 }), // .jsonl
  fc.uint8Array({ minLength: 1, maxLength: 4 }), // .bin
  fc.nat(99).map((n) => new Map([["n", n]])), // .cbor
);

const delay = fc.nat(4);
const ops: fc.Arbitrary<Op[]> = fc.array(
  fc.oneof(
    { weight: 6, arbitrary: fc.record({ kind: fc.constant("set" as const), value: values, delay }) },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constantFrom("copy" as const, "move" as const),
        from: fc.constantFrom("src-json" as const, "src-txt" as const),
        delay,
      }),
    },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant("delete" as const), delay }) },
  ),
  { minLength: 2, maxLength: 6 },
);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function filesOf(store: AutoStore, key: string): Promise<string[]> {
  const out: string[] = [];
  for await (const file of store.listFiles(`${key}.*`)) out.push(file);
  return out;
}

/** Adds the concurrent-writer properties to a store suite; `runs` bounds the generated schedules. */
export function testWriters(getStore: () => AutoStore, runs: number): void {
  it("leaves exactly one whole value under any schedule of concurrent writers of a bare key", async () => {
    const store = getStore();
    let round = 0;
    await fc.assert(
      fc.asyncProperty(ops, values, async (schedule, last) => {
        const folder = `w${round++}`;
        const key = `${folder}/k`;
        const sources = { "src-json": { from: "json" }, "src-txt": "from txt" } as const;
        const written: unknown[] = [];
        await store.set(`${folder}/src-json`, sources["src-json"]);
        await store.set(`${folder}/src-txt`, sources["src-txt"]);
        const results = await Promise.allSettled(
          schedule.map(async (op) => {
            await sleep(op.delay);
            if (op.kind === "set") {
              written.push(op.value);
              return store.set(key, op.value);
            }
            if (op.kind === "delete") return store.delete(key);
            written.push(sources[op.from]);
            return op.kind === "copy"
              ? store.copy(`${folder}/${op.from}`, key)
              : store.move(`${folder}/${op.from}`, key);
          }),
        );
        for (const result of results) {
          // A delete may find nothing, and a move's source may be gone (another move took it).
          if (result.status === "rejected")
            expect(isAutoStoreError(result.reason, "KEY_NOT_FOUND")).toBe(true);
        }
        const files = await filesOf(store, key);
        const deleted = schedule.some((op) => op.kind === "delete");
        expect(files.length).toBeLessThanOrEqual(1);
        if (!deleted && results.some((r) => r.status === "fulfilled")) expect(files.length).toBe(1);
        if (files.length === 1) expect(written).toContainEqual(await store.get(key));
        // A write that starts once the others have settled wins, whatever it replaces.
        await store.set(key, last);
        expect(await filesOf(store, key)).toHaveLength(1);
        expect(await store.get(key)).toEqual(last);
      }),
      { numRuns: runs },
    );
  });

  it("settles writes and deletes of a bare key started in one tick in call order: the last call wins", async () => {
    const store = getStore();
    let round = 0;
    const call = fc.oneof(
      { weight: 4, arbitrary: values.map((value) => ({ kind: "set" as const, value })) },
      { weight: 1, arbitrary: fc.constant({ kind: "delete" as const }) },
    );
    await fc.assert(
      fc.asyncProperty(values, fc.array(call, { minLength: 2, maxLength: 5 }), async (first, calls) => {
        const key = `order${round++}/k`;
        await store.set(key, first);
        // Started together, without awaiting: an encoder that awaits (binary, CBOR) must not let a
        // later call overtake an earlier one.
        await Promise.allSettled(
          calls.map((c) => (c.kind === "set" ? store.set(key, c.value) : store.delete(key))),
        );
        const last = calls[calls.length - 1];
        if (last?.kind === "set") expect(await store.get(key)).toEqual(last.value);
        else expect(await filesOf(store, key)).toEqual([]);
      }),
      { numRuns: runs },
    );
  });

  it("settles a set whose validator writes the same key (it never waits for itself)", async () => {
    const store = getStore();
    const schema = {
      "~standard": {
        version: 1 as const,
        vendor: "test",
        validate: async (value: unknown) => {
          // The validator writes the key it validates, in another format.
          await store.set("reentrant.yaml", { inner: true });
          return { value };
        },
      },
    };
    await store.set("reentrant", { v: 1 }, { schema });
    // The inner write was called last: it stays, and the key is free for the next write.
    expect(await filesOf(store, "reentrant")).toEqual(["reentrant.yaml"]);
    await store.set("reentrant", "after");
    expect(await store.get("reentrant")).toBe("after");
  });

  it("keeps the later of two back-to-back writes in two formats, within one timestamp", async () => {
    const store = getStore();
    for (let i = 0; i < 20; i++) {
      await store.set("seq", { i });
      await store.set("seq", `text ${i}`);
      await store.set("seq", [{ i }]);
      expect(await store.get("seq")).toEqual([{ i }]);
      await store.set("seq", `again ${i}`);
      expect(await store.get("seq")).toBe(`again ${i}`);
      expect(await filesOf(store, "seq")).toEqual(["seq.txt"]);
    }
  });

  it("reads a bare key that is being rewritten in another format without calling it ambiguous", async () => {
    const store = getStore();
    await store.set("busy", { v: 0 });
    for (let i = 1; i <= 10; i++) {
      const write = store.set("busy", i % 2 ? `v${i}` : { v: i });
      const read = store.get("busy");
      await write;
      const value = await read;
      expect([`v${i}`, { v: i }, `v${i - 1}`, { v: i - 1 }]).toContainEqual(value);
    }
  });
}
