/**
 * AutoPath edges: the memory scheme, `dir/` marker objects that other tools write on S3, a bucket's
 * root as a folder, and bad input that must fail before anything is written.
 */
import { mkdir as makeDir, readdir, readFile, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  AutoPath,
  AutoStore,
  ConfigError,
  DirectoryNotEmptyError,
  InvalidKeyError,
  isAutoStoreError,
  S3Options,
} from "../../src/node/index.js";
import { rawS3Client, type S3Server, startS3Server } from "../helpers/s3-server.js";
import { inTempDir } from "../helpers/tmp.js";

let server: S3Server;
const stores: AutoStore[] = [];
beforeAll(async () => {
  server = await startS3Server({ buckets: ["edges", "empty"] });
}, 60_000);
afterAll(async () => {
  await Promise.all(stores.map((s) => s.close()));
  await AutoPath.clearDefaultStores();
  await server?.stop();
});

describe("AutoPath edges", () => {
  it("works on memory:// without a store", async () => {
    const p = new AutoPath("memory://autopath-edges/a/b.json");
    await p.save({ b: 1 });
    expect(await p.load()).toEqual({ b: 1 });
    expect(await p.parent.isDir()).toBe(true);
    const names: string[] = [];
    for await (const c of new AutoPath("memory://autopath-edges/a").iterdir()) names.push(String(c));
    expect(names).toEqual(["memory://autopath-edges/a/b.json"]);
  });

  it("keeps a file or folder moved onto its own full URI, in memory and on S3", async () => {
    for (const root of ["memory://autopath-edges-alias/root", "s3://edges/alias-root"]) {
      const store = new AutoStore(root, { options: new S3Options(server.options()) });
      stores.push(store);
      await store.path("f/c.txt").writeText("c");
      await store.path("f/c.txt").moveTo(`${root}/f/c.txt`);
      expect(await store.path("f/c.txt").readText()).toBe("c");
      await store.path("f").moveTo(`${root}/f`);
      expect(await store.path("f/c.txt").readText()).toBe("c");
      await store.set("k", { v: 1 });
      await Promise.all([store.set("k", { v: 2 }), store.set(`${root}/k`, "two")]);
      const files: string[] = [];
      for await (const file of store.listFiles("k.*")) files.push(file);
      expect(files).toHaveLength(1);
    }
  });

  it("reads text as strict UTF-8: invalid bytes are a DecodeError naming the file, never U+FFFD", async () => {
    const p = new AutoPath("memory://autopath-edges/latin1.txt");
    await p.writeBytes(new Uint8Array([0x63, 0x61, 0x66, 0xe9])); // "café" in Latin-1
    const err = await p.readText().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toMatchObject({
      code: "DECODE_ERROR",
      format: "txt",
      uri: "memory://autopath-edges/latin1.txt",
    });
    await p.writeText("café");
    expect(await p.readText()).toBe("café");
  });

  it("skips a folder's own dir/ marker object and treats the bucket root as a folder", async () => {
    const client = rawS3Client(server);
    await client.send(new PutObjectCommand({ Bucket: "edges", Key: "folder/", Body: "" }));
    await client.send(new PutObjectCommand({ Bucket: "edges", Key: "folder/x.txt", Body: "x" }));
    client.destroy();
    const s3 = new AutoStore("s3://edges/", server.options());
    stores.push(s3);
    const children: string[] = [];
    for await (const c of s3.path("folder").iterdir()) children.push(c.name);
    expect(children).toEqual(["x.txt"]);
    const globbed: string[] = [];
    for await (const c of s3.path("folder").glob("*")) globbed.push(c.name);
    expect(globbed).toEqual(["x.txt"]);
    await expect(s3.path("folder").rmdir()).rejects.toBeInstanceOf(DirectoryNotEmptyError);
    await s3.path("folder/x.txt").unlink();
    await s3.path("folder").rmdir();
    expect(await s3.path("folder").exists()).toBe(false);
    const empty = new AutoPath("s3://empty", { store: new AutoStore("s3://empty/", server.options()) });
    stores.push(empty.store);
    expect(empty.name).toBe("");
    expect(empty.parent.equals(empty)).toBe(true);
    expect(await empty.isDir()).toBe(true);
    // A missing bucket holds nothing: exists and isDir answer false there, as store.has does.
    const missing = s3.path("s3://no-such-bucket/a.json");
    expect(await missing.exists()).toBe(false);
    expect(await missing.isDir()).toBe(false);
    expect(await s3.has("s3://no-such-bucket/a.json")).toBe(false);
    expect(await s3.path("s3://no-such-bucket").exists()).toBe(false);
  });

  it("refuses bad arguments with InvalidKeyError", async () => {
    const p = new AutoPath("s3://b/data/x.csv");
    expect(() => p.withSuffix("bad")).toThrow(InvalidKeyError);
    expect(() => p.withName("a/b")).toThrow(InvalidKeyError);
    expect(() => p.relativeTo("s3://b/other")).toThrow(InvalidKeyError);
    expect(() => p.relativeTo("s3://c/data")).toThrow(InvalidKeyError);
    expect(() => new AutoPath("s3://b").withName("x")).toThrow(InvalidKeyError);
    expect(() => p.match("")).toThrow(InvalidKeyError);
    const err = (() => {
      try {
        p.withSuffix("bad");
      } catch (e) {
        return e;
      }
    })();
    expect(isAutoStoreError(err, "INVALID_KEY")).toBe(true);
  });

  it("refuses the patterns glob refuses in rglob too (empty, absolute, backslashes)", async () => {
    const folder = new AutoPath("memory://autopath-edges/globbed");
    await folder.joinpath("a", "x.txt").writeText("x");
    const all = async (found: AsyncIterable<AutoPath>) => {
      const out: string[] = [];
      for await (const f of found) out.push(String(f));
      return out;
    };
    for (const bad of ["", "/x.txt", "a\\x.txt"]) {
      await expect(all(folder.glob(bad))).rejects.toMatchObject({ code: "INVALID_KEY" });
      await expect(all(folder.rglob(bad))).rejects.toMatchObject({
        code: "INVALID_KEY",
        message: expect.stringContaining("rglob"),
      });
    }
    expect(await all(folder.rglob("*.txt"))).toEqual(["memory://autopath-edges/globbed/a/x.txt"]);
  });
});

