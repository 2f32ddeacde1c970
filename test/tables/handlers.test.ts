/**
 * Table handlers: Parquet written by another writer reads right, what the store writes reads right in
 * an independent reader (hyparquet), CSV inference, Arrow IPC, and typed errors for broken files.
 */
import { createRequire } from "node:module";
import * as arrow from "apache-arrow";
import { parquetMetadata, parquetReadObjects } from "hyparquet";
import * as pw from "parquet-wasm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  AutoStore,
  DecodeError,
  isArrowTable,
  isAutoStoreError,
  MemoryBackend,
  ParquetHandler,
} from "../../src/node/index.js";

let store: AutoStore;
let space: string;
let n = 0;

beforeEach(() => {
  space = `tables-${process.pid}-${n++}`;
  store = new AutoStore(`memory://${space}`);
});
afterEach(async () => {
  await store.close();
  MemoryBackend.drop(space);
});

/** A table with the column kinds that trip readers up: nulls, dictionaries, nesting, timestamps. */
function richTable(rows = 500): arrow.Table {
  const ids = Int32Array.from({ length: rows }, (_, i) => i);
  const big = arrow.vectorFromArray(
    Array.from({ length: rows }, (_, i) => BigInt(i) * 10_000_000_000n),
    new arrow.Int64(),
  );
  const score = arrow.vectorFromArray(
    Array.from({ length: rows }, (_, i) => (i % 5 === 0 ? null : i / 4)),
    new arrow.Float64(),
  );
  const city = arrow.vectorFromArray(
    Array.from({ length: rows }, (_, i) => (i % 7 === 0 ? null : `city-${i % 3}`)),
    new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32()),
  );
  const name = arrow.vectorFromArray(
    Array.from({ length: rows }, (_, i) => `name ${i}, "quoted"`),
    new arrow.Utf8(),
  );
  const flag = arrow.vectorFromArray(
    Array.from({ length: rows }, (_, i) => (i % 11 === 0 ? null : i % 2 === 0)),
    new arrow.Bool(),
  );
  const when = arrow.vectorFromArray(
    Array.from({ length: rows }, (_, i) => Date.UTC(2024, 0, 1) + i * 3_600_000),
    new arrow.TimestampMillisecond(),
  );
  const whenUtc = arrow.vectorFromArray(
    Array.from({ length: rows }, (_, i) => Date.UTC(2024, 5, 1) + i * 1000),
    new arrow.Timestamp(arrow.TimeUnit.MICROSECOND, "UTC"),
  );
  const day = arrow.vectorFromArray(
    Array.from({ length: rows }, (_, i) => Date.UTC(2020, 0, 1 + i)),
    new arrow.DateDay(),
  );
  const tags = arrow.vectorFromArray(
    Array.from({ length: rows }, (_, i) => (i % 4 === 0 ? null : [i, i + 1])),
    new arrow.List(new arrow.Field("item", new arrow.Int32(), true)),
  );
  const point = arrow.vectorFromArray(
    Array.from({ length: rows }, (_, i) => ({ x: i, label: `p${i}` })),
    new arrow.Struct([new arrow.Field("x", new arrow.Int32()), new arrow.Field("label", new arrow.Utf8())]),
  );
  return new arrow.Table({
    id: arrow.makeVector(ids),
    big,
    score,
    city,
    name,
    flag,
    when,
    whenUtc,
    day,
    tags,
    point,
  });
}

/** Rows as plain JSON-able objects, to compare tables by value. */
function rows(table: arrow.Table): unknown[] {
  return JSON.parse(
    JSON.stringify(table.toArray(), (_, v) => (typeof v === "bigint" ? v.toString() : v)),
  ) as unknown[];
}

function writeWithParquetWasm(
  table: arrow.Table,
  compression: pw.Compression,
  dictionary: boolean,
): Uint8Array {
  const props = new pw.WriterPropertiesBuilder()
    .setCompression(compression)
    .setDictionaryEnabled(dictionary)
    .setMaxRowGroupSize(128)
    .build();
  return pw.writeParquet(pw.Table.fromIPCStream(arrow.tableToIPC(table, "stream")), props);
}

