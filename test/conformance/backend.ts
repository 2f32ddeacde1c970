/**
 * The backend conformance suite: one set of behaviours every backend must show. Each backend's test
 * file calls `testBackend(name, factory)` and then adds its own cases. Cases that need a capability
 * (ranges, writes, conditional writes) run only where the backend declares it.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  type Backend,
  type CommonPrefix,
  collectStream,
  isAutoStoreError,
  isCommonPrefix,
  type ListedObject,
  type ListOptions,
} from "../../src/core/index.js";

/** A fresh, empty backend for one test, and how to clean it up. */
export interface BackendFixture {
  backend: Backend;
  cleanup?: () => Promise<void>;
}

const bytes = (text: string) => new TextEncoder().encode(text);
const text = (data: Uint8Array) => new TextDecoder().decode(data);

async function listAll(backend: Backend, prefix: string, options?: ListOptions): Promise<string[]> {
  const out: string[] = [];
  for await (const entry of backend.list(prefix, options))
    out.push(isCommonPrefix(entry) ? entry.prefix : entry.key);
  return out;
}

async function listEntries(
  backend: Backend,
  prefix: string,
  options?: ListOptions,
): Promise<Array<ListedObject | CommonPrefix>> {
  const out: Array<ListedObject | CommonPrefix> = [];
  for await (const entry of backend.list(prefix, options)) out.push(entry);
  return out;
}

async function expectCode(
  promise: Promise<unknown>,
  code: Parameters<typeof isAutoStoreError>[1],
): Promise<void> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, `expected ${code}`).toBeDefined();
  if (!isAutoStoreError(err, code as "KEY_NOT_FOUND")) throw err;
}

function streamOf(...chunks: string[]): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(bytes(chunk));
      controller.close();
    },
  });
}