describe("progress of memory reads", () => {
  it("a memory read reports its end with loaded === total", async () => {
    const store = new AutoStore("memory://progress-read");
    stores.push(store);
    await store.set("x.bin", new Uint8Array(3 * 1024 * 1024));
    const events: Array<{ loaded: number; total?: number }> = [];
    await store.get("x.bin", { onProgress: (e) => events.push({ ...e }) });
    expect(events.at(-1)).toEqual({ loaded: 3 * 1024 * 1024, total: 3 * 1024 * 1024 });
    const path: Array<{ loaded: number; total?: number }> = [];
    await store.path("x.bin").readBytes({ onProgress: (e) => path.push({ ...e }) });
    expect(path.at(-1)).toEqual({ loaded: 3 * 1024 * 1024, total: 3 * 1024 * 1024 });
  });
});

describe("AutoPath options and default stores", () => {
  it("refuses unknown or mistyped options with ConfigError before any I/O", async () => {
    const p = new AutoPath("memory://autopath-options/x.json");
    await expect(p.mkdir({ parent: true } as never)).rejects.toMatchObject({
      code: "CONFIG_ERROR",
      field: "parent",
    });
    await expect(p.load({ ignoreCache: "yes" } as never)).rejects.toMatchObject({ code: "CONFIG_ERROR" });
    await expect(p.uploadFrom(new Blob(["x"]), { onProgres: () => {} } as never)).rejects.toMatchObject({
      code: "CONFIG_ERROR",
    });
    expect(await p.exists()).toBe(false);
  });

  it("never keeps a default store whose making failed", async () => {
    const p = new AutoPath("autopath-later://space/x.json");
    expect(() => p.store).toThrow(ConfigError);
    AutoStore.registerScheme("autopath-later", "memory");
    await p.save({ ok: 1 });
    expect(await p.load()).toEqual({ ok: 1 });
  });
});