describe("Parquet written by parquet-wasm directly", () => {
  const codecs: Array<[string, pw.Compression]> = [
    ["uncompressed", pw.Compression.UNCOMPRESSED],
    ["snappy", pw.Compression.SNAPPY],
    ["gzip", pw.Compression.GZIP],
    ["brotli", pw.Compression.BROTLI],
    ["lz4_raw", pw.Compression.LZ4_RAW],
    ["zstd", pw.Compression.ZSTD],
  ];
  for (const [name, codec] of codecs) {
    for (const dictionary of [true, false]) {
      it(`reads ${name}${dictionary ? " with dictionary encoding" : ""}: nulls, nested, timestamps`, async () => {
        const table = richTable();
        await store.primaryBackend.write("foreign.parquet", writeWithParquetWasm(table, codec, dictionary));
        const back = await store.get<arrow.Table>("foreign");
        expect(isArrowTable(back)).toBe(true);
        expect(back.numRows).toBe(table.numRows);
        expect(back.schema.fields.map((f) => `${f.name}: ${f.type}`)).toEqual(
          table.schema.fields.map((f) => `${f.name}: ${f.type}`),
        );
        expect(rows(back)).toEqual(rows(table));
      });
    }
  }
});

describe("what the store writes", () => {
  it("is read right by hyparquet (an independent reader)", async () => {
    const table = arrow.tableFromArrays({
      id: Int32Array.from([1, 2, 3, 4]),
      score: Float64Array.from([0.5, 1.5, Number.NaN, -2]),
      city: ["Oslo", null, "Lima", "Oslo"],
    });
    expect(await store.set("out", table)).toBe("out.parquet");
    const bytes = await (await store.primaryBackend.read("out.parquet")).bytes();
    const buffer = bytes.slice().buffer as ArrayBuffer;
    const meta = parquetMetadata(buffer);
    expect(Number(meta.num_rows)).toBe(4);
    expect(meta.row_groups[0]?.columns[0]?.meta_data?.codec).toBe("SNAPPY");
    const objects = await parquetReadObjects({ file: buffer });
    expect(objects.map((o) => o.id)).toEqual([1, 2, 3, 4]);
    expect(objects.map((o) => o.city)).toEqual(["Oslo", null, "Lima", "Oslo"]);
    expect(objects[2]?.score).toBeNaN();
    expect(objects[3]?.score).toBe(-2);
  });

  it("round-trips through the store with every column kind", async () => {
    const table = richTable(300);
    await store.set("rich", table);
    const back = await store.get<arrow.Table>("rich");
    expect(rows(back)).toEqual(rows(table));
  });

  it("takes its compression from ParquetHandler options (hyparquet reads the footer)", async () => {
    store.registerHandler(new ParquetHandler({ compression: "zstd", rowGroupSize: 100 }));
    const table = arrow.tableFromArrays({ v: Float64Array.from({ length: 1000 }, (_, i) => i) });
    await store.set("z", table);
    const bytes = await (await store.primaryBackend.read("z.parquet")).bytes();
    const meta = parquetMetadata(bytes.slice().buffer as ArrayBuffer);
    expect(meta.row_groups).toHaveLength(10);
    expect(meta.row_groups[0]?.columns[0]?.meta_data?.codec).toBe("ZSTD");
    expect(rows(await store.get<arrow.Table>("z"))).toEqual(rows(table));
  });

  it("refuses unknown ParquetHandler options with ConfigError", () => {
    expect(() => new ParquetHandler({ compression: "lzo" as never })).toThrow(/compression must be one of/);
    expect(() => new ParquetHandler({ rowGroupSize: 0 })).toThrow(/rowGroupSize/);
    expect(() => new ParquetHandler({ compresion: "zstd" } as never)).toThrow(/unknown option 'compresion'/);
  });

  it("writes a bare-key table as Parquet, and .arrow/.feather/.csv when named", async () => {
    const table = arrow.tableFromArrays({ a: Int32Array.from([1, 2]), b: ["x", "y"] });
    expect(await store.set("t", table)).toBe("t.parquet");
    expect(await store.set("t2.arrow", table)).toBe("t2.arrow");
    expect(await store.set("t3.feather", table)).toBe("t3.feather");
    expect(await store.set("t4.csv", table)).toBe("t4.csv");
    expect(await store.set("t5", table, { format: "arrow" })).toBe("t5.arrow");
    for (const key of ["t2", "t3", "t5"]) {
      const back = await store.get<arrow.Table>(key);
      expect(rows(back)).toEqual(rows(table));
    }
    const bytes = await (await store.primaryBackend.read("t2.arrow")).bytes();
    expect(new TextDecoder().decode(bytes.subarray(0, 6))).toBe("ARROW1");
    expect(rows(await store.get<arrow.Table>("t4.csv"))).toEqual([
      { a: 1, b: "x" },
      { a: 2, b: "y" },
    ]);
  });

  it("reads any file name as a table when a format is forced", async () => {
    const table = arrow.tableFromArrays({ a: Int32Array.from([7, 8]) });
    await store.set("t.parquet", table);
    await store.primaryBackend.write(
      "export.dat",
      await (await store.primaryBackend.read("t.parquet")).bytes(),
    );
    expect(rows(await store.get<arrow.Table>("export.dat", { format: "parquet" }))).toEqual(rows(table));
    await store.primaryBackend.write("export.txt", new TextEncoder().encode("a\n1\n"));
    expect(rows(await store.get<arrow.Table>("export.txt", { format: "csv" }))).toEqual([{ a: 1 }]);
  });

  it("writes tables made by another copy of apache-arrow (detected by shape, not instanceof)", async () => {
    const other = createRequire(import.meta.url)("apache-arrow") as typeof arrow;
    expect(other.Table).not.toBe(arrow.Table);
    const foreign = other.tableFromArrays({
      id: Int32Array.from([1, 2, 3]),
      s: ["a", null, "c"],
      d: [new Date(0), null, new Date(1e12)],
    });
    expect(await store.set("foreign", foreign)).toBe("foreign.parquet");
    expect(await store.set("foreign.arrow", foreign)).toBe("foreign.arrow");
    expect(await store.set("foreign.csv", foreign)).toBe("foreign.csv");
    const expected = rows(foreign as unknown as arrow.Table);
    expect(rows(await store.get<arrow.Table>("foreign.parquet"))).toEqual(expected);
    expect(rows(await store.get<arrow.Table>("foreign.arrow"))).toEqual(expected);
  });
});

