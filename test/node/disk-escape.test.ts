/**
 * The disk backend's root as a boundary: a listing whose prefix runs through a symbolic link out of
 * the root lists nothing (and sweeps nothing there), and a store whose root was removed (`rmdir` of
 * its own root) works on as a store made on a missing folder does.
 */
import { existsSync } from "node:fs";
import { mkdir, readFile, symlink, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AutoStore, DiskBackend, PermissionDeniedError } from "../../src/node/index.js";
import { tempDir } from "../helpers/tmp.js";

let dir: { path: string; remove: () => Promise<void> };
let root: string;
let outside: string;
/** A temporary file outside the root, old enough for a listing to sweep it were it inside. */
let precious: string;

const TWO_HOURS_AGO = new Date(Date.now() - 2 * 60 * 60 * 1000);

beforeEach(async () => {
  dir = await tempDir();
  root = join(dir.path, "root");
  outside = join(dir.path, "outside");
  await mkdir(root);
  await mkdir(join(outside, "sub"), { recursive: true });
  await writeFile(join(outside, "secret.txt"), "secret");
  await writeFile(join(outside, "sub", "deep.txt"), "deep");
  precious = join(outside, ".autostore-tmp-precious");
  await writeFile(precious, "precious");
  await utimes(precious, TWO_HOURS_AGO, TWO_HOURS_AGO);
  await writeFile(join(outside, "sub", ".autostore-tmp-precious"), "precious");
  await utimes(join(outside, "sub", ".autostore-tmp-precious"), TWO_HOURS_AGO, TWO_HOURS_AGO);
});
afterEach(async () => {
  await dir.remove();
});

async function all<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

const paths = async (items: AsyncIterable<{ toString(): string }>) => (await all(items)).map(String);

function expectOutsideUntouched(): void {
  expect(existsSync(precious)).toBe(true);
  expect(existsSync(join(outside, "sub", ".autostore-tmp-precious"))).toBe(true);
}

