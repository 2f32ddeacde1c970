/**
 * The store conformance suite: AutoStore's dictionary behaviour over one backend. Each backend's
 * test file calls `testStore(name, factory)` with a fresh, empty store per test.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { type AutoStore, isAutoStoreError, type Progress } from "../../src/core/index.js";
import { testWriters } from "./writers.js";

/** A fresh, empty store for one test, and how to clean it up. */
export interface StoreFixture {
  store: AutoStore;
  cleanup?: () => Promise<void>;
}

async function collect(iterable: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

async function errorOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error("expected a rejection");
    },
    (err: unknown) => err,
  );
}

/**
 * Runs the store conformance suite against stores made fresh for every test by `factory`.
 * `propertyRuns` bounds the generated cases of property-based tests (fewer for slow backends).
 */
export function testStore(
  name: string,
  factory: () => Promise<StoreFixture>,
  options: { propertyRuns?: number } = {},
): void {
  describe(`store conformance: ${name}`, () => {
    let fixture: StoreFixture;
    let store: AutoStore;

    beforeEach(async () => {
      fixture = await factory();
      store = fixture.store;
    });
    afterEach(async () => {
      await fixture.cleanup?.();
    });

    it("writes bare keys with the extension of the value's format, and reads them back", async () => {
      expect(await store.set("config", { key: "value" })).toBe("config.json");
      expect(await store.set("logs", [{ event: "start" }, { event: "stop" }])).toBe("logs.jsonl");
      expect(await store.set("note", "hello")).toBe("note.txt");
      expect(await store.set("blob", new Uint8Array([1, 2, 3]))).toBe("blob.bin");
      expect(await store.set("map", new Map([["a", 1]]))).toBe("map.cbor");
      expect(await store.set("empty-list", [])).toBe("empty-list.json");
      expect(await store.get("config")).toEqual({ key: "value" });
      expect(await store.get("logs")).toEqual([{ event: "start" }, { event: "stop" }]);
      expect(await store.get("note")).toBe("hello");
      expect(await store.get("blob")).toEqual(new Uint8Array([1, 2, 3]));
      expect(await store.get("map")).toEqual(new Map([["a", 1]]));
      expect(await store.get("empty-list")).toEqual([]);
    });

    it("round-trips what JSON would change through CBOR", async () => {
      const value = {
        when: new Date(1_700_000_000_000),
        big: 12345678901234567890n,
        set: new Set([1, 2]),
        floats: new Float32Array([1.5, -2]),
        nan: Number.NaN,
        missing: undefined,
        nested: new Map<unknown, unknown>([[1, { deep: [new Date(0)] }]]),
      };
      expect(await store.set("odd", value)).toBe("odd.cbor");
      expect(await store.get("odd")).toEqual(value);
    });

    it("writes a key with a known extension in that format", async () => {
      expect(await store.set("settings.yaml", { debug: true, name: "x" })).toBe("settings.yaml");
      expect(await store.set("page.md", "# Title")).toBe("page.md");
      expect(await store.get("settings.yaml")).toEqual({ debug: true, name: "x" });
      expect(await store.get("settings")).toEqual({ debug: true, name: "x" });
      expect(await store.get("page")).toBe("# Title");
    });

    it("forces a format with the format option", async () => {
      expect(await store.set("forced", { a: 1 }, { format: "yaml" })).toBe("forced.yaml");
      expect(await store.get("forced.yaml", { format: "txt" })).toBe("a: 1\n");
    });

    it("reads compound Python extensions as JSON", async () => {
      await store.set("model.pydantic.json", { name: "m", size: 3 });
      expect(await store.get("model")).toEqual({ name: "m", size: 3 });
      const schema = z.object({ name: z.string(), size: z.number() });
      expect(await store.get("model", { schema })).toEqual({ name: "m", size: 3 });
      const strict = z.object({ name: z.number() });
      const err = await errorOf(store.get("model", { schema: strict }));
      expect(isAutoStoreError(err, "SCHEMA_VALIDATION")).toBe(true);
    });

    it("validates with a schema before writing, and writes nothing on failure", async () => {
      const schema = z.object({ port: z.number().int() });
      await store.set("server", { port: 8080 }, { schema });
      const err = await errorOf(store.set("server", { port: "eighty" }, { schema }));
      expect(isAutoStoreError(err, "SCHEMA_VALIDATION")).toBe(true);
      expect(await store.get("server")).toEqual({ port: 8080 });
    });

    it("refuses an ambiguous bare key, naming every candidate", async () => {
      await store.set("config.json", { a: 1 });
      await store.set("config.yaml", { a: 2 });
      const err = await errorOf(store.get("config"));
      expect(isAutoStoreError(err, "AMBIGUOUS_KEY")).toBe(true);
      if (isAutoStoreError(err, "AMBIGUOUS_KEY")) {
        expect([...err.candidates].sort()).toEqual(["config.json", "config.yaml"]);
      }
      expect(await store.get("config.yaml")).toEqual({ a: 2 });
    });

    it("replaces other representations when a bare key is written again", async () => {
      await store.set("thing", "as text");
      await store.set("thing.yaml", { as: "yaml" });
      expect(await store.set("thing", { as: "json" })).toBe("thing.json");
      expect(await collect(store.listFiles("thing*"))).toEqual(["thing.json"]);
      expect(await store.get("thing")).toEqual({ as: "json" });
    });

    it("does not confuse keys that share a prefix", async () => {
      await store.set("a", 1);
      await store.set("a.b", 2);
      await store.set("ab", 3);
      await store.set("a/c", 4);
      expect(await store.get("a")).toBe(1);
      expect(await store.get("a.b")).toBe(2);
      expect(await store.get("ab")).toBe(3);
      expect(await store.get("a/c")).toBe(4);
      await store.set("a", "now text");
      expect(await store.get("a.b")).toBe(2);
      expect(await store.get("a")).toBe("now text");
    });

    it("raises KeyNotFoundError for missing keys, with the key and URI", async () => {
      for (const key of ["nope", "nope.json", "deep/er/nope"]) {
        const err = await errorOf(store.get(key));
        expect(isAutoStoreError(err, "KEY_NOT_FOUND")).toBe(true);
        if (isAutoStoreError(err)) expect(err.message).toContain("nope");
      }
      expect(isAutoStoreError(await errorOf(store.delete("nope")), "KEY_NOT_FOUND")).toBe(true);
      expect(isAutoStoreError(await errorOf(store.getMetadata("nope")), "KEY_NOT_FOUND")).toBe(true);
    });

    it("answers has() for bare keys, full file names and folders", async () => {
      await store.set("dir/item", { x: 1 });
      expect(await store.has("dir/item")).toBe(true);
      expect(await store.has("dir/item.json")).toBe(true);
      expect(await store.has("dir/item.yaml")).toBe(false);
      expect(await store.has("dir/")).toBe(true);
      expect(await store.has("dir/other")).toBe(false);
      expect(await store.has("other/")).toBe(false);
    });

    it("deletes every representation of a bare key, and folders with a trailing slash", async () => {
      await store.set("d.json", 1);
      await store.set("d.txt", "x");
      await store.delete("d");
      expect(await store.has("d")).toBe(false);
      await store.set("tree/a", 1);
      await store.set("tree/b/c", 2);
      await store.delete("tree/");
      expect(await collect(store.keys("tree/"))).toEqual([]);
    });

    it("lists keys without extensions, each once, under a prefix", async () => {
      await store.set("k/one", 1);
      await store.set("k/two.yaml", { a: 1 });
      await store.set("k/two.json", { a: 1 });
      await store.set("k/sub/three", "x");
      await store.set("other", 1);
      expect((await collect(store.keys())).sort()).toEqual(["k/one", "k/sub/three", "k/two", "other"]);
      expect((await collect(store.keys("k/"))).sort()).toEqual(["k/one", "k/sub/three", "k/two"]);
    });

    it("lists only keys that read back: a file with an upper-case extension is a key of its own", async () => {
      expect(await store.set("UPPER.JSON", { a: 1 })).toBe("UPPER.JSON");
      await store.set("raw.BIN", new Uint8Array([1]));
      await store.set("lower", { b: 2 });
      const keys = (await collect(store.keys())).sort();
      expect(keys).toEqual(["UPPER.JSON", "lower", "raw.BIN"]);
      for (const key of keys) {
        expect(await store.has(key)).toBe(true);
        await store.get(key);
      }
      await store.delete("UPPER.JSON");
      expect(await collect(store.keys())).not.toContain("UPPER.JSON");
    });

    it("lists files by glob, within and across segments", async () => {
      for (const key of [
        "data/2024/jan.json",
        "data/2024/feb.json",
        "data/2024/q1/mar.json",
        "data/2023/x.csv",
      ]) {
        await store.set(key, key.endsWith(".csv") ? "a,b\n1,2\n" : { key });
      }
      expect((await collect(store.listFiles("data/2024/*.json"))).sort()).toEqual([
        "data/2024/feb.json",
        "data/2024/jan.json",
      ]);
      expect((await collect(store.listFiles("data/**/*.json"))).sort()).toEqual([
        "data/2024/feb.json",
        "data/2024/jan.json",
        "data/2024/q1/mar.json",
      ]);
      expect((await collect(store.listFiles("data/2024/*", { recursive: true }))).sort()).toEqual([
        "data/2024/feb.json",
        "data/2024/jan.json",
        "data/2024/q1/mar.json",
      ]);
      expect(await collect(store.listFiles("data/202[3]/?.csv"))).toEqual(["data/2023/x.csv"]);
      expect((await collect(store.listFiles())).length).toBe(4);
    });

    it("gives file metadata", async () => {
      await store.set("meta/file", { hello: "world" });
      const meta = await store.getMetadata("meta/file");
      expect(meta.key).toBe("meta/file.json");
      expect(meta.size).toBe(JSON.stringify({ hello: "world" }).length);
      expect(meta.modifiedTime).toBeInstanceOf(Date);
      expect(meta.uri).toContain("meta/file.json");
      expect(meta.contentType).toBe("application/json");
    });

    it("copies and moves, keeping the source's extension for a bare destination", async () => {
      await store.set("original", { v: 1 });
      expect(await store.copy("original", "backup")).toBe("backup.json");
      expect(await store.get("backup")).toEqual({ v: 1 });
      expect(await store.get("original")).toEqual({ v: 1 });
      expect(await store.move("original", "moved/permanent")).toBe("moved/permanent.json");
      expect(await store.has("original")).toBe(false);
      expect(await store.get("moved/permanent")).toEqual({ v: 1 });
    });

    it("keeps a file copied or moved onto itself, by its key or by its full URI", async () => {
      await store.set("same.json", { v: 1 });
      const uri = store.primaryBackend.uri("same.json");
      for (const [src, dst] of [
        ["same.json", "same.json"],
        ["same", "same"],
        ["same", "same.json"],
        ["same.json", uri],
        [uri, "same.json"],
      ] as const) {
        await store.copy(src, dst);
        expect(await store.get("same")).toEqual({ v: 1 });
        await store.move(src, dst);
        expect(await store.get("same")).toEqual({ v: 1 });
      }
      const files: string[] = [];
      for await (const file of store.listFiles()) files.push(file);
      expect(files).toEqual(["same.json"]);
    });

    it("reports the end of each read and write exactly once, empty values included", async () => {
      type Run = (onProgress: (progress: Progress) => void) => Promise<unknown>;
      const ends = async (run: Run) => {
        const events: Progress[] = [];
        await run((progress) => events.push({ ...progress }));
        return events.filter((e) => e.loaded === e.total);
      };
      for (const size of [0, 10]) {
        const end = [{ loaded: size, total: size }];
        const bytes = new Uint8Array(size);
        const text = "x".repeat(size);
        const path = (name: string) => store.path(`progress/${size}/${name}`);
        expect(await ends((onProgress) => store.set(`p${size}.bin`, bytes, { onProgress }))).toEqual(end);
        expect(await ends((onProgress) => store.get(`p${size}.bin`, { onProgress }))).toEqual(end);
        expect(
          await ends((onProgress) => store.copy(`p${size}.bin`, `c${size}.bin`, { onProgress })),
        ).toEqual(end);
        expect(
          await ends((onProgress) => store.move(`c${size}.bin`, `m${size}.bin`, { onProgress })),
        ).toEqual(end);
        expect(await ends((onProgress) => path("w.bin").writeBytes(bytes, { onProgress }))).toEqual(end);
        expect(await ends((onProgress) => path("w.bin").readBytes({ onProgress }))).toEqual(end);
        expect(await ends((onProgress) => path("w.txt").writeText(text, { onProgress }))).toEqual(end);
        expect(await ends((onProgress) => path("w.txt").readText({ onProgress }))).toEqual(end);
        expect(await ends((onProgress) => path("s.bin").save(bytes, { onProgress }))).toEqual(end);
        expect(await ends((onProgress) => path("s.bin").load({ onProgress }))).toEqual(end);
      }
    });

    it("turns a corrupt file into a DecodeError naming file and format, and keeps working", async () => {
      await store.set("broken.json", "{ not json", { format: "txt" });
      const err = await errorOf(store.get("broken.json"));
      expect(isAutoStoreError(err, "DECODE_ERROR")).toBe(true);
      if (isAutoStoreError(err, "DECODE_ERROR")) {
        expect(err.message).toContain("broken.json");
        expect(err.format).toBe("json");
        expect(err.cause).toBeDefined();
      }
      await store.set("fine", { ok: true });
      expect(await store.get("fine")).toEqual({ ok: true });
    });

    it("refuses pickles with the reason and an alternative", async () => {
      const err = await errorOf(store.set("model.pkl", { a: 1 }));
      expect(isAutoStoreError(err, "UNSUPPORTED_FORMAT")).toBe(true);
      expect(String(err)).toMatch(/runs arbitrary Python code/);
    });

    it("names the key when no format can hold a value, or a format is unknown", async () => {
      const noFormat = await errorOf(store.set("fn", () => 1));
      expect(isAutoStoreError(noFormat, "UNSUPPORTED_FORMAT")).toBe(true);
      if (isAutoStoreError(noFormat)) expect(noFormat.key).toBe("fn");
      const unknown = await errorOf(store.get("fn", { format: "docx" }));
      expect(isAutoStoreError(unknown, "UNSUPPORTED_FORMAT")).toBe(true);
      expect(String(unknown)).toContain("fn");
      expect(await collect(store.keys())).toEqual([]);
    });

    it("refuses invalid keys before any I/O", async () => {
      for (const key of [
        "",
        "../x",
        "a/../../x",
        "/etc/passwd",
        "a\\b",
        "a\u0000b",
        "a\nb",
        "a//b",
        "x".repeat(1025),
      ]) {
        expect(isAutoStoreError(await errorOf(store.set(key, 1)), "INVALID_KEY"), JSON.stringify(key)).toBe(
          true,
        );
        expect(isAutoStoreError(await errorOf(store.get(key)), "INVALID_KEY"), JSON.stringify(key)).toBe(
          true,
        );
      }
      expect(await collect(store.keys())).toEqual([]);
    });

    testWriters(() => store, options.propertyRuns ?? 60);
  });
}
