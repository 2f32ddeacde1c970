/**
 * Parquet timestamps at the edges of what Arrow's units hold: INT96 (Spark, Impala) past 2262 and
 * before 1677, Spark's 9999-12-31 sentinel, and INT64 timestamps at the ends of their range. Each
 * value reads right, or the read is a DecodeError naming the file and the column; never a wrong date.
 * Files are crafted byte by byte (test/helpers/parquet-writer.ts): no writer installable here makes them.
 */
import * as arrow from "apache-arrow";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AutoStore, type Dataset, DecodeError, MemoryBackend } from "../../src/node/index.js";
import { type CraftedColumn, nanosOf, writeParquet } from "../helpers/parquet-writer.js";
import { tempDir } from "../helpers/tmp.js";

const NS_MAX = 2n ** 63n - 1n;
const NS_MIN = -(2n ** 63n);

const SPARK = [
  nanosOf("1970-01-01T00:00:00Z"),
  nanosOf("2024-05-06T07:08:09.123456Z"),
  nanosOf("2262-04-12T00:00:00Z"), // the first midnight past nanoseconds' range
  nanosOf("9999-12-31T00:00:00Z"), // Spark's "no end date" sentinel
  null,
  // ±300 years from 1970: beyond any 64-bit nanosecond count, so only INT96 can carry them.
  nanosOf("1670-01-01T00:00:00.000001Z"),
  nanosOf("2270-12-31T23:59:59.999999Z"),
];

/** A timestamp column's raw values and unit factor (nanoseconds per unit). */
function rawTimestamps(table: arrow.Table, name: string): { values: (bigint | null)[]; factor: bigint } {
  const column = table.getChild(name);
  if (!column || !arrow.DataType.isTimestamp(column.type)) throw new Error(`${name} is not a timestamp`);
  const factor = [1_000_000_000n, 1_000_000n, 1_000n, 1n][column.type.unit] as bigint;
  const values: (bigint | null)[] = [];
  for (const data of column.data) {
    for (let i = 0; i < data.length; i++) {
      values.push(data.getValid(i) ? (data.values[data.offset + i] as bigint) : null);
    }
  }
  return { values, factor };
}

/** The nanoseconds a decoded timestamp column stands for. */
function nanosIn(table: arrow.Table, name: string): (bigint | null)[] {
  const { values, factor } = rawTimestamps(table, name);
  return values.map((v) => (v === null ? null : v * factor));
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error("expected a rejection");
}

function expectDecodeError(err: unknown, file: string, column: string): void {
  expect(err).toBeInstanceOf(DecodeError);
  const message = (err as Error).message;
  expect(message).toContain(file);
  expect(message).toContain(`'${column}'`);
}