describe("AutoPath folders on disk stay inside the root", () => {
  it("says a missing disk folder is missing when rmdir finds none, not that a parent is", async () => {
    await inTempDir("autopath-rmdir-", async (base) => {
      const store = new AutoStore(base);
      stores.push(store);
      const err = await store
        .path("never-made")
        .rmdir()
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(err).toMatchObject({ code: "KEY_NOT_FOUND", key: "never-made" });
      expect((err as Error).message).not.toMatch(/parent/);
    });
  });

  it("refuses mkdir, rmdir and isDir through a symbolic link that leads out", async () => {
    await inTempDir("autopath-link-", async (base) => {
      await makeDir(join(base, "root"));
      await makeDir(join(base, "outside"));
      await symlink(join(base, "outside"), join(base, "root", "link"));
      const store = new AutoStore(join(base, "root"));
      stores.push(store);
      await expect(store.path("link/sub").mkdir({ parents: true })).rejects.toMatchObject({
        code: "PERMISSION_DENIED",
      });
      await expect(store.path("link").rmdir()).rejects.toMatchObject({ code: "PERMISSION_DENIED" });
      expect(await readdir(join(base, "outside"))).toEqual([]);
    });
  });
});

describe("folders on disk are the user's: AutoPath leaves the ones it empties", () => {
  it("unlink, delete and moveTo keep the folders they empty; the store's delete removes the ones it made", async () => {
    await inTempDir("autopath-keep-", async (base) => {
      const store = new AutoStore(base);
      stores.push(store);
      // unlink: the folder made with mkdir, and its parent, stay.
      const made = store.path("made/inner");
      await made.mkdir({ parents: true });
      await made.joinpath("d.txt").writeText("x");
      await made.joinpath("d.txt").unlink();
      expect(await made.isDir()).toBe(true);
      expect(await readdir(join(base, "made", "inner"))).toEqual([]);
      // delete() of a tree removes the tree, not the folder it was in.
      await store.path("tree/sub/deep/f.json").save({ a: 1 });
      await store.path("tree/sub").delete();
      expect(await store.path("tree/sub").exists()).toBe(false);
      expect(await readdir(join(base, "tree"))).toEqual([]);
      // moveTo of a folder's only file leaves the folder, as `mv` does.
      await store.path("from/only.txt").writeText("y");
      await store.path("from/only.txt").moveTo(store.path("to/only.txt"));
      expect(await readdir(join(base, "from"))).toEqual([]);
      expect(await store.path("to/only.txt").readText()).toBe("y");
      // A folder the user made outside the library, in a store without a root of its own.
      await makeDir(join(base, "own", "empty"), { recursive: true });
      const loose = new AutoPath(join(base, "own", "empty", "t.txt"));
      await loose.writeText("z");
      await loose.unlink();
      expect(await readdir(join(base, "own", "empty"))).toEqual([]);
      // The store's dictionary view: a key's folders go with its last file.
      await store.set("kv/a/b.json", { b: 1 });
      await store.delete("kv/a/b.json");
      expect(await readdir(base)).not.toContain("kv");
    });
  });
});

describe("downloads to local paths", () => {
  it("puts the file into a folder a trailing slash names, made if missing; a file in the way is NotADirectoryError", async () => {
    await inTempDir("autopath-down-", async (base) => {
      const p = new AutoPath("memory://autopath-edges/down/report.txt");
      await p.writeText("r");
      await p.downloadTo(`${join(base, "made", "later")}/`);
      expect(await readFile(join(base, "made", "later", "report.txt"), "utf8")).toBe("r");
      await writeFile(join(base, "plain"), "a file");
      const err = await p.downloadTo(join(base, "plain", "inside.txt")).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toMatchObject({ code: "NOT_A_DIRECTORY", key: join(base, "plain", "inside.txt") });
      expect((await readdir(base)).sort()).toEqual(["made", "plain"]);
    });
  });
});

