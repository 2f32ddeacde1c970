/**
 * What the OPFS backend promises beyond the conformance suites: real files with their extensions in
 * real OPFS folders, whole values after an aborted write, typed errors, and `create` writes that
 * exclude each other across backends.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  AutoPath,
  AutoStore,
  collectStream,
  isAutoStoreError,
  KeyNotFoundError,
  OpfsBackend,
  TEMP_PREFIX,
} from "../../src/browser/index.js";
import { opfsFile, opfsFolder, opfsNames } from "./opfs-fixture.js";

const bytes = (text: string) => new TextEncoder().encode(text);

let folder: Awaited<ReturnType<typeof opfsFolder>>;
let store: AutoStore;

beforeEach(async () => {
  folder = await opfsFolder("files");
  store = new AutoStore(`opfs://${folder.name}`);
});
afterEach(async () => {
  await folder.remove();
});

describe("OPFS files", () => {
  it("stores a value as a file with its extension, found through navigator.storage, and deletes it", async () => {
    expect(await store.set("obj", { a: 1 })).toBe("obj.json");
    const file = await opfsFile(`${folder.name}/obj.json`);
    expect(file).toBeDefined();
    expect(JSON.parse(await (file as File).text())).toEqual({ a: 1 });
    await store.delete("obj");
    expect(await opfsFile(`${folder.name}/obj.json`)).toBeUndefined();
  });

  it("makes nested folders for nested keys, and a bare root names an OPFS folder", async () => {
    const bare = new AutoStore(folder.name);
    await bare.set("a/b/c", "deep");
    expect(await (await opfsFile(`${folder.name}/a/b/c.txt`))?.text()).toBe("deep");
    expect(await opfsNames(`${folder.name}/a`)).toEqual(["b"]);
    expect(await store.get("a/b/c")).toBe("deep");
  });

  it("names a missing key in its KeyNotFoundError", async () => {
    const err = await store.get("missing-key").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KeyNotFoundError);
    expect((err as KeyNotFoundError).key).toBe("missing-key");
    expect((err as Error).message).toContain("missing-key");
    const direct = await new OpfsBackend(folder.name).read("nope.json").catch((e: unknown) => e);
    expect(isAutoStoreError(direct, "KEY_NOT_FOUND")).toBe(true);
    expect((direct as KeyNotFoundError).key).toBe("nope.json");
  });

  it("keeps the old value whole when a streamed write is aborted mid-stream", async () => {
    await store.set("obj", { a: 1 });
    const backend = new OpfsBackend(folder.name);
    const controller = new AbortController();
    let pulls = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(stream) {
        pulls++;
        if (pulls === 1) stream.enqueue(bytes('{"b":'));
        else if (pulls === 2) controller.abort(new DOMException("stop", "AbortError"));
        // then it stalls: only the signal can end the write
      },
    });
    const err = await backend.write("obj.json", body, { signal: controller.signal }).catch((e: unknown) => e);
    expect((err as Error).name).toBe("AbortError");
    expect(pulls).toBeGreaterThanOrEqual(2);
    expect(await store.get("obj")).toEqual({ a: 1 });
    // Nothing of the aborted write stays (Chromium drops a writable's swap file a moment after its abort).
    await expect.poll(() => opfsNames(folder.name)).toEqual(["obj.json"]);
  });

  it("hides temporary files from listings, during a write and after a crash", async () => {
    await store.set("kept", 1);
    const root = await navigator.storage.getDirectory();
    const dir = await root.getDirectoryHandle(folder.name);
    await dir.getFileHandle(`${TEMP_PREFIX}crashed`, { create: true });
    let release = (): void => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const body = new ReadableStream<Uint8Array>({
      async pull(stream) {
        stream.enqueue(bytes("in flight"));
        await gate;
        stream.close();
      },
    });
    const writing = new OpfsBackend(folder.name).write("late.txt", body);
    // The write's temporary file (and its swap file) now stand in the folder.
    await expect.poll(async () => (await opfsNames(folder.name)).length).toBeGreaterThan(2);
    const keys: string[] = [];
    for await (const key of store.keys()) keys.push(key);
    expect(keys).toEqual(["kept"]);
    release();
    await writing;
    const after: string[] = [];
    for await (const file of store.listFiles()) after.push(file);
    expect(after).toEqual(["kept.json", "late.txt"]);
  });

  it("turns a QuotaExceededError into a typed error naming the key, and keeps the old value", async () => {
    await store.set("big", "old");
    // A browser cannot run out of quota on demand: the writable's write fails as a full one would.
    const proto = FileSystemFileHandle.prototype;
    const real = proto.createWritable;
    proto.createWritable = async function (
      this: FileSystemFileHandle,
      options?: FileSystemCreateWritableOptions,
    ) {
      const writable = await real.call(this, options);
      writable.write = async () => {
        throw new DOMException("The quota has been exceeded.", "QuotaExceededError");
      };
      return writable;
    };
    let err: unknown;
    try {
      err = await store.set("big", "a new value").catch((e: unknown) => e);
    } finally {
      proto.createWritable = real;
    }
    expect(isAutoStoreError(err, "BACKEND_ERROR")).toBe(true);
    expect((err as { backendCode?: string }).backendCode).toBe("QuotaExceededError");
    expect((err as Error).message).toContain("big.txt");
    expect((err as Error).message).toMatch(/quota/i);
    expect(await store.get("big")).toBe("old");
    await expect.poll(() => opfsNames(folder.name)).toEqual(["big.txt"]);
  });

  it("lets exactly one of concurrent create-mode writers from separate backends win", async () => {
    for (let round = 0; round < 5; round++) {
      const key = `once-${round}.txt`;
      const writers = Array.from({ length: 6 }, (_, i) =>
        new OpfsBackend(folder.name).write(key, bytes(`writer ${i}`), { mode: "create" }),
      );
      const results = await Promise.allSettled(writers);
      const won = results.flatMap((r, i) => (r.status === "fulfilled" ? [i] : []));
      expect(won).toHaveLength(1);
      for (const r of results) {
        if (r.status === "rejected") expect((r.reason as { status?: number }).status).toBe(412);
      }
      const read = await new OpfsBackend(folder.name).read(key);
      expect(new TextDecoder().decode(await read.bytes())).toBe(`writer ${won[0]}`);
    }
  });

  it("gives every rewrite of a key a new ETag, even of the same size within one millisecond", async () => {
    const backend = new OpfsBackend(folder.name);
    const etags = new Set<string | undefined>();
    // Writers side by side finish their temporary files within one millisecond; their commits follow
    // one another, each replacing the last with a file of the same size.
    for (let round = 0; round < 5; round++) {
      const metas = await Promise.all([0, 1, 2].map((i) => backend.write("same.txt", bytes(`v${i}`))));
      for (const meta of metas) etags.add(meta.etag);
    }
    expect(etags.size).toBe(15);
    const head = await backend.head("same.txt");
    expect(etags.has(head.etag)).toBe(true);
  });

  it("takes opfs:// alone as the OPFS root", async () => {
    const root = new AutoStore("opfs://");
    expect(await root.set(`${folder.name}/at-root`, [1, 2])).toBe(`${folder.name}/at-root.json`);
    expect(await store.get("at-root")).toEqual([1, 2]);
  });

  it("refuses to write through a file or over a folder, with typed errors", async () => {
    const backend = new OpfsBackend(folder.name);
    await backend.write("file.txt", bytes("x"));
    await backend.write("dir/inside.txt", bytes("y"));
    const through = await backend.write("file.txt/under.txt", bytes("z")).catch((e: unknown) => e);
    expect(isAutoStoreError(through, "NOT_A_DIRECTORY")).toBe(true);
    const over = await backend.write("dir", bytes("z")).catch((e: unknown) => e);
    expect(isAutoStoreError(over, "IS_A_DIRECTORY")).toBe(true);
    expect((over as Error).message).toContain("dir");
    // Reading a folder finds no file, as on disk.
    expect(isAutoStoreError(await backend.read("dir").catch((e: unknown) => e), "KEY_NOT_FOUND")).toBe(true);
    expect(await opfsNames(folder.name)).toEqual(["dir", "file.txt"]);
  });

  it("reads whole values while the key is being rewritten", async () => {
    const backend = new OpfsBackend(folder.name);
    const values = ["short", "a somewhat longer value", "x".repeat(5000)];
    await backend.write("busy.txt", bytes(values[0] as string));
    const reads: Promise<string>[] = [];
    const writes: Promise<unknown>[] = [];
    for (let i = 0; i < 30; i++) {
      writes.push(backend.write("busy.txt", bytes(values[i % 3] as string)));
      reads.push(backend.read("busy.txt").then(async (r) => new TextDecoder().decode(await r.bytes())));
      await new Promise((resolve) => setTimeout(resolve, i % 3));
    }
    await Promise.all(writes);
    for (const read of await Promise.all(reads)) expect(values).toContain(read);
  });

  it("streams and slices a file larger than what a read takes at once", async () => {
    const backend = new OpfsBackend(folder.name);
    const big = new Uint8Array(9 * 1024 * 1024 + 7).map((_, i) => i % 251);
    await backend.write("big.bin", big);
    const streamed = await collectStream((await backend.read("big.bin")).stream());
    expect(streamed.length === big.length && streamed.every((b, i) => b === big[i])).toBe(true);
    const seen: number[] = [];
    const whole = await (await backend.read("big.bin", { onProgress: (p) => seen.push(p.loaded) })).bytes();
    // Compared by hand: a deep equality of 9 MiB takes the matcher minutes.
    expect(whole.length === big.length && whole.every((b, i) => b === big[i])).toBe(true);
    expect(seen.length).toBeGreaterThan(9);
    const tail = await (await backend.read("big.bin", { range: { suffix: 3 } })).bytes();
    expect([...tail]).toEqual([...big.subarray(big.length - 3)]);
  });

  it("serves AutoPath on opfs:// paths", async () => {
    const base = new AutoPath(`opfs://${folder.name}`);
    const note = base.joinpath("docs", "note.txt");
    expect(await note.exists()).toBe(false);
    await base.joinpath("docs").mkdir();
    expect(await base.joinpath("docs").isDir()).toBe(true);
    await note.writeText("hello");
    expect(await note.readText()).toBe("hello");
    await base.joinpath("docs", "b.json").writeText("{}");
    await base.joinpath("empty").mkdir();
    const children: string[] = [];
    for await (const child of base.iterdir()) children.push(child.name);
    expect(children.sort()).toEqual(["docs", "empty"]);
    const globbed: string[] = [];
    for await (const found of base.glob("**/*.txt")) globbed.push(String(found));
    expect(globbed).toEqual([`opfs://${folder.name}/docs/note.txt`]);
    const moved = await note.moveTo(base.joinpath("docs", "moved.txt"));
    expect(await moved.readText()).toBe("hello");
    expect(await note.exists()).toBe(false);
    await moved.unlink();
    await base.joinpath("docs", "b.json").unlink();
    // The folder the user made stays when its last file goes, as with pathlib.
    expect(await base.joinpath("docs").isDir()).toBe(true);
    await base.joinpath("docs").rmdir();
    await base.joinpath("empty").rmdir();
    expect(await base.joinpath("empty").exists()).toBe(false);
    expect(await opfsFile(`${folder.name}/docs/moved.txt`)).toBeUndefined();
  });
});
