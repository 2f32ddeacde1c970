/**
 * The dataset cases every backend runs: a folder of three Parquet files (count, schema, projection,
 * limit, batches), Hive partitions, the seed's `listFiles` pattern, and the typed errors.
 */
import * as arrow from "apache-arrow";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AutoStore, type Dataset, DecodeError, KeyNotFoundError } from "../../src/node/index.js";

/** A table of `rows` weather readings starting at `from`. */
export function readings(from: number, rows: number): arrow.Table {
  return new arrow.Table({
    id: arrow.makeVector(Int32Array.from({ length: rows }, (_, i) => from + i)),
    city: arrow.vectorFromArray(
      Array.from({ length: rows }, (_, i) => ["Oslo", "Lima", "Pune"][(from + i) % 3] as string),
      new arrow.Utf8(),
    ),
    temp: arrow.makeVector(Float64Array.from({ length: rows }, (_, i) => (from + i) / 10)),
  });
}

const ids = (t: arrow.Table): number[] => Array.from(t.getChild("id")?.toArray() ?? []) as number[];

/** Runs the dataset cases against stores made by `open` (a fresh, empty store each suite). */
export function testDatasets(
  name: string,
  open: () => Promise<{ store: AutoStore; close(): Promise<void> }>,
) {
  describe(`datasets on ${name}`, () => {
    let store: AutoStore;
    let close: () => Promise<void>;

    beforeAll(async () => {
      ({ store, close } = await open());
      // Three files of 100, 200 and 300 rows; out of order on purpose: `files` is sorted.
      await store.set("weather/2024/q2/apr.parquet", readings(300, 300));
      await store.set("weather/2024/q1/jan.parquet", readings(0, 100));
      await store.set("weather/2024/q1/feb.parquet", readings(100, 200));
      await store.set("weather/2023/dec.parquet", readings(-50, 50));
      await store.set("weather/2024/notes.txt", "not part of the data");
      await store.set("weather/2024/_SUCCESS.txt", "");
      for (const [part, from] of [
        ["year=2023/month=12", 0],
        ["year=2024/month=01", 10],
        ["year=2024/month=02", 20],
      ] as const) {
        await store.set(`hive/${part}/part-0.parquet`, readings(from, 10));
      }
      await store.set("mixed/a.parquet", readings(0, 5));
      await store.set("mixed/b.parquet", arrow.tableFromArrays({ id: ["x"], city: ["y"], temp: [1.5] }));
      await store.set("configs/a.json", { a: 1 });
    });
    afterAll(async () => {
      await close();
    });

    it("opens a folder lazily, with its member files sorted", async () => {
      const ds = await store.get<Dataset>("weather/2024/");
      expect(ds.files).toEqual([
        "weather/2024/q1/feb.parquet",
        "weather/2024/q1/jan.parquet",
        "weather/2024/q2/apr.parquet",
      ]);
      expect(ds.partitioning).toEqual([]);
      // A bare key naming the folder reads as the same dataset.
      expect((await store.get<Dataset>("weather/2024")).files).toEqual(ds.files);
      expect(await store.primaryBackend.isDataset("weather/2024")).toBe(true);
      expect(await store.primaryBackend.isDirectory("weather/2024")).toBe(true);
      expect(await store.primaryBackend.isDataset("configs")).toBe(false);
    });

    it("lists the seed's pattern recursively", async () => {
      const found: string[] = [];
      for await (const key of store.listFiles("weather/2024/*", { recursive: true })) found.push(key);
      expect(found.sort()).toEqual([
        "weather/2024/_SUCCESS.txt",
        "weather/2024/notes.txt",
        "weather/2024/q1/feb.parquet",
        "weather/2024/q1/jan.parquet",
        "weather/2024/q2/apr.parquet",
      ]);
    });

    it("counts rows and reads the schema from footers", async () => {
      const ds = await store.get<Dataset>("weather/2024/");
      expect(await ds.countRows()).toBe(600);
      const schema = await ds.schema();
      expect(schema.fields.map((f) => `${f.name}: ${f.type}`)).toEqual([
        "id: Int32",
        "city: Utf8",
        "temp: Float64",
      ]);
    });

    it("reads every row, in file order", async () => {
      const table = await (await store.get<Dataset>("weather/2024/")).toTable();
      expect(table.numRows).toBe(600);
      expect(ids(table)).toEqual([
        ...Array.from({ length: 200 }, (_, i) => 100 + i),
        ...Array.from({ length: 100 }, (_, i) => i),
        ...Array.from({ length: 300 }, (_, i) => 300 + i),
      ]);
    });

    it("projects columns, in the order asked", async () => {
      const ds = await store.get<Dataset>("weather/2024/");
      const table = await ds.toTable({ columns: ["temp", "id"] });
      expect(table.schema.fields.map((f) => f.name)).toEqual(["temp", "id"]);
      expect(table.numRows).toBe(600);
      expect(table.get(0)?.toJSON()).toEqual({ temp: 10, id: 100 });
      await expect(ds.toTable({ columns: ["nope"] })).rejects.toBeInstanceOf(KeyNotFoundError);
    });

    it("stops at a limit, across files", async () => {
      const ds = await store.get<Dataset>("weather/2024/");
      const table = await ds.toTable({ columns: ["id"], limit: 250 });
      expect(table.numRows).toBe(250);
      expect(ids(table).slice(198, 202)).toEqual([298, 299, 0, 1]);
      expect((await ds.toTable({ limit: 0 })).numRows).toBe(0);
    });

    it("streams record batches", async () => {
      const ds = await store.get<Dataset>("weather/2024/");
      let total = 0;
      let count = 0;
      for await (const batch of ds.batches({ columns: ["city"], batchSize: 64 })) {
        expect(batch).toBeInstanceOf(arrow.RecordBatch);
        expect(batch.schema.fields.map((f) => f.name)).toEqual(["city"]);
        expect(batch.numRows).toBeLessThanOrEqual(64);
        total += batch.numRows;
        count++;
      }
      expect(total).toBe(600);
      expect(count).toBe(4 + 2 + 5);
      // Stopping early releases the stream; the dataset reads again afterwards.
      for await (const batch of ds.batches({ batchSize: 10 })) {
        expect(batch.numRows).toBe(10);
        break;
      }
      expect(await ds.countRows()).toBe(600);
    });

    it("adds Hive partitions as typed columns", async () => {
      const ds = await store.get<Dataset>("hive/");
      expect(ds.partitioning).toEqual(["year", "month"]);
      const schema = await ds.schema();
      expect(schema.fields.map((f) => `${f.name}: ${f.type}`)).toEqual([
        "id: Int32",
        "city: Utf8",
        "temp: Float64",
        "year: Int32",
        "month: Int32",
      ]);
      expect(await ds.countRows()).toBe(30);
      const table = await ds.toTable({ columns: ["month", "id", "year"] });
      expect(table.numRows).toBe(30);
      expect(table.get(0)?.toJSON()).toEqual({ month: 12, id: 0, year: 2023 });
      expect(table.get(29)?.toJSON()).toEqual({ month: 2, id: 29, year: 2024 });
      // Only partition columns: no data is read, the footers give the row counts.
      const parts = await ds.toTable({ columns: ["year"], limit: 15 });
      expect(Array.from(parts.getChild("year")?.toArray() ?? [])).toEqual([
        ...Array(10).fill(2023),
        ...Array(5).fill(2024),
      ]);
      // A partition folder read on its own is a dataset too.
      expect(await (await store.get<Dataset>("hive/year=2024/")).countRows()).toBe(20);
    });

    it("fails with a DecodeError naming both files when they disagree on the schema", async () => {
      const ds = await store.get<Dataset>("mixed/");
      const err = await ds.schema().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DecodeError);
      expect(String((err as Error).message)).toMatch(
        /column 'id' is Int32 in mixed\/a\.parquet and .*Utf8.* in mixed\/b\.parquet/,
      );
      await expect(ds.toTable()).rejects.toBeInstanceOf(DecodeError);
    });

    it("an empty or missing folder is a KeyNotFoundError; one without tables is UnsupportedFormatError", async () => {
      await expect(store.get("nothing-here/")).rejects.toBeInstanceOf(KeyNotFoundError);
      await expect(store.get("configs/")).rejects.toMatchObject({ code: "UNSUPPORTED_FORMAT" });
    });

    it("a truncated member file is a DecodeError naming it, and nothing hangs", async () => {
      const good = await (await store.primaryBackend.read("weather/2024/q1/jan.parquet")).bytes();
      await store.set("broken/a.parquet", readings(0, 10));
      await store.primaryBackend.write("broken/b.parquet", good.slice(0, Math.floor(good.length / 2)));
      const ds = await store.get<Dataset>("broken/");
      for (const attempt of [() => ds.countRows(), () => ds.schema(), () => ds.toTable()]) {
        const err = await attempt().catch((e: unknown) => e);
        expect(err).toBeInstanceOf(DecodeError);
        expect((err as DecodeError).uri).toMatch(/broken\/b\.parquet$/);
      }
    });

    it("stops when the signal aborts", async () => {
      const ds = await store.get<Dataset>("weather/2024/");
      const controller = new AbortController();
      controller.abort(new Error("stop"));
      await expect(ds.toTable({ signal: controller.signal })).rejects.toThrow(/^stop$/);
      const late = new AbortController();
      const read = (async () => {
        for await (const _ of ds.batches({ batchSize: 10, signal: late.signal }))
          late.abort(new Error("late stop"));
      })();
      await expect(read).rejects.toThrow(/^late stop$/);
      expect(await ds.countRows()).toBe(600);
    });

    it("reads folders of CSV and Arrow IPC files", async () => {
      await store.set("csvs/a.csv", "id,city\n1,Oslo\n2,Lima\n");
      await store.set("csvs/b.csv", "id,city\n3,Pune\n");
      const csvs = await store.get<Dataset>("csvs/");
      expect(await csvs.countRows()).toBe(3);
      expect((await csvs.toTable({ columns: ["city"] })).toArray().map((r) => r.city)).toEqual([
        "Oslo",
        "Lima",
        "Pune",
      ]);
      await store.set("ipc/a.arrow", readings(0, 3));
      await store.set("ipc/b.feather", readings(3, 2));
      const ipc = await store.get<Dataset>("ipc/");
      expect(ids(await ipc.toTable({ limit: 4 }))).toEqual([0, 1, 2, 3]);
    });
  });
}