/** Runs the conformance suite against a backend made fresh for every test by `factory`. */
export function testBackend(name: string, factory: () => Promise<BackendFixture>): void {
  describe(`backend conformance: ${name}`, () => {
    let fixture: BackendFixture;
    let backend: Backend;

    beforeEach(async () => {
      fixture = await factory();
      backend = fixture.backend;
    });
    afterEach(async () => {
      await fixture.cleanup?.();
    });

    const writable = () => backend.capabilities.writable;

    it("writes, reads and heads an object", async ({ skip }) => {
      if (!writable()) skip();
      const written = await backend.write("a/b.txt", bytes("hello"));
      expect(written.key).toBe("a/b.txt");
      expect(written.size).toBe(5);
      const result = await backend.read("a/b.txt");
      expect(result.notModified).toBe(false);
      expect(result.meta.size).toBe(5);
      expect(text(await result.bytes())).toBe("hello");
      const meta = await backend.head("a/b.txt");
      expect(meta.size).toBe(5);
      expect(meta.modifiedTime).toBeInstanceOf(Date);
      expect(Number.isNaN(meta.modifiedTime.getTime())).toBe(false);
      expect(meta.etag).toBeTruthy();
      expect(backend.uri("a/b.txt").startsWith(backend.root)).toBe(true);
    });

    it("stores empty objects", async ({ skip }) => {
      if (!writable()) skip();
      await backend.write("empty.bin", new Uint8Array(0));
      expect((await backend.head("empty.bin")).size).toBe(0);
      expect((await (await backend.read("empty.bin")).bytes()).length).toBe(0);
    });

    it("changes the ETag when the content changes", async ({ skip }) => {
      if (!writable()) skip();
      await backend.write("v.txt", bytes("one"));
      const first = (await backend.head("v.txt")).etag;
      await backend.write("v.txt", bytes("two!"));
      const second = (await backend.head("v.txt")).etag;
      expect(second).not.toBe(first);
      expect(text(await (await backend.read("v.txt")).bytes())).toBe("two!");
    });

    it("throws KeyNotFoundError for a missing key from read, head, delete and copy", async () => {
      await expectCode(backend.read("missing/x.json"), "KEY_NOT_FOUND");
      await expectCode(backend.head("missing/x.json"), "KEY_NOT_FOUND");
      if (writable()) {
        await expectCode(backend.delete("missing/x.json"), "KEY_NOT_FOUND");
        await expectCode(backend.copy("missing/x.json", "y.json"), "KEY_NOT_FOUND");
      }
    });

    it("writes from a stream and reads as a stream", async ({ skip }) => {
      if (!writable()) skip();
      const meta = await backend.write("s/streamed.txt", streamOf("ab", "cd", "ef"), { size: 6 });
      expect(meta.size).toBe(6);
      const result = await backend.read("s/streamed.txt");
      expect(text(await collectStream(result.stream()))).toBe("abcdef");
    });

    it("reports progress on writes", async ({ skip }) => {
      if (!writable()) skip();
      const seen: number[] = [];
      await backend.write("p.bin", new Uint8Array(1000), { onProgress: (p) => seen.push(p.loaded) });
      expect(seen.at(-1)).toBe(1000);
    });

    it("reads byte ranges: offset and length, offset to end, suffix, past the end", async ({ skip }) => {
      if (!writable()) skip();
      await backend.write("r.txt", bytes("0123456789"));
      const read = async (range: Parameters<Backend["read"]>[1]) =>
        text(await (await backend.read("r.txt", range)).bytes());
      expect(await read({ range: { offset: 2, length: 3 } })).toBe("234");
      expect(await read({ range: { offset: 7 } })).toBe("789");
      expect(await read({ range: { suffix: 4 } })).toBe("6789");
      expect(await read({ range: { offset: 8, length: 100 } })).toBe("89");
      const ranged = await backend.read("r.txt", { range: { offset: 2, length: 3 } });
      expect(ranged.meta.size).toBe(10);
      expect(ranged.range).toEqual({ start: 2, end: 5 });
    });

    it("answers a conditional read whose ETag still matches with notModified", async ({ skip }) => {
      if (!writable()) skip();
      const { etag } = await backend.write("c.json", bytes("{}"));
      const again = await backend.read("c.json", { ifNoneMatch: etag });
      expect(again.notModified).toBe(true);
      await backend.write("c.json", bytes('{"a":1}'));
      const changed = await backend.read("c.json", { ifNoneMatch: etag });
      expect(changed.notModified).toBe(false);
      expect(text(await changed.bytes())).toBe('{"a":1}');
    });

    it("lists by string prefix, in lexicographic order, with and without a delimiter", async ({ skip }) => {
      if (!writable()) skip();
      for (const key of ["a/b.json", "a/b/c.json", "a/bc.json", "a/b/d/e.json", "a-z.txt", "z.txt"]) {
        await backend.write(key, bytes(key));
      }
      expect(await listAll(backend, "")).toEqual([
        "a-z.txt",
        "a/b.json",
        "a/b/c.json",
        "a/b/d/e.json",
        "a/bc.json",
        "z.txt",
      ]);
      expect(await listAll(backend, "a/b")).toEqual(["a/b.json", "a/b/c.json", "a/b/d/e.json", "a/bc.json"]);
      expect(await listAll(backend, "a/b/")).toEqual(["a/b/c.json", "a/b/d/e.json"]);
      expect(await listAll(backend, "a/b", { delimiter: true })).toEqual(["a/b.json", "a/b/", "a/bc.json"]);
      expect(await listAll(backend, "", { delimiter: true })).toEqual(["a-z.txt", "a/", "z.txt"]);
      expect(await listAll(backend, "nothing/")).toEqual([]);
    });

    it("fills size and time when a listing asks for metadata", async ({ skip }) => {
      if (!writable()) skip();
      await backend.write("m/one.bin", new Uint8Array(3));
      const [entry] = await listEntries(backend, "m/", { metadata: true });
      expect(entry && !isCommonPrefix(entry) && entry.size).toBe(3);
      expect(entry && !isCommonPrefix(entry) && entry.modifiedTime).toBeInstanceOf(Date);
    });

    it("has a folder exactly while an object lies under it", async ({ skip }) => {
      if (!writable()) skip();
      await backend.write("dir/sub/only.txt", bytes("x"));
      expect(await listAll(backend, "dir/", { delimiter: true })).toEqual(["dir/sub/"]);
      await backend.delete("dir/sub/only.txt");
      expect(await listAll(backend, "dir/", { delimiter: true })).toEqual([]);
      expect(await listAll(backend, "", { delimiter: true })).toEqual([]);
    });

    it("copies within the backend and leaves the source", async ({ skip }) => {
      if (!writable()) skip();
      await backend.write("src/x.txt", bytes("copy me"));
      const meta = await backend.copy("src/x.txt", "dst/y.txt");
      expect(meta.key).toBe("dst/y.txt");
      expect(text(await (await backend.read("dst/y.txt")).bytes())).toBe("copy me");
      expect(text(await (await backend.read("src/x.txt")).bytes())).toBe("copy me");
    });

    it("deletes", async ({ skip }) => {
      if (!writable()) skip();
      await backend.write("gone.txt", bytes("x"));
      await backend.delete("gone.txt");
      await expectCode(backend.head("gone.txt"), "KEY_NOT_FOUND");
    });

    it("keeps keys with spaces, unicode and punctuation", async ({ skip }) => {
      if (!writable()) skip();
      const keys = ["sp ace/a b.txt", "ünï/ç😀.txt", "p/+=&$,;:@#?.txt", "p/it's (1)[2].txt"];
      for (const key of keys) await backend.write(key, bytes(key));
      for (const key of keys) expect(text(await (await backend.read(key)).bytes())).toBe(key);
      const listed = await listAll(backend, "");
      for (const key of keys) expect(listed).toContain(key);
      await backend.copy("p/+=&$,;:@#?.txt", "p/copy +=&.txt");
      expect(text(await (await backend.read("p/copy +=&.txt")).bytes())).toBe("p/+=&$,;:@#?.txt");
    });

    it("refuses to create over an existing key in create mode", async ({ skip }) => {
      if (!writable() || !backend.capabilities.conditionalWrite) skip();
      await backend.write("once.txt", bytes("first"), { mode: "create" });
      const err = await backend
        .write("once.txt", bytes("second"), { mode: "create" })
        .catch((e: unknown) => e);
      expect(isAutoStoreError(err)).toBe(true);
      expect(text(await (await backend.read("once.txt")).bytes())).toBe("first");
    });

    it("rejects with the abort reason when the signal is already aborted", async ({ skip }) => {
      if (!writable()) skip();
      const controller = new AbortController();
      controller.abort();
      await expect(
        backend.write("abort.txt", bytes("x"), { signal: controller.signal }),
      ).rejects.toMatchObject({
        name: "AbortError",
      });
      await expect(backend.read("abort.txt", { signal: controller.signal })).rejects.toMatchObject({
        name: "AbortError",
      });
    });

    it("refuses writes with ReadOnlyError when it is not writable", async ({ skip }) => {
      if (writable()) skip();
      await expectCode(backend.write("x.txt", bytes("x")), "READ_ONLY");
    });
  });
}
