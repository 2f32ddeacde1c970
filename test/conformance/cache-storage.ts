/**
 * The cache storage conformance suite: the rules of the `CacheStorage` interface (src/core/cache/
 * storage.ts) every runtime's storage must keep. Each storage's test file calls
 * `testCacheStorage(name, fixture)`, where the fixture opens instances on one fresh location (each
 * `open()` is another connection or process on it) and damages stored bytes its own way.
 */
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { CacheRecord, CacheStorage } from "../../src/core/cache/storage.js";
import { sha256Hex } from "../../src/core/cache/storage.js";

/** One fresh cache location for a test. */
export interface CacheStorageFixture {
  /** A new instance on the fixture's location, sharing everything stored there (a second tab or process). */
  open(): CacheStorage;
  /** Damages an entry's stored bytes behind the storage's back: a changed byte, or the last byte gone. */
  damage(id: string, how: "flip" | "truncate"): Promise<void>;
  cleanup?(): Promise<void>;
}

const bytes = (value: string) => new TextEncoder().encode(value);
const text = (data: Uint8Array) => new TextDecoder().decode(data);

/** A record for `data` as the policy writes one. */
export async function recordOf(
  id: string,
  data: Uint8Array,
  extra: Partial<CacheRecord> = {},
): Promise<CacheRecord> {
  return {
    id,
    uri: id.replace(/^[0-9a-f]{32} /, ""),
    size: data.length,
    modifiedTime: 1_700_000_000_000,
    storedAt: 1_700_000_001_000,
    validatedAt: 1_700_000_001_000,
    sha256: await sha256Hex(data),
    ...extra,
  };
}

async function collect(storage: CacheStorage): Promise<CacheRecord[]> {
  const out: CacheRecord[] = [];
  for await (const record of storage.records()) out.push(record);
  return out.sort((a, b) => (a.id < b.id ? -1 : 1));
}

async function put(storage: CacheStorage, id: string, value: string | Uint8Array): Promise<CacheRecord> {
  const data = typeof value === "string" ? bytes(value) : value;
  const record = await recordOf(id, data);
  expect(await storage.write(record, data, await storage.generation(id))).toBe(true);
  return record;
}

const entryId = fc.oneof(
  fc.webUrl({ withQueryParameters: true }),
  fc.string({ unit: "binary", minLength: 1, maxLength: 40 }),
  fc.tuple(fc.stringMatching(/^[0-9a-f]{32}$/), fc.webUrl()).map(([service, uri]) => `${service} ${uri}`),
);

type Op = { kind: "fill"; via: number } | { kind: "invalidate"; via: number } | { kind: "read"; via: number };
const op: fc.Arbitrary<Op> = fc.record({
  kind: fc.constantFrom("fill" as const, "fill" as const, "invalidate" as const, "read" as const),
  via: fc.integer({ min: 0, max: 1 }),
});

