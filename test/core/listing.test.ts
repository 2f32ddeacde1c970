/**
 * Listings as `keys()` and `listFiles()` see them: each bare key once whatever order its
 * representations come in, and a disk listing in pages that holds the same entries as its `list`.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { builtinHandlers } from "../../src/core/handlers/builtins.js";
import { HandlerRegistry } from "../../src/core/handlers/registry.js";
import { UniqueBareKeys } from "../../src/core/listing.js";
import { AutoStore, DiskBackend } from "../../src/node/index.js";
import { tempDir } from "../helpers/tmp.js";

const registry = new HandlerRegistry(builtinHandlers());

// Names built from pieces that make runs nest and interleave: `a`, `a-b`, `a.json`, `a.k.json`, `a/x`.
const piece = fc.constantFrom(
  "a",
  "b",
  "k",
  "-",
  "!",
  ".",
  "/",
  ".json",
  ".JSON",
  ".yaml",
  ".sparse",
  ".npz",
  ".txt",
);
const name = fc
  .array(piece, { minLength: 1, maxLength: 5 })
  .map((parts) => parts.join(""))
  .filter((key) => !key.startsWith("/") && !key.endsWith("/") && !key.includes("//"));

/** Each bare key once, in first-seen order: what a set of seen keys gives. */
function withSet(keys: readonly string[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const key of keys) {
    const bare = registry.bareKey(key);
    if (!seen.has(bare)) {
      seen.add(bare);
      out.push(bare);
    }
  }
  return out;
}

function withRuns(keys: readonly string[]): string[] {
  const unique = new UniqueBareKeys();
  return keys
    .map((key) => [key, registry.bareKey(key)] as const)
    .filter(([key, bare]) => unique.first(key, bare))
    .map(([, bare]) => bare);
}

describe("UniqueBareKeys", () => {
  it("keeps each bare key once in a listing in key order, as a set of every key would", () => {
    fc.assert(
      fc.property(fc.uniqueArray(name, { maxLength: 40 }), (keys) => {
        const sorted = [...keys].sort();
        expect(withRuns(sorted)).toEqual(withSet(sorted));
      }),
      { numRuns: 2000 },
    );
  });

  it("still keeps each bare key once when a backend lists out of order", () => {
    fc.assert(
      fc.property(fc.uniqueArray(name, { maxLength: 40 }), (keys) => {
        expect(withRuns(keys)).toEqual(withSet(keys));
      }),
      { numRuns: 1000 },
    );
  });

  it("tells `a` and `a.json` apart from `a-b` lying between them", () => {
    expect(withRuns(["a", "a-b", "a-b.json", "a.json", "a.k.json", "a.yaml", "a/x.json"])).toEqual([
      "a",
      "a-b",
      "a.k",
      "a/x",
    ]);
  });
});

describe("disk listing in pages", () => {
  let dir: { path: string; remove: () => Promise<void> };
  beforeEach(async () => {
    dir = await tempDir();
  });
  afterEach(async () => {
    await dir.remove();
  });

  it("holds the entries of `list`, in order, for every prefix and with or without delimiter", async () => {
    const files = ["a-b.json", "a.json", "a/x.json", "a/y/z.txt", "a.d/q.json", "b/c/d/e.json", "b.txt"];
    files.push("c", "c-1.json", "c.json", "c.k.json", "c.yaml");
    for (let i = 0; i < 30; i++) files.push(`wide/f${i}/g${i % 3}.json`);
    for (const file of files) {
      await mkdir(join(dir.path, file, ".."), { recursive: true });
      await writeFile(join(dir.path, file), "{}");
    }
    const disk = new DiskBackend(dir.path);
    for (const prefix of ["", "a", "a.", "a/", "b/c", "wide/", "wide/f1", "none/"]) {
      for (const delimiter of [false, true]) {
        const listed: unknown[] = [];
        for await (const entry of disk.list(prefix, { delimiter })) listed.push(entry);
        const paged: unknown[] = [];
        for await (const page of disk.listPages(prefix, { delimiter })) paged.push(...page);
        expect(paged).toEqual(listed);
        const keys = listed.map((e) =>
          "key" in (e as object) ? (e as { key: string }).key : (e as { prefix: string }).prefix,
        );
        expect(keys).toEqual([...keys].sort());
      }
    }
    const store = new AutoStore(dir.path);
    const keys: string[] = [];
    for await (const key of store.keys()) keys.push(key);
    expect(keys).toEqual(withSet([...files].sort()));
    expect(keys).toContain("c.k");
    expect(keys.filter((key) => key === "c")).toHaveLength(1);
  });
});

describe("disk listing of a subclass", () => {
  it("lists through the subclass's own `list`", async () => {
    const dir = await tempDir();
    try {
      await writeFile(join(dir.path, "a.json"), "{}");
      await writeFile(join(dir.path, "hidden.json"), "{}");
      class Filtered extends DiskBackend {
        override async *list(prefix: string, options = {}) {
          for await (const entry of super.list(prefix, options)) {
            if (!("key" in entry) || !entry.key.startsWith("hidden")) yield entry;
          }
        }
      }
      const filtered = new Filtered(dir.path);
      const pages: unknown[] = [];
      for await (const page of filtered.listPages("")) pages.push(...page);
      expect(pages).toEqual([{ key: "a.json" }]);
    } finally {
      await dir.remove();
    }
  });
});