describe("CSV", () => {
  const csv = [
    "id,price,ok,day,at,at_utc,name,empty,big",
    "1,2.5,true,2024-01-02,2024-01-02 03:04:05,2024-01-02T03:04:05Z,Oslo,,9007199254740993",
    '2,,FALSE,2024-02-29,2024-01-02T03:04,2024-01-02T05:04:05+02:00,"Lima, Peru",,-3',
    '-3,1e3,,,,,"say ""hi""",,',
  ].join("\r\n");

  it("infers integers, floats, booleans, dates, timestamps, strings and nulls", async () => {
    await store.primaryBackend.write("prices.csv", new TextEncoder().encode(`\ufeff${csv}\r\n`));
    const table = await store.get<arrow.Table>("prices");
    const types = Object.fromEntries(table.schema.fields.map((f) => [f.name, String(f.type)]));
    expect(types).toEqual({
      id: "Int32",
      price: "Float64",
      ok: "Bool",
      day: "Date32<DAY>",
      at: "Timestamp<MILLISECOND>",
      at_utc: "Timestamp<MILLISECOND, UTC>",
      name: "Utf8",
      empty: "Utf8",
      big: "Int64",
    });
    const r = table.toArray().map((row) => row.toJSON());
    expect(r[0]).toMatchObject({
      id: 1,
      price: 2.5,
      ok: true,
      name: "Oslo",
      empty: null,
      big: 9007199254740993n,
    });
    expect(r[1]).toMatchObject({ id: 2, price: null, ok: false, name: "Lima, Peru" });
    expect(r[2]).toMatchObject({ id: -3, price: 1000, ok: null, day: null, name: 'say "hi"' });
    expect(r[0]?.day).toBe(Date.UTC(2024, 0, 2));
    expect(r[0]?.at).toBe(Date.UTC(2024, 0, 2, 3, 4, 5));
    expect(r[1]?.at).toBe(Date.UTC(2024, 0, 2, 3, 4));
    expect(r[0]?.at_utc).toBe(Date.UTC(2024, 0, 2, 3, 4, 5));
    expect(r[1]?.at_utc).toBe(Date.UTC(2024, 0, 2, 3, 4, 5));
  });

  it("keeps mixed and out-of-range columns as strings", async () => {
    const text = "a,b,c,d\n1,2024-02-30,123456789012345678901234,x\nfoo,2024-01-01,1,2\n";
    await store.primaryBackend.write("mixed.csv", new TextEncoder().encode(text));
    const table = await store.get<arrow.Table>("mixed.csv");
    expect(table.schema.fields.map((f) => String(f.type))).toEqual(["Utf8", "Utf8", "Utf8", "Utf8"]);
  });

  it("round-trips a table through .csv", async () => {
    const table = await (async () => {
      await store.primaryBackend.write("src.csv", new TextEncoder().encode(`${csv}\n`));
      return store.get<arrow.Table>("src.csv");
    })();
    await store.set("copy.csv", table);
    expect(rows(await store.get<arrow.Table>("copy.csv"))).toEqual(rows(table));
  });

  it("writes a string to .csv as text, and reads it as a table", async () => {
    expect(await store.set("raw.csv", "a,b\n1,x\n")).toBe("raw.csv");
    const bytes = await (await store.primaryBackend.read("raw.csv")).bytes();
    expect(new TextDecoder().decode(bytes)).toBe("a,b\n1,x\n");
    expect(await store.get("raw.csv", { format: "txt" })).toBe("a,b\n1,x\n");
    const table = await store.get<arrow.Table>("raw");
    expect(rows(table)).toEqual([{ a: 1, b: "x" }]);
  });

  it("refuses ragged rows with a DecodeError naming the row", async () => {
    await store.primaryBackend.write("ragged.csv", new TextEncoder().encode("a,b,c\n1,2,3\n4,5\n6,7,8\n"));
    const err = await store.get("ragged").catch((e: unknown) => e);
    expect(isAutoStoreError(err, "DECODE_ERROR")).toBe(true);
    expect(String((err as Error).message)).toMatch(/ragged\.csv.*row 3 has 2 fields where the header has 3/);
    await store.primaryBackend.write("long.csv", new TextEncoder().encode("a,b\n1,2,3\n"));
    await expect(store.get("long.csv")).rejects.toThrow(/row 2 has 3 fields/);
  });

  it("refuses an empty file and text that is not UTF-8", async () => {
    await store.primaryBackend.write("empty.csv", new Uint8Array(0));
    await expect(store.get("empty.csv")).rejects.toBeInstanceOf(DecodeError);
    await store.primaryBackend.write("latin1.csv", Uint8Array.from([0x61, 0x0a, 0xe9, 0x0a]));
    await expect(store.get("latin1.csv")).rejects.toBeInstanceOf(DecodeError);
  });
});

