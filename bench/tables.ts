/**
 * Table scenarios: a 1,000,000-row table written and read through the store (local disk) against
 * parquet-wasm called directly on the same bytes, in the same run; and the bytes a dataset fetches for
 * footer-only operations (countRows, schema) and for a one-column read, against hyparquet's footer
 * reader with its defaults.
 */
import { deepStrictEqual } from "node:assert/strict";
import * as fs from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import * as arrow from "apache-arrow";
import { parquetMetadataAsync } from "hyparquet";
import * as pw from "parquet-wasm";
import { openDataset } from "../src/core/dataset/index.js";
import { AutoStore, DiskBackend } from "../src/node/index.js";
import { CountingBackend } from "../test/helpers/counting-backend.js";
import { mbPerSecond, scenario } from "./harness.js";

const ROWS = 1_000_000;

/** Ids, two float columns, a repeated city name and a timestamp: a typical analytics table. */
function table(rows: number): arrow.Table {
  const cities = ["Oslo", "Lima", "Pune", "Kyiv", "Accra", "Quito", "Hanoi"];
  return new arrow.Table({
    id: arrow.makeVector(Int32Array.from({ length: rows }, (_, i) => i)),
    temp: arrow.makeVector(Float64Array.from({ length: rows }, () => Math.random() * 40 - 10)),
    rain: arrow.makeVector(Float64Array.from({ length: rows }, (_, i) => (i % 13) / 4)),
    city: arrow.vectorFromArray(
      Array.from({ length: rows }, (_, i) => cities[i % cities.length] as string),
      new arrow.Utf8(),
    ),
    at: arrow.vectorFromArray(
      Array.from({ length: rows }, (_, i) => Date.UTC(2024, 0, 1) + i * 60_000),
      new arrow.TimestampMillisecond(),
    ),
  });
}

/** What a program does with parquet-wasm alone to write a table as the store does (snappy, atomically). */
function writeDirect(t: arrow.Table): Uint8Array {
  const props = new pw.WriterPropertiesBuilder()
    .setCompression(pw.Compression.SNAPPY)
    .setDictionaryEnabled(true)
    .build();
  return pw.writeParquet(pw.Table.fromIPCStream(arrow.tableToIPC(t, "stream")), props);
}

async function atomicWrite(file: string, data: Uint8Array): Promise<void> {
  const temp = `${file}.tmp-${process.pid}`;
  await fs.writeFile(temp, data);
  await fs.rename(temp, file);
}

{
  let root = "";
  let store: AutoStore;
  let data: arrow.Table;
  let size = 0;
  scenario({
    name: "disk set 1M-row table (.parquet)",
    target: 1.1,
    note: "store.set('t', table) vs tableToIPC + parquet-wasm writeParquet (snappy) + temp file and rename, same table",
    setup: async () => {
      root = await fs.mkdtemp(path.join(os.tmpdir(), "autostore-bench-tables-"));
      await fs.mkdir(path.join(root, "raw"));
      store = new AutoStore(path.join(root, "store"));
      data = table(ROWS);
    },
    baseline: async () => {
      const bytes = writeDirect(data);
      size = bytes.length;
      await atomicWrite(path.join(root, "raw", "t.parquet"), bytes);
    },
    subject: async () => {
      await store.set("t", data);
    },
    teardown: async () => {
      await store.close();
      await fs.rm(root, { recursive: true, force: true });
    },
    metrics: (t) => ({ "file MB": +(size / 1e6).toFixed(1), "MB/s": mbPerSecond(size, t.subjectMs) }),
  });
}

{
  let root = "";
  let store: AutoStore;
  let file = "";
  let size = 0;
  scenario({
    name: "disk get 1M-row table (.parquet)",
    target: 1.1,
    note: "store.get('t') vs fs.readFile + parquet-wasm readParquet + tableFromIPC, on the same file",
    setup: async () => {
      root = await fs.mkdtemp(path.join(os.tmpdir(), "autostore-bench-tables-"));
      store = new AutoStore(root);
      await store.set("t", table(ROWS));
      file = path.join(root, "t.parquet");
      size = (await fs.stat(file)).size;
      const direct = arrow.tableFromIPC(pw.readParquet(await fs.readFile(file)).intoIPCStream());
      const viaStore = await store.get<arrow.Table>("t");
      deepStrictEqual(viaStore.numRows, direct.numRows);
      deepStrictEqual(String(viaStore.schema.fields), String(direct.schema.fields));
    },
    baseline: async () => {
      const bytes = await fs.readFile(file);
      arrow.tableFromIPC(pw.readParquet(bytes).intoIPCStream());
    },
    subject: async () => {
      await store.get("t");
    },
    teardown: async () => {
      await store.close();
      await fs.rm(root, { recursive: true, force: true });
    },
    metrics: (t) => ({ "file MB": +(size / 1e6).toFixed(1), "MB/s": mbPerSecond(size, t.subjectMs) }),
  });
}

{
  let root = "";
  let counting: CountingBackend;
  let total = 0;
  let files: string[] = [];
  const fetched = { footer: 0, hyparquet: 0, oneColumn: 0 };
  scenario({
    name: "dataset countRows()+schema() on 3 × 1M-row Parquet files",
    note: "informational: footer-only reads through ranged requests vs hyparquet's parquetMetadataAsync (default 512 KiB first fetch) on each file; bytes counted at the disk backend",
    setup: async () => {
      root = await fs.mkdtemp(path.join(os.tmpdir(), "autostore-bench-dataset-"));
      const store = new AutoStore(root);
      for (const i of [0, 1, 2]) await store.set(`ds/part-${i}.parquet`, table(ROWS));
      await store.close();
      files = [0, 1, 2].map((i) => path.join(root, "ds", `part-${i}.parquet`));
      for (const f of files) total += (await fs.stat(f)).size;
      counting = new CountingBackend(new DiskBackend(root));
      counting.reset();
      const ds = await openDataset(counting, "ds/", { outward: (k) => k });
      await ds.toTable({ columns: ["temp"] });
      fetched.oneColumn = counting.counts.bytesRead;
    },
    baseline: async () => {
      fetched.hyparquet = 0;
      for (const f of files) {
        const handle = await fs.open(f);
        const byteLength = (await handle.stat()).size;
        const buffer = {
          byteLength,
          slice: async (start: number, end?: number) => {
            const length = (end ?? byteLength) - start;
            const out = Buffer.alloc(length);
            await handle.read(out, 0, length, start);
            fetched.hyparquet += length;
            return out.buffer.slice(out.byteOffset, out.byteOffset + length) as ArrayBuffer;
          },
        };
        await parquetMetadataAsync(buffer);
        await handle.close();
      }
    },
    subject: async () => {
      counting.reset();
      const ds = await openDataset(counting, "ds/", { outward: (k) => k });
      await ds.countRows();
      await ds.schema();
      fetched.footer = counting.counts.bytesRead;
    },
    teardown: async () => {
      await fs.rm(root, { recursive: true, force: true });
    },
    metrics: () => ({
      "data MB": +(total / 1e6).toFixed(1),
      "footer bytes": fetched.footer,
      "footer %": +((fetched.footer / total) * 100).toFixed(2),
      "hyparquet bytes": fetched.hyparquet,
      "1-of-5-columns %": +((fetched.oneColumn / total) * 100).toFixed(1),
    }),
  });
}
