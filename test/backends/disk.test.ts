import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { AutoStore, DiskBackend, IsADirectoryError, NotADirectoryError } from "../../src/node/index.js";
import { testBackend } from "../conformance/backend.js";
import { testStore } from "../conformance/store.js";
import { testValues } from "../conformance/values.js";
import { tempDir } from "../helpers/tmp.js";

testBackend("disk", async () => {
  const dir = await tempDir();
  return { backend: new DiskBackend(join(dir.path, "root")), cleanup: dir.remove };
});

testStore("disk", async () => {
  const dir = await tempDir();
  return { store: new AutoStore(join(dir.path, "data")), cleanup: dir.remove };
});

testValues("disk", async () => {
  const dir = await tempDir();
  return { store: new AutoStore(join(dir.path, "data")), cleanup: dir.remove };
});

describe("disk moves", () => {
  it("stamp the moved file with the file system's clock: a write made just after never looks older", async () => {
    // The kernel stamps files with a coarse clock that lags the real time by up to a tick; a move
    // stamped with the process's clock looked newer than the next write about one time in 25, and
    // bare-key replacement then kept the moved file over the later write.
    const dir = await tempDir();
    try {
      const backend = new DiskBackend(join(dir.path, "root"));
      const bytes = new TextEncoder().encode("x");
      for (let i = 0; i < 300; i++) {
        await backend.write(`s${i}`, bytes);
        const moved = await backend.rename(`s${i}`, `m${i}`);
        const written = await backend.write(`w${i}`, bytes);
        expect(written.modifiedTime.getTime()).toBeGreaterThanOrEqual(moved.modifiedTime.getTime());
      }
    } finally {
      await dir.remove();
    }
  });
});

describe("disk folders and files in the way", () => {
  it("refuses a write whose path runs through a file with NotADirectoryError, keeping the file", async () => {
    const dir = await tempDir();
    try {
      const store = new AutoStore(join(dir.path, "data"));
      await store.set("report.json", { v: 1 });
      for (const write of [
        () => store.set("report.json/child", { v: 2 }),
        () => store.path("report.json/child.txt").writeText("x"),
        () => store.path("report.json/deeper/child.txt").writeText("x"),
      ]) {
        const err = await write().then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(err).toBeInstanceOf(NotADirectoryError);
        expect((err as NotADirectoryError).key).toMatch(/^report\.json\/(child|deeper)/);
      }
      expect(await store.get("report")).toEqual({ v: 1 });
    } finally {
      await dir.remove();
    }
  });

  it("refuses a write, copy or move onto a folder's name with IsADirectoryError naming the destination", async () => {
    const dir = await tempDir();
    try {
      const store = new AutoStore(join(dir.path, "data"));
      await store.set("taken.json/inside", 1);
      await store.set("source", { v: 1 });
      for (const write of [
        () => store.set("taken.json", { v: 2 }),
        () => store.copy("source", "taken.json"),
        () => store.move("source", "taken.json"),
        () => store.path("source.json").copyTo(store.path("taken.json")),
      ]) {
        const err = await write().then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(err).toBeInstanceOf(IsADirectoryError);
        expect(err).toMatchObject({ key: "taken.json" });
      }
      expect(await store.get("source")).toEqual({ v: 1 });
      expect(await store.get("taken.json/inside")).toBe(1);
    } finally {
      await dir.remove();
    }
  });
});

describe("disk writes beside deletes", () => {
  it("write into a folder whose last file a concurrent delete removes, never failing as not found", async () => {
    const dir = await tempDir();
    try {
      const store = new AutoStore(join(dir.path, "data"));
      const tick = () => new Promise((resolve) => setImmediate(resolve));
      const failures: unknown[] = [];
      for (let i = 0; i < 300; i++) {
        await store.set("d/a.bin", new Uint8Array([1]));
        const [, written] = await Promise.allSettled([
          store.delete("d/a.bin"),
          (async () => {
            for (let t = 0; t < i % 5; t++) await tick();
            return store.set("d/b.bin", new Uint8Array([2]));
          })(),
        ]);
        if (written?.status === "rejected") failures.push(written.reason);
        await store.delete("d/b.bin").catch(() => undefined);
      }
      expect(failures).toEqual([]);
    } finally {
      await dir.remove();
    }
  });
});