describe.each([
  ["memory", false],
  ["local disk", true],
])("Parquet timestamps on %s", (_name, disk) => {
  let store: AutoStore;
  let close: () => Promise<void>;

  beforeAll(async () => {
    if (disk) {
      const dir = await tempDir("autostore-ts-");
      store = new AutoStore(dir.path);
      close = async () => {
        await store.close();
        await dir.remove();
      };
    } else {
      const space = `timestamps-${process.pid}`;
      MemoryBackend.drop(space);
      store = new AutoStore(`memory://${space}`);
      close = async () => {
        await store.close();
        MemoryBackend.drop(space);
      };
    }
  });
  afterAll(async () => close());

  const put = (key: string, columns: CraftedColumn[], options?: { arrowSchema?: string; gzip?: boolean }) =>
    store.primaryBackend.write(key, writeParquet(columns, options));

  it.each([false, true])(
    "reads Spark's INT96 dates after 2262 and before 1677 exactly (gzip: %s)",
    async (gzip) => {
      await put(`spark-${gzip}.parquet`, [{ name: "ts", kind: "int96", values: SPARK }], { gzip });
      const table = await store.get<arrow.Table>(`spark-${gzip}.parquet`);
      expect(nanosIn(table, "ts")).toEqual(SPARK);
      expect(String(table.getChild("ts")?.type)).toBe("Timestamp<MICROSECOND>");
      // What a user sees: the right calendar dates.
      const dates = Array.from(table.getChild("ts") ?? [], (ms) =>
        ms === null ? null : new Date(ms as number),
      );
      expect(dates[3]?.toISOString()).toBe("9999-12-31T00:00:00.000Z");
      expect(dates[5]?.toISOString()).toBe("1670-01-01T00:00:00.000Z");
    },
  );

  it("keeps INT96 in nanoseconds when every value fits, sub-microsecond digits included", async () => {
    const values = [
      nanosOf("2024-05-06T07:08:09.123Z", 456_789n),
      null,
      nanosOf("2262-04-11T23:47:16.854Z", 775_807n),
    ];
    await put("impala.parquet", [{ name: "at", kind: "int96", values }]);
    const table = await store.get<arrow.Table>("impala.parquet");
    expect(String(table.getChild("at")?.type)).toBe("Timestamp<NANOSECOND>");
    expect(nanosIn(table, "at")).toEqual(values);
  });

  it("refuses an INT96 value no unit holds exactly, naming the file and the column", async () => {
    const values = [nanosOf("2024-01-01T00:00:00Z"), nanosOf("2262-04-12T00:00:00Z", 1n)];
    await put("odd.parquet", [
      { name: "fine", kind: "int32", values: [1, 2] },
      { name: "when", kind: "int96", values },
    ]);
    expectDecodeError(await rejection(store.get("odd.parquet")), "odd.parquet", "when");
  });

  it("reads INT96 inside a struct when nanoseconds hold it, and refuses it by column when not", async () => {
    const inRange = [nanosOf("2024-05-06T07:08:09.123Z", 1n), null];
    await put("nested-ok.parquet", [{ name: "t", kind: "int96", parent: "event", values: inRange }]);
    const table = await store.get<arrow.Table>("nested-ok.parquet");
    const event = table.getChild("event");
    const t = event?.data[0]?.children[0] as arrow.Data<arrow.Timestamp>;
    expect(String(t.type)).toBe("Timestamp<NANOSECOND>");
    expect([t.values[0], t.getValid(1)]).toEqual([inRange[0], false]);

    await put("nested-far.parquet", [
      { name: "t", kind: "int96", parent: "event", values: [nanosOf("9999-12-31T00:00:00Z"), null] },
    ]);
    expectDecodeError(await rejection(store.get("nested-far.parquet")), "nested-far.parquet", "event");
  });

  it("reads INT64 timestamps at the ends of their range, whatever unit the Arrow schema asks for", async () => {
    const nanos = [NS_MIN, -1n, 0n, 1n, NS_MAX, null];
    const micros = [
      nanosOf("1670-01-01T00:00:00Z") / 1000n,
      nanosOf("2270-01-01T00:00:00.000001Z") / 1000n,
      null,
    ];
    const millis = [-8_640_000_000_000_000n, 8_640_000_000_000_000n, 0n];
    // An Arrow schema in the footer asking for nanoseconds everywhere: a reader that obeyed it for the
    // microsecond column would overflow.
    const hint = new arrow.Schema([
      new arrow.Field("ns", new arrow.TimestampNanosecond("UTC")),
      new arrow.Field("us", new arrow.TimestampNanosecond("UTC")),
      new arrow.Field("ms", new arrow.TimestampNanosecond("UTC")),
    ]);
    const ipc = arrow.tableToIPC(new arrow.Table(hint), "stream");
    const arrowSchema = Buffer.from(ipc.subarray(0, ipc.length - 8)).toString("base64");
    for (const [key, options] of [
      ["int64.parquet", {}],
      ["int64-hinted.parquet", { arrowSchema }],
    ] as const) {
      await put(
        key,
        [
          { name: "ns", kind: "timestamp", unit: "NANOS", values: nanos, statistics: true },
          { name: "us", kind: "timestamp", unit: "MICROS", values: [...micros, 5n, 6n, 7n] },
          { name: "ms", kind: "timestamp", unit: "MILLIS", values: [...millis, 1n, 2n, 3n] },
        ],
        options,
      );
      const table = await store.get<arrow.Table>(key);
      expect(nanosIn(table, "ns")).toEqual(nanos);
      expect(rawTimestamps(table, "us").values).toEqual([...micros, 5n, 6n, 7n]);
      expect(nanosIn(table, "us")).toEqual(
        [...micros, 5n, 6n, 7n].map((v) => (v === null ? null : v * 1000n)),
      );
      expect(rawTimestamps(table, "ms").values).toEqual([...millis, 1n, 2n, 3n]);
      expect(new Date(table.getChild("ms")?.get(1) as number).toISOString()).toBe(
        "+275760-09-13T00:00:00.000Z",
      );
    }
  });

  it("datasets read INT96 in range, and refuse a file past 2262 naming it and the column", async () => {
    const early = [nanosOf("2024-05-06T07:08:09.123Z", 456_789n), null];
    await put("spark/part-0.parquet", [
      { name: "id", kind: "int32", values: [1, 2] },
      { name: "ts", kind: "int96", values: early },
    ]);
    const ok = await store.get<Dataset>("spark/");
    expect(nanosIn(await ok.toTable(), "ts")).toEqual(early);

    await put("spark/part-1.parquet", [
      { name: "id", kind: "int32", values: [3, 4] },
      {
        name: "ts",
        kind: "int96",
        values: [nanosOf("2020-01-01T00:00:00Z"), nanosOf("9999-12-31T00:00:00Z")],
      },
    ]);
    const ds = await store.get<Dataset>("spark/");
    expectDecodeError(await rejection(ds.toTable()), "spark/part-1.parquet", "ts");
    const batches = async () => {
      for await (const _ of ds.batches()) {
        // drained
      }
    };
    expectDecodeError(await rejection(batches()), "spark/part-1.parquet", "ts");
    // Rows and columns that were not asked for are not held against the file.
    expect((await ds.toTable({ limit: 3 })).numRows).toBe(3);
    expect(Array.from((await ds.toTable({ columns: ["id"] })).getChild("id") ?? [])).toEqual([1, 2, 3, 4]);
  });
});