describe("disk listings never read or sweep outside the root", () => {
  it("lists nothing through a link to an outside folder, by glob, listFiles and keys", async () => {
    await symlink(outside, join(root, "link"));
    await writeFile(join(root, "mine.txt"), "mine");
    const store = new AutoStore(root);
    expect(await paths(store.path("").glob("link/*"))).toEqual([]);
    expectOutsideUntouched();
    expect(await paths(store.path("link").glob("**/*"))).toEqual([]);
    expect(await paths(store.path("").glob("link/**/*"))).toEqual([]);
    expect(await paths(store.path("").glob("link/se*"))).toEqual([]);
    expect(await all(store.listFiles("link/*"))).toEqual([]);
    expect(await all(store.listFiles("link/**"))).toEqual([]);
    expect(await all(store.listFiles("link/sub/*"))).toEqual([]);
    expect(await all(store.keys("link/"))).toEqual([]);
    expect(await all(store.keys("link/sub/"))).toEqual([]);
    expect(await all(store.keys("link/se"))).toEqual([]);
    expectOutsideUntouched();
    // The rest of the root lists as before, the link as nothing.
    expect(await all(store.listFiles())).toEqual(["mine.txt"]);
    expect(await all(store.keys())).toEqual(["mine"]);
    expect(await paths(store.path("").glob("**/*"))).toEqual(["mine.txt"]);
    expectOutsideUntouched();
    expect(await readFile(precious, "utf8")).toBe("precious");
  });

  it("sweeps no temporary file outside the root when a listing's prefix runs through a link", async () => {
    await symlink(outside, join(root, "link"));
    const store = new AutoStore(root);
    await paths(store.path("").glob("link/*"));
    expect(existsSync(precious)).toBe(true);
    await all(store.keys("link/sub/"));
    expect(existsSync(join(outside, "sub", ".autostore-tmp-precious"))).toBe(true);
  });

  it("lists nothing through the backend itself, with or without a delimiter or metadata", async () => {
    await symlink(outside, join(root, "link"));
    const backend = new DiskBackend(root);
    for (const prefix of ["link/", "link/sub/", "link/se", "link/sub/d"]) {
      for (const delimiter of [false, true]) {
        expect(await all(backend.list(prefix, { delimiter })), prefix).toEqual([]);
        expect(await all(backend.list(prefix, { delimiter, metadata: true })), prefix).toEqual([]);
      }
    }
    expectOutsideUntouched();
  });

  it("lists nothing through a link deeper in the prefix, or under a folder that is a link", async () => {
    await mkdir(join(root, "a", "b"), { recursive: true });
    await writeFile(join(root, "a", "b", "in.txt"), "in");
    await symlink(outside, join(root, "a", "link"));
    // A folder inside the root whose parent is a link out.
    await symlink(join(outside, "sub"), join(root, "a", "b", "sublink"));
    const store = new AutoStore(root);
    expect(await all(store.listFiles("a/link/*"))).toEqual([]);
    expect(await all(store.listFiles("a/link/sub/*"))).toEqual([]);
    expect(await all(store.keys("a/b/sublink/"))).toEqual([]);
    expect(await paths(store.path("a/b/sublink").glob("*"))).toEqual([]);
    expectOutsideUntouched();
  });

  it("skips a link out met during a recursive listing, sweeping nothing behind it", async () => {
    await mkdir(join(root, "a", "b"), { recursive: true });
    await writeFile(join(root, "a", "b", "in.txt"), "in");
    await writeFile(join(root, "top.txt"), "top");
    await symlink(outside, join(root, "a", "link"));
    await symlink(outside, join(root, "z-link"));
    await symlink(join(outside, "secret.txt"), join(root, "a", "secret.txt"));
    const store = new AutoStore(root);
    expect(await all(store.listFiles())).toEqual(["a/b/in.txt", "top.txt"]);
    expect(await all(store.listFiles("a/**"))).toEqual(["a/b/in.txt"]);
    expect(await all(store.keys())).toEqual(["a/b/in", "top"]);
    expect(await all(store.keys("a/"))).toEqual(["a/b/in"]);
    expect(await paths(store.path("").glob("**/*"))).toEqual(["a/b/in.txt", "top.txt"]);
    expect(await paths(store.path("a").rglob("*.txt"))).toEqual(["a/b/in.txt"]);
    expectOutsideUntouched();
  });

  it("still sweeps abandoned temporary files inside the root, and lists through links that stay inside", async () => {
    await mkdir(join(root, "real", "deeper"), { recursive: true });
    await writeFile(join(root, "real", "deeper", "x.txt"), "x");
    const abandoned = join(root, "real", "deeper", ".autostore-tmp-dead");
    await writeFile(abandoned, "dead");
    await utimes(abandoned, TWO_HOURS_AGO, TWO_HOURS_AGO);
    await symlink(join(root, "real"), join(root, "alias"));
    const store = new AutoStore(root);
    // A prefix through a link to a folder inside the root lists what is there, under the prefix.
    expect(await all(store.keys("alias/deeper/"))).toEqual(["alias/deeper/x"]);
    expect(await all(store.listFiles("alias/deeper/*"))).toEqual(["alias/deeper/x.txt"]);
    expect(existsSync(abandoned)).toBe(false);
    await writeFile(abandoned, "dead");
    await utimes(abandoned, TWO_HOURS_AGO, TWO_HOURS_AGO);
    expect(await all(store.keys("real/"))).toEqual(["real/deeper/x"]);
    expect(existsSync(abandoned)).toBe(false);
  });

  it("lists a store whose root is itself a link, as before", async () => {
    await mkdir(join(outside, "sub", "more"), { recursive: true });
    await writeFile(join(outside, "sub", "more", "m.txt"), "m");
    await symlink(outside, join(dir.path, "root-link"));
    const store = new AutoStore(join(dir.path, "root-link"));
    expect(await all(store.listFiles("sub/**"))).toEqual(["sub/deep.txt", "sub/more/m.txt"]);
    expect(await all(store.keys("sub/"))).toEqual(["sub/deep", "sub/more/m"]);
    expect(await all(store.listFiles())).toEqual(["secret.txt", "sub/deep.txt", "sub/more/m.txt"]);
  });
});

