/**
 * What the local disk backend guarantees beyond the conformance suite: no escape from the root
 * through links, atomic writes under SIGKILL, and one whole value after concurrent writers.
 */
import { spawn } from "node:child_process";
import { mkdir, readdir, readFile, stat, symlink, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AutoStore, isAutoStoreError, TEMP_PREFIX } from "../../src/node/index.js";
import { tempDir } from "../helpers/tmp.js";

let dir: { path: string; remove: () => Promise<void> };
let root: string;
let outside: string;

beforeEach(async () => {
  dir = await tempDir();
  root = join(dir.path, "root");
  outside = join(dir.path, "outside");
  await mkdir(root);
  await mkdir(outside);
  await writeFile(join(outside, "secret.json"), '{"secret":true}');
});
afterEach(async () => {
  await dir.remove();
});

async function errorOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => "no error",
    (err: unknown) => err,
  );
}

async function listTree(path: string): Promise<string[]> {
  return (await readdir(path, { recursive: true })).map(String).sort();
}

describe("disk: nothing outside the root", () => {
  it("refuses to read, write or list through a link to a folder outside the root", async () => {
    await symlink(outside, join(root, "link"));
    const store = new AutoStore(root);
    const before = await listTree(outside);
    for (const attempt of [
      () => store.get("link/secret.json"),
      () => store.get("link/secret"),
      () => store.set("link/new.json", { x: 1 }),
      () => store.set("link/deeper/new.json", { x: 1 }),
      () => store.getMetadata("link/secret.json"),
      () => store.copy("link/secret.json", "stolen.json"),
    ]) {
      const err = await errorOf(attempt());
      expect(isAutoStoreError(err), String(err)).toBe(true);
    }
    expect(await listTree(outside)).toEqual(before);
    expect(await readFile(join(outside, "secret.json"), "utf8")).toBe('{"secret":true}');
    const keys: string[] = [];
    for await (const key of store.keys()) keys.push(key);
    expect(keys).toEqual([]);
  });

  it("refuses to read through a link to a file outside the root, and lists it as nothing", async () => {
    await symlink(join(outside, "secret.json"), join(root, "alias.json"));
    const store = new AutoStore(root);
    const err = await errorOf(store.get("alias"));
    expect(isAutoStoreError(err)).toBe(true);
    expect(String(err)).not.toContain('"secret"');
    const files: string[] = [];
    for await (const file of store.listFiles()) files.push(file);
    expect(files).toEqual([]);
  });

  it("replaces a link to an outside file on write, never writing through it", async () => {
    await symlink(join(outside, "secret.json"), join(root, "alias.json"));
    const store = new AutoStore(root);
    await store.set("alias.json", { mine: true });
    expect(await readFile(join(outside, "secret.json"), "utf8")).toBe('{"secret":true}');
    expect(await store.get("alias.json")).toEqual({ mine: true });
  });

  it("follows links that stay inside the root", async () => {
    const store = new AutoStore(root);
    await store.set("real/data", { inside: true });
    await symlink(join(root, "real", "data.json"), join(root, "shortcut.json"));
    expect(await store.get("shortcut")).toEqual({ inside: true });
  });

  it("refuses hostile keys before touching the disk", async () => {
    const store = new AutoStore(join(dir.path, "fresh"));
    const hostile = [
      "../escape",
      "a/../../x",
      "/etc/passwd",
      "",
      "a\u0000b",
      "a\u0007b",
      "a\\b",
      "é".repeat(513),
    ];
    for (const key of hostile) {
      for (const attempt of [
        () => store.set(key, { x: 1 }),
        () => store.get(key),
        () => store.delete(key),
        () => store.has(key),
      ]) {
        const err = await errorOf(attempt());
        expect(isAutoStoreError(err, "INVALID_KEY"), `${JSON.stringify(key)}: ${String(err)}`).toBe(true);
      }
    }
    // Not even the root folder was created.
    await expect(stat(join(dir.path, "fresh"))).rejects.toMatchObject({ code: "ENOENT" });
    expect((await listTree(outside)).length).toBe(1);
  });
});