describe("generated INT96 values", () => {
  const space = `int96-prop-${process.pid}`;
  let store: AutoStore;
  beforeAll(() => {
    MemoryBackend.drop(space);
    store = new AutoStore(`memory://${space}`);
  });
  afterAll(async () => {
    await store.close();
    MemoryBackend.drop(space);
  });

  // Days from the epoch anywhere a Julian day number (int32) reaches, and any time of day, with a
  // bias towards whole seconds and microseconds as writers produce them.
  const NANOS_PER_DAY = 86_400_000_000_000n;
  const value = fc
    .tuple(
      fc.oneof(
        fc.integer({ min: -2_440_588, max: 2_147_483_647 - 2_440_588 }),
        fc.integer({ min: -120_000, max: 120_000 }),
      ),
      fc.bigInt({ min: 0n, max: NANOS_PER_DAY - 1n }),
      fc.constantFrom(1n, 1_000n, 1_000_000_000n),
    )
    .map(([days, ofDay, grain]) => BigInt(days) * NANOS_PER_DAY + (ofDay / grain) * grain);

  it("reads every INT96 value exactly or refuses the column by name", async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.option(value, { nil: null }), { minLength: 1, maxLength: 6 }),
        async (values) => {
          const key = `p${run++}.parquet`;
          await store.primaryBackend.write(key, writeParquet([{ name: "t", kind: "int96", values }]));
          const factors = [1n, 1_000n, 1_000_000n, 1_000_000_000n];
          const holds = factors.some((f) =>
            values.every((v) => v === null || (v % f === 0n && v / f >= NS_MIN && v / f <= NS_MAX)),
          );
          try {
            const table = await store.get<arrow.Table>(key);
            expect(nanosIn(table, "t")).toEqual(values);
            expect(holds).toBe(true);
          } catch (err) {
            if (!(err instanceof DecodeError)) throw err;
            expectDecodeError(err, key, "t");
            expect(holds).toBe(false);
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});