/** Runs the conformance suite against storages made by `fixture`. */
export function testCacheStorage(name: string, fixture: () => Promise<CacheStorageFixture>): void {
  describe(`cache storage conformance: ${name}`, () => {
    let f: CacheStorageFixture;
    let storage: CacheStorage;
    beforeEach(async () => {
      f = await fixture();
      storage = f.open();
    });
    afterEach(async () => {
      await f.cleanup?.();
    });

    it("round trip: any id, bytes and record fields come back whole, from this and another instance", async () => {
      const other = f.open();
      await fc.assert(
        fc.asyncProperty(
          entryId,
          fc.uint8Array({ maxLength: 3000 }),
          fc.option(fc.string({ maxLength: 20 }), { nil: undefined }),
          fc.option(fc.constantFrom("application/json", "text/csv; charset=utf-8"), { nil: undefined }),
          async (id, data, etag, contentType) => {
            const extra: Partial<CacheRecord> = {};
            if (etag !== undefined) extra.etag = etag;
            if (contentType !== undefined) extra.contentType = contentType;
            const record = await recordOf(id, data, extra);
            expect(await storage.write(record, data, await storage.generation(id))).toBe(true);
            for (const reader of [storage, other]) {
              const entry = await reader.read(id);
              expect(entry?.record).toEqual(record);
              expect(entry?.data).toEqual(data);
              expect(await reader.readRecord(id)).toEqual(record);
            }
          },
        ),
        { numRuns: 40 },
      );
    });

    it("a bytes view is stored as its own bytes only", async () => {
      const buffer = bytes("0123456789");
      const view = buffer.subarray(2, 5);
      const record = await recordOf("view", view);
      expect(await storage.write(record, view, await storage.generation("view"))).toBe(true);
      expect(text((await storage.read("view"))?.data ?? new Uint8Array())).toBe("234");
    });

    it("missing ids read as undefined; an empty location lists nothing", async () => {
      expect(await storage.read("nothing")).toBeUndefined();
      expect(await storage.readRecord("nothing")).toBeUndefined();
      expect(await collect(storage)).toEqual([]);
    });

    it("records() lists committed entries only, and readRecord answers without checking the bytes", async () => {
      const a = await put(storage, "a", "alpha");
      await put(storage, "b", "beta");
      await put(storage, "c", "gamma");
      await storage.invalidate("b");
      await storage.delete("c");
      const stale = await storage.generation("d");
      await storage.invalidate("d");
      expect(await storage.write(await recordOf("d", bytes("delta")), bytes("delta"), stale)).toBe(false);
      expect(await collect(storage)).toEqual([a]);
      expect(await collect(f.open())).toEqual([a]);
      // A changed byte is found only by reading the bytes: the record alone still answers.
      await f.damage("a", "flip");
      expect(await storage.readRecord("a")).toEqual(a);
    });

    for (const how of ["flip", "truncate"] as const) {
      it(`an entry with ${how === "flip" ? "a changed byte" : "its last byte gone"} is removed and reported missing`, async () => {
        await put(storage, "k", "some cached bytes");
        await put(storage, "other", "untouched");
        expect(await storage.read("k")).toBeDefined(); // checked once, then damaged
        await f.damage("k", how);
        expect(await f.open().read("k")).toBeUndefined();
        expect(await storage.read("k")).toBeUndefined();
        expect(await storage.readRecord("k")).toBeUndefined();
        expect((await collect(storage)).map((r) => r.id)).toEqual(["other"]);
        expect(text((await storage.read("other"))?.data ?? new Uint8Array())).toBe("untouched");
        // The id is usable again at once.
        await put(storage, "k", "fetched again");
        expect(text((await storage.read("k"))?.data ?? new Uint8Array())).toBe("fetched again");
      });
    }

    it("the generation persists, changes on every invalidation, and never comes back", async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.constantFrom("invalidate", "delete", "write"), { minLength: 1, maxLength: 8 }),
          fc.integer({ min: 0, max: 1 }),
          async (steps, via) => {
            const id = `gen-${Math.random()}`;
            const instances = [storage, f.open()];
            const seen = [await storage.generation(id)];
            for (const step of steps) {
              const actor = instances[via] as CacheStorage;
              const before = await actor.generation(id);
              if (step === "invalidate") await actor.invalidate(id);
              else if (step === "delete") await actor.delete(id);
              else await put(actor, id, step);
              const after = await (instances[1 - via] as CacheStorage).generation(id);
              if (step === "invalidate") {
                expect(seen).not.toContain(after);
                seen.push(after);
              } else {
                expect(after).toBe(before);
              }
            }
            expect(await f.open().generation(id)).toBe(seen.at(-1));
          },
        ),
        { numRuns: 25 },
      );
    });

    it("a write with a stale generation stores nothing; with the new one it stores", async () => {
      const old = await put(storage, "k", "old");
      const since = await storage.generation("k");
      await storage.invalidate("k");
      expect(await storage.read("k")).toBeUndefined();
      expect(await storage.write(old, bytes("old"), since)).toBe(false);
      expect(await storage.read("k")).toBeUndefined();
      expect(await collect(storage)).toEqual([]);
      await put(storage, "k", "new");
      expect(text((await storage.read("k"))?.data ?? new Uint8Array())).toBe("new");
    });

    it("an invalidation from a second instance defeats a fill in flight", async () => {
      const second = f.open();
      await put(storage, "k", "before");
      const since = await storage.generation("k");
      // ...the download happens here, while another tab or process writes the object...
      await second.invalidate("k");
      expect(await storage.write(await recordOf("k", bytes("downloaded")), bytes("downloaded"), since)).toBe(
        false,
      );
      expect(await storage.read("k")).toBeUndefined();
      expect(await second.read("k")).toBeUndefined();
    });

    it("interleaved fills, invalidations and reads on two instances: no read serves a fill an invalidation overtook", async () => {
      let run = 0;
      await fc.assert(
        fc.asyncProperty(fc.scheduler(), fc.array(op, { minLength: 2, maxLength: 10 }), async (s, ops) => {
          const id = `raced-${run++}`;
          const instances = [storage, f.open()];
          let events = 0;
          const fills: {
            value: string;
            genStart: number;
            genEnd: number;
            writeStart: number;
            end: number;
            stored: boolean;
          }[] = [];
          const invalidations: { start: number; end: number }[] = [];
          const reads: { start: number; value: string | undefined }[] = [];
          const tasks = ops.map(async (o, i) => {
            await s.schedule(Promise.resolve(), `start ${o.kind} #${i} via ${o.via}`);
            const actor = instances[o.via] as CacheStorage;
            if (o.kind === "fill") {
              const value = `fill #${i}`;
              const genStart = ++events;
              const since = await actor.generation(id);
              const genEnd = ++events;
              await s.schedule(Promise.resolve(), `fill #${i} downloaded`);
              const writeStart = ++events;
              const stored = await actor.write(await recordOf(id, bytes(value)), bytes(value), since);
              fills.push({ value, genStart, genEnd, writeStart, end: ++events, stored });
            } else if (o.kind === "invalidate") {
              const start = ++events;
              await actor.invalidate(id);
              invalidations.push({ start, end: ++events });
            } else {
              const start = ++events;
              const entry = await actor.read(id);
              reads.push({ start, value: entry ? text(entry.data) : undefined });
            }
          });
          await s.waitFor(Promise.all(tasks), async (step) => {
            await new Promise((resolve) => setTimeout(resolve, 1));
            await step();
          });
          const final = await f.open().read(id);
          reads.push({ start: ++events, value: final ? text(final.data) : undefined });
          for (const fill of fills) {
            const overtaking = invalidations.filter((inv) => inv.start > fill.genEnd);
            // Written after an invalidation that began after its generation was read: refused.
            if (overtaking.some((inv) => inv.end < fill.writeStart))
              expect(fill.stored, fill.value).toBe(false);
            // Nothing invalidated around it and no other write beside it (the last of two may win): stored.
            const alone = fills.every(
              (other) => other === fill || other.end < fill.writeStart || other.writeStart > fill.end,
            );
            if (alone && invalidations.every((inv) => inv.end < fill.genStart || inv.start > fill.end)) {
              expect(fill.stored, fill.value).toBe(true);
            }
          }
          for (const read of reads) {
            if (read.value === undefined) continue;
            const fill = fills.find((candidate) => candidate.value === read.value);
            expect(fill, `read ${read.value}`).toBeDefined();
            const overtook = invalidations.find(
              (inv) => fill && inv.start > fill.genEnd && inv.end < read.start,
            );
            expect(overtook, `${read.value} read at ${read.start} after an invalidation`).toBeUndefined();
          }
        }),
        { numRuns: 40 },
      );
    });

    it("updateRecord renews an entry holding the same bytes, and nothing else", async () => {
      const record = await put(storage, "k", "same bytes");
      const renewed = { ...record, validatedAt: record.validatedAt + 5000 };
      await f.open().updateRecord(renewed);
      expect(await storage.readRecord("k")).toEqual(renewed);
      expect((await storage.read("k"))?.record).toEqual(renewed);
      // Other bytes (another checksum, size or ETag) in the record: the renewal is a late one, ignored.
      const other = await recordOf("k", bytes("other bytes!"), { validatedAt: record.validatedAt + 9000 });
      await storage.updateRecord(other);
      await storage.updateRecord({ ...renewed, etag: '"changed"', validatedAt: 1 });
      expect(await storage.readRecord("k")).toEqual(renewed);
      // Nothing stored: nothing created.
      await storage.updateRecord(await recordOf("absent", bytes("x")));
      expect(await storage.readRecord("absent")).toBeUndefined();
      // Replaced meanwhile by other bytes: the older entry's renewal does not touch the new one.
      const replaced = await put(storage, "k", "replaced");
      await storage.updateRecord({ ...record, validatedAt: record.validatedAt + 7000 });
      expect(await storage.readRecord("k")).toEqual(replaced);
    });

    it("delete removes the entry and keeps the generation, so a fill begun before it still stores", async () => {
      await put(storage, "k", "v");
      const since = await storage.generation("k");
      await f.open().delete("k");
      await storage.delete("k"); // nothing there is fine
      expect(await storage.read("k")).toBeUndefined();
      expect(await storage.generation("k")).toBe(since);
      expect(await storage.write(await recordOf("k", bytes("refetched")), bytes("refetched"), since)).toBe(
        true,
      );
      expect(text((await f.open().read("k"))?.data ?? new Uint8Array())).toBe("refetched");
    });
  });
}