describe("disk: a store whose root was removed", () => {
  it("recreates the root on the next write after rmdir of the root, and exists() is false before", async () => {
    const store = new AutoStore(root);
    await store.path("").rmdir();
    expect(existsSync(root)).toBe(false);
    expect(await store.path("b.txt").exists()).toBe(false);
    expect(await store.has("b.txt")).toBe(false);
    expect(await store.path("deeper/b.txt").exists()).toBe(false);
    expect(await all(store.keys())).toEqual([]);
    await store.path("b.txt").writeText("x");
    expect(await readFile(join(root, "b.txt"), "utf8")).toBe("x");
    expect(await store.path("b.txt").exists()).toBe(true);
    expect(await store.path("b.txt").readText()).toBe("x");
    await store.set("deeper/c.json", { c: 1 });
    expect(await readFile(join(root, "deeper", "c.json"), "utf8")).toContain('"c"');
    expect(await all(store.listFiles())).toEqual(["b.txt", "deeper/c.json"]);
  });

  it("behaves as a store made on a missing folder does", async () => {
    const missing = join(dir.path, "missing");
    const fresh = new AutoStore(missing);
    expect(await fresh.path("b.txt").exists()).toBe(false);
    await fresh.path("b.txt").writeText("x");
    expect(await readFile(join(missing, "b.txt"), "utf8")).toBe("x");

    const store = new AutoStore(root);
    await store.path("a.txt").writeText("a"); // the root's real path is known from here on
    await store.path("a.txt").unlink();
    await store.path("").rmdir();
    expect(await store.path("").isDir()).toBe(false);
    await store.path("").mkdir();
    expect(await store.path("").isDir()).toBe(true);
    await store.path("").rmdir();
    await store.path("sub").mkdir({ parents: true });
    expect(existsSync(join(root, "sub"))).toBe(true);
    await store.path("sub").rmdir();
    await store.path("").rmdir();
    await store.set("k", { v: 1 });
    expect(await store.get("k")).toEqual({ v: 1 });
    expect(existsSync(join(root, "k.json"))).toBe(true);
  });

  it("still refuses a link out planted where the removed root's folders are recreated", async () => {
    const store = new AutoStore(root);
    await store.path("").rmdir();
    await mkdir(root);
    await symlink(outside, join(root, "link"));
    await expect(store.path("link/new.txt").writeText("x")).rejects.toBeInstanceOf(PermissionDeniedError);
    expect(existsSync(join(outside, "new.txt"))).toBe(false);
  });
});

describe("names longer than the file system allows", () => {
  it("are InvalidKeyError on every call, naming the key, and nothing is written", async () => {
    const store = new AutoStore(root);
    const name = `${"n".repeat(300)}.txt`;
    for (const call of [
      () => store.path(name).writeText("x"),
      () => store.set(name, "x"),
      () => store.get(name),
      () => store.path(name).exists(),
      () => store.path(`${"d".repeat(300)}/x.txt`).writeText("x"),
    ]) {
      await expect(call()).rejects.toMatchObject({
        code: "INVALID_KEY",
        message: /longer than this file system allows/,
      });
    }
    const keys: string[] = [];
    for await (const key of store.keys()) keys.push(key);
    expect(keys).toEqual([]);
  });
});

describe("keys that are symbolic links to other keys' files", () => {
  it("move their own value and leave the other key whole", async () => {
    const store = new AutoStore(root);
    await store.set("a", { a: 1 });
    await symlink("a.json", join(root, "alias.json"));
    expect(await store.get("alias")).toEqual({ a: 1 });
    await store.move("alias", "b");
    expect(await store.get("a")).toEqual({ a: 1 });
    expect(await store.get("b")).toEqual({ a: 1 });
    expect(existsSync(join(root, "alias.json"))).toBe(false);
    const keys: string[] = [];
    for await (const key of store.keys()) keys.push(key);
    expect(keys.sort()).toEqual(["a", "b"]);
  });
});