describe("a source that fails mid-upload", () => {
  it("rejects with an AutoStoreError naming the destination's key and URI, its cause attached", async () => {
    const p = new AutoPath("memory://autopath-edges/failing-source.bin");
    const broken = new Error("source broke");
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.error(broken);
      },
    });
    const err = await p.uploadFrom(body).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isAutoStoreError(err)).toBe(true);
    expect(err).toMatchObject({
      key: "memory://autopath-edges/failing-source.bin",
      uri: "memory://autopath-edges/failing-source.bin",
      cause: broken,
    });
    expect(await p.exists()).toBe(false);
  });
});

describe("folders moved or copied onto or into themselves", () => {
  /** Every file under `store`'s root with its text, sorted. */
  async function tree(store: AutoStore): Promise<string[]> {
    const out: string[] = [];
    for await (const file of store.listFiles("**")) out.push(`${file}=${await store.path(file).readText()}`);
    return out.sort();
  }

  async function onEveryBackend(
    job: (store: AutoStore, at: (root: string) => AutoStore) => Promise<void>,
  ): Promise<void> {
    await inTempDir("autopath-self-", async (base) => {
      for (const root of [
        base,
        `memory://autopath-self-${Math.random().toString(36).slice(2)}`,
        "s3://edges/self",
      ]) {
        const store = new AutoStore(root, { options: new S3Options(server.options()) });
        stores.push(store);
        await store.delete("g/").catch(() => undefined);
        await store.path("g/a.txt").writeText("a");
        await store.path("g/sub/b.txt").writeText("b");
        // Another store on the same storage, at the same root or below it.
        const at = (below: string) => {
          const other = new AutoStore(below === "" ? root : `${root}/${below}`, {
            options: new S3Options(server.options()),
          });
          stores.push(other);
          return other;
        };
        await job(store, at);
      }
    });
  }

  it("keeps a folder moved or copied onto itself", async () => {
    await onEveryBackend(async (store) => {
      await store.path("g").moveTo(store.path("g"));
      await store.path("g").copyTo(store.path("g"));
      expect(await tree(store)).toEqual(["g/a.txt=a", "g/sub/b.txt=b"]);
    });
  });

  it("copies a folder into its own subfolder once, however often it is asked", async () => {
    await onEveryBackend(async (store) => {
      await store.path("g").copyTo(store.path("g/inner"));
      await store.path("g").copyTo(store.path("g/inner"));
      expect(await tree(store)).toEqual([
        "g/a.txt=a",
        "g/inner/a.txt=a",
        "g/inner/sub/b.txt=b",
        "g/sub/b.txt=b",
      ]);
    });
  });

  it("refuses to move a folder into its own subfolder, and leaves it whole", async () => {
    await onEveryBackend(async (store) => {
      await expect(store.path("g").moveTo(store.path("g/inner"))).rejects.toMatchObject({
        code: "INVALID_KEY",
      });
      expect(await tree(store)).toEqual(["g/a.txt=a", "g/sub/b.txt=b"]);
    });
  });

  it("knows a file or folder by any of its names: onto itself through another store, it stays", async () => {
    await onEveryBackend(async (store, at) => {
      const twin = at("");
      const inner = at("g");
      await store.path("g/a.txt").moveTo(twin.path("g/a.txt"));
      await store.path("g/a.txt").moveTo(inner.path("a.txt"));
      await store.path("g").moveTo(twin.path("g"));
      await store.path("g").copyTo(twin.path("g"));
      expect(await tree(store)).toEqual(["g/a.txt=a", "g/sub/b.txt=b"]);
      // Into its own subfolder through another name: refused, whole.
      await expect(store.path("g").moveTo(inner.path("sub/deeper"))).rejects.toMatchObject({
        code: "INVALID_KEY",
      });
      expect(await tree(store)).toEqual(["g/a.txt=a", "g/sub/b.txt=b"]);
    });
  });

  it("copies and moves between private memory spaces and a named space, whatever their URIs", async () => {
    const a = new AutoStore("memory://");
    const b = new AutoStore("memory://");
    const named = new AutoStore("memory://a");
    stores.push(a, b, named);
    await a.set("x.txt", "hello");
    await a.path("x.txt").copyTo(b.path("x.txt"));
    expect(await b.get("x.txt")).toBe("hello");
    await a.path("x.txt").moveTo(b.path("y.txt"));
    expect([await a.has("x.txt"), await b.get("y.txt")]).toEqual([false, "hello"]);
    await a.set("d/y.txt", "y");
    await a.path("d").copyTo(b.path(""));
    expect(await b.get("y.txt")).toBe("y");
    // A private key and a named space's key with one URI (memory://a/x.txt) are two objects.
    await a.set("a/x.txt", "private");
    await named.set("x.txt", "named");
    await a.path("a/x.txt").copyTo(named.path("x.txt"));
    expect(await named.get("x.txt")).toBe("private");
  });

  it("knows one S3 service under two schemes as one place", async () => {
    const store = new AutoStore("s3://edges/", {
      options: [new S3Options(server.options()), new S3Options({ ...server.options(), scheme: "minio" })],
    });
    stores.push(store);
    const file = store.path("s3://edges/two-schemes/f.txt");
    await file.writeText("kept");
    await file.moveTo(store.path("minio://edges/two-schemes/f.txt"));
    expect(await file.readText()).toBe("kept");
    await file.copyTo(store.path("minio://edges/two-schemes/g.txt"));
    expect(await store.path("s3://edges/two-schemes/g.txt").readText()).toBe("kept");
  });

  it("refuses to move or copy a folder onto a folder it lies in, and changes nothing", async () => {
    await onEveryBackend(async (store, at) => {
      await store.path("g/sub/sub/b.txt").writeText("deeper");
      const before = await tree(store);
      for (const attempt of [
        () => store.path("g/sub").moveTo(store.path("g")),
        () => store.path("g/sub").copyTo(store.path("g")),
        () => store.path("g/sub").copyTo(at("").path("")),
      ]) {
        await expect(attempt()).rejects.toMatchObject({ code: "INVALID_KEY" });
      }
      expect(await tree(store)).toEqual(before);
    });
  });

  it("leaves in the source a file written into it while it moves", async () => {
    await onEveryBackend(async (store) => {
      let late: Promise<unknown> | undefined;
      await store.path("g").moveTo(store.path("h"), {
        onProgress: () => {
          late ??= store.path("g/late.txt").writeText("late");
        },
      });
      await late;
      expect(await tree(store)).toEqual(["g/late.txt=late", "h/a.txt=a", "h/sub/b.txt=b"]);
    });
  });

  it("ends with loaded === total, the bytes that passed, when the size hint was wrong", async () => {
    const MiB = 1024 * 1024;
    for (const [hint, real] of [
      [5000, 3 * MiB],
      [5 * MiB, 3 * MiB],
    ] as const) {
      const events: Array<{ loaded: number; total?: number }> = [];
      const p = new AutoPath(`memory://autopath-edges/hint-${hint}.bin`);
      const body = new Blob([new Uint8Array(real).fill(3)]).stream();
      await p.uploadFrom(body, { size: hint, onProgress: (e) => events.push({ ...e }) });
      expect(events.at(-1)).toEqual({ loaded: real, total: real });
      expect(events.filter((e) => e.loaded === real && e.total === real)).toHaveLength(1);
      // No event claims a total smaller than what has passed.
      expect(events.every((e) => e.total === undefined || e.total >= e.loaded)).toBe(true);
      expect((await p.stat()).size).toBe(real);
    }
  });

  it("reports a transfer's end once when its size is a whole number of MiB", async () => {
    const MiB = 1024 * 1024;
    const bytes = new Uint8Array(2 * MiB).fill(7);
    const events: Array<{ loaded: number; total?: number }> = [];
    const p = new AutoPath("memory://autopath-edges/whole-mib.bin");
    await p.uploadFrom(new Blob([bytes]), { onProgress: (e) => events.push({ ...e }) });
    const ends = events.filter((e) => e.loaded === 2 * MiB);
    expect(ends).toEqual([{ loaded: 2 * MiB, total: 2 * MiB }]);
    events.length = 0;
    const copy = new AutoPath("memory://autopath-edges-other/whole-mib.bin");
    await p.copyTo(copy, { onProgress: (e) => events.push({ ...e }) });
    expect(events.filter((e) => e.loaded === 2 * MiB)).toHaveLength(1);
  });
});
