/**
 * Datasets on local disk and in memory, and what they fetch: footer-only operations and one-column
 * reads measured in real bytes read from the disk backend.
 */
import * as arrow from "apache-arrow";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDataset } from "../../src/core/dataset/index.js";
import { AutoStore, DiskBackend, MemoryBackend, ParquetHandler } from "../../src/node/index.js";
import { CountingBackend } from "../helpers/counting-backend.js";
import { tempDir } from "../helpers/tmp.js";
import { testDatasets } from "./dataset-suite.js";

testDatasets("local disk", async () => {
  const dir = await tempDir("autostore-dataset-");
  const store = new AutoStore(dir.path);
  return {
    store,
    close: async () => {
      await store.close();
      await dir.remove();
    },
  };
});

testDatasets("memory", async () => {
  const name = `dataset-${process.pid}`;
  MemoryBackend.drop(name);
  const store = new AutoStore(`memory://${name}`);
  return {
    store,
    close: async () => {
      await store.close();
      MemoryBackend.drop(name);
    },
  };
});

/** Three columns of random doubles: ~`rows` × 24 bytes per file, which compression cannot shrink. */
function noise(rows: number): arrow.Table {
  const column = () => Float64Array.from({ length: rows }, Math.random);
  return arrow.tableFromArrays({ a: column(), b: column(), c: column() });
}

describe("bytes fetched (3 Parquet files of ~20 MB, counted at the disk backend)", () => {
  let dir: { path: string; remove: () => Promise<void> };
  let counting: CountingBackend;
  let total = 0;

  beforeAll(async () => {
    dir = await tempDir("autostore-dataset-bytes-");
    const store = new AutoStore(dir.path);
    // Row groups of 200k rows: a limit then reads only the first group of the first file.
    store.registerHandler(new ParquetHandler({ rowGroupSize: 200_000 }));
    for (const i of [0, 1, 2]) await store.set(`big/part-${i}.parquet`, noise(750_000));
    for await (const meta of store.primaryBackend.list("big/", { metadata: true })) {
      if ("size" in meta) total += meta.size ?? 0;
    }
    await store.close();
    counting = new CountingBackend(new DiskBackend(dir.path));
  });
  afterAll(async () => {
    await dir.remove();
  });

  const open = () => openDataset(counting, "big/", { outward: (k) => k });

  it("are ~60 MB of data", () => {
    expect(total).toBeGreaterThan(55e6);
    expect(total).toBeLessThan(75e6);
  });

  it("countRows() and schema() fetch less than 1% of the bytes", async () => {
    counting.reset();
    const ds = await open();
    expect(await ds.countRows()).toBe(3 * 750_000);
    expect((await ds.schema()).fields.map((f) => f.name)).toEqual(["a", "b", "c"]);
    expect(counting.counts.bytesRead).toBeLessThan(total * 0.01);
    expect(counting.counts.read).toBe(3); // one tail read per file
  });

  it("toTable({ columns: [one] }) fetches less than half", async () => {
    counting.reset();
    const table = await (await open()).toTable({ columns: ["b"] });
    expect(table.numRows).toBe(3 * 750_000);
    expect(counting.counts.bytesRead).toBeLessThan(total / 2);
    expect(counting.counts.bytesRead).toBeGreaterThan(total / 3 - 1e6);
  });

  it("a limit reads only the row groups it needs", async () => {
    counting.reset();
    const table = await (await open()).toTable({ limit: 1000 });
    expect(table.numRows).toBe(1000);
    // One row group of 200k rows × 3 columns ≈ 4.8 MB, plus the footer.
    expect(counting.counts.bytesRead).toBeLessThan(total * 0.1);
  });
});