describe("broken files", () => {
  it("a truncated Parquet file is a DecodeError naming it, and the store stays usable", async () => {
    const table = richTable(2000);
    await store.set("good", table);
    const bytes = await (await store.primaryBackend.read("good.parquet")).bytes();
    for (const cut of [bytes.length - 1, Math.floor(bytes.length / 2), 100, 3, 0]) {
      await store.primaryBackend.write("cut.parquet", bytes.slice(0, cut));
      const err = await store.get("cut").catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DecodeError);
      expect((err as DecodeError).uri).toMatch(/cut\.parquet$/);
      expect((err as DecodeError).format).toBe("parquet");
    }
    await store.primaryBackend.write(
      "garbage.parquet",
      new TextEncoder().encode("PAR1 this is not parquet PAR1"),
    );
    await expect(store.get("garbage")).rejects.toBeInstanceOf(DecodeError);
    expect(rows(await store.get<arrow.Table>("good"))).toEqual(rows(table));
  });

  it("a file that is not Arrow IPC is a DecodeError", async () => {
    await store.primaryBackend.write("bad.arrow", new TextEncoder().encode("not arrow at all"));
    await expect(store.get("bad")).rejects.toBeInstanceOf(DecodeError);
  });

  it("a value that is not a table cannot be written as Parquet", async () => {
    await expect(store.set("x.parquet", { a: 1 })).rejects.toMatchObject({ code: "UNSUPPORTED_FORMAT" });
  });
});