describe("disk: atomic writes", () => {
  it("leaves the old value whole and no partial file when the writer is killed midway", async () => {
    const store = new AutoStore(root);
    const old = new Uint8Array(1024 * 1024).fill(7);
    await store.set("big.bin", old);
    const child = spawn(
      process.execPath,
      ["--import", "tsx", join(import.meta.dirname, "../fixtures/slow-writer.ts"), root, "big.bin", "400"],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.on("exit", (_code, signal) => resolve(signal)),
    );
    await new Promise<void>((resolve, reject) => {
      child.stdout.on("data", (data: Buffer) => {
        if (data.toString().includes("writing")) resolve();
      });
      child.on("exit", () => reject(new Error("the writer ended before writing")));
    });
    // Wait until a good part of the value is on disk, then kill without warning.
    let partial = 0;
    for (let i = 0; i < 2400 && partial <= 64 * 1024 * 1024; i++) {
      const temps = (await readdir(root)).filter((name) => name.startsWith(TEMP_PREFIX));
      const sizes = await Promise.all(temps.map(async (name) => (await stat(join(root, name))).size));
      partial = Math.max(0, ...sizes);
      if (partial <= 64 * 1024 * 1024) await new Promise((resolve) => setTimeout(resolve, 25));
    }
    child.kill("SIGKILL");
    expect(await exited).toBe("SIGKILL");
    // The kill came in the middle: part of the new value was written, not all of it.
    expect(partial).toBeGreaterThan(64 * 1024 * 1024);
    expect(partial).toBeLessThan(400 * 1024 * 1024);

    const after = await store.get<Uint8Array>("big.bin");
    expect(after.length).toBe(old.length);
    expect(after.every((b) => b === 7)).toBe(true);
    const files: string[] = [];
    for await (const file of store.listFiles()) files.push(file);
    expect(files).toEqual(["big.bin"]);
  }, 120_000);

  it("leaves exactly one whole value after 50 concurrent writers on one key", async () => {
    const store = new AutoStore(root);
    const values = Array.from({ length: 50 }, (_, i) => ({ writer: i, payload: "x".repeat(10_000 + i) }));
    await Promise.all(values.map((value) => store.set("contended", value)));
    const result = await store.get<{ writer: number; payload: string }>("contended");
    expect(values).toContainEqual(result);
    expect(result.payload.length).toBe(10_000 + result.writer);
    expect((await readdir(root)).filter((name) => name !== "contended.json")).toEqual([]);
  });

  it("keeps one whole value when concurrent writers of different formats share a bare key", async () => {
    const store = new AutoStore(root);
    await Promise.all([
      store.set("mixed", { as: "json" }),
      store.set("mixed", "as text"),
      store.set("mixed", new Map([["as", "cbor"]])),
    ]);
    const names = (await readdir(root)).filter((name) => name.startsWith("mixed"));
    expect(names).toHaveLength(1);
    expect([{ as: "json" }, "as text", new Map([["as", "cbor"]])]).toContainEqual(await store.get("mixed"));
  });

  it("keeps exactly one value when writer processes of different formats share a bare key", async () => {
    const rounds = 40;
    const gap = 40;
    const start = Date.now() + 1500; // after every process has started
    const kinds = ["json", "txt", "jsonl"];
    const children = kinds.map((kind) =>
      spawn(
        process.execPath,
        [
          "--import",
          "tsx",
          join(import.meta.dirname, "../fixtures/bare-writer.ts"),
          root,
          kind,
          String(start),
          String(rounds),
          String(gap),
        ],
        { stdio: ["ignore", "pipe", "inherit"] },
      ),
    );
    const codes = await Promise.all(
      children.map(
        (child) => new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code))),
      ),
    );
    expect(codes).toEqual(kinds.map(() => 0));
    const store = new AutoStore(root);
    const possible = (round: number) => [{ round }, `round ${round}`, [{ round }], new Uint8Array([round])];
    for (let round = 0; round < rounds; round++) {
      const names = (await readdir(join(root, `r${round}`))).filter((name) => !name.startsWith(TEMP_PREFIX));
      expect(names, `round ${round}`).toHaveLength(1);
      expect(possible(round)).toContainEqual(await store.get(`r${round}/k`));
    }
  }, 60_000);
});

describe("disk: temporary files", () => {
  it("refuses keys in the reserved temporary namespace on every call", async () => {
    const store = new AutoStore(root);
    for (const key of [`${TEMP_PREFIX}mine`, `a/${TEMP_PREFIX}x.json`, `${TEMP_PREFIX}dir/x`]) {
      for (const call of [store.set(key, 1), store.get(key), store.has(key), store.delete(key)]) {
        expect(isAutoStoreError(await errorOf(call), "INVALID_KEY"), key).toBe(true);
      }
    }
    expect(await readdir(root)).toEqual([]);
  });

  it("sweeps temporary files a killed writer left over an hour ago, and never a recent one", async () => {
    const store = new AutoStore(root);
    await store.set("sub/kept", 1);
    const abandoned = join(root, "sub", `${TEMP_PREFIX}abandoned`);
    const recent = join(root, "sub", `${TEMP_PREFIX}recent`);
    await writeFile(abandoned, new Uint8Array(1024));
    await writeFile(recent, new Uint8Array(1024));
    const twoHoursAgo = new Date(Date.now() - 2 * 3600_000);
    await utimes(abandoned, twoHoursAgo, twoHoursAgo);
    const keys: string[] = [];
    for await (const key of store.keys()) keys.push(key);
    expect(keys).toEqual(["sub/kept"]);
    expect((await readdir(join(root, "sub"))).sort()).toEqual([`${TEMP_PREFIX}recent`, "kept.json"]);
  });
});
