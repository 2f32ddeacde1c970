/**
 * INT96 timestamps (written by Spark, Impala and Hive): a day number and the nanoseconds of that day.
 * parquet-wasm turns them into 64-bit nanoseconds with wrapping arithmetic, which holds only
 * 1677-09-21 to 2262-04-11: Spark's 9999-12-31 sentinel comes back as a date in 1816, with no error.
 * The 64-bit INT64 timestamps need no such check: their unit is the file's own and parquet-wasm
 * keeps it (an Arrow schema in the footer asking for a finer unit is not applied to them).
 *
 * So a file with INT96 columns has those columns read a second time, raw, by hyparquet (pure JS, no
 * WASM), and each column gets the finest unit that holds every one of its values exactly: nanoseconds
 * (parquet-wasm's result, left as it is), else micro-, milli- or whole seconds. A column no unit holds
 * (a sub-microsecond part beyond 2262) is refused with {@link Int96RangeError}, as is a column
 * hyparquet cannot decompress (zstd, brotli, lz4): its values could not be checked.
 */
import type * as Arrow from "apache-arrow";
import type { AsyncBuffer, Compressors, FileMetaData, SchemaTree } from "hyparquet/src/index.js";
import { isAutoStoreError } from "../errors.js";
import type { ArrowModule } from "./arrow.js";

/** A time unit of Arrow timestamps, with its size in nanoseconds. */
export type Int96Unit = "ns" | "us" | "ms" | "s";

const UNITS: ReadonlyArray<[Int96Unit, bigint]> = [
  ["ns", 1n],
  ["us", 1_000n],
  ["ms", 1_000_000n],
  ["s", 1_000_000_000n],
];
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** An INT96 column whose values a read cannot give exactly. The message names the column. */
export class Int96RangeError extends Error {
  readonly column: string;
  constructor(column: string, message: string) {
    super(`column '${column}': ${message}`);
    this.name = "Int96RangeError";
    this.column = column;
  }
}

/** One top-level column holding INT96 values, with the raw values read. */
export interface Int96Values {
  column: string;
  /** Nanoseconds since 1970 by row (null for null), for a column that is INT96 itself. */
  rows?: (bigint | null)[];
  /** Every INT96 value anywhere inside a nested column (lists, structs), in no useful order. */
  nested?: bigint[];
}

/** Top-level columns that are or contain INT96 leaves. */
export function int96Columns(metadata: FileMetaData, parquetSchema: (m: FileMetaData) => SchemaTree) {
  const found = new Map<string, boolean>(); // name → nested
  const walk = (node: SchemaTree) => {
    if (node.children.length === 0) {
      if (node.element.type === "INT96") found.set(node.path[0] as string, node.path.length > 1);
      return;
    }
    for (const child of node.children) walk(child);
  };
  walk(parquetSchema(metadata));
  return found;
}

// A tag for INT96 values in hyparquet's output, so nested columns can be searched for them.
class Nanos {
  constructor(readonly value: bigint) {}
}

/**
 * Reads the INT96 columns among `columns` (every one when undefined) raw, for the first `rowEnd`
 * rows (all when undefined). Returns an empty list, having read nothing but the footer, when the
 * file has none.
 */
export async function readInt96(
  file: AsyncBuffer,
  options: { columns?: readonly string[] | undefined; rowEnd?: number | undefined } = {},
): Promise<Int96Values[]> {
  // The subpath, not the package root: the root's default condition is hyparquet's Node entry, which
  // imports `fs` and would break edge builds.
  const hyparquet = await import("hyparquet/src/index.js");
  const metadata = await hyparquet.parquetMetadataAsync(file, { initialFetchSize: 64 * 1024 });
  const wanted = options.columns === undefined ? undefined : new Set(options.columns);
  const columns = [...int96Columns(metadata, hyparquet.parquetSchema)].filter(
    ([name]) => wanted === undefined || wanted.has(name),
  );
  if (columns.length === 0) return [];
  const rowEnd = Math.min(options.rowEnd ?? Infinity, Number(metadata.num_rows));
  const results = new Map<string, Int96Values>(
    columns.map(([column, nested]) => [
      column,
      nested ? { column, nested: [] } : { column, rows: new Array<bigint | null>(rowEnd).fill(null) },
    ]),
  );
  try {
    await hyparquet.parquetRead({
      file,
      metadata,
      columns: columns.map(([name]) => name),
      rowStart: 0,
      rowEnd,
      compressors: await compressors(),
      // INT96 (and INT64 nanosecond) values arrive as exact bigints, tagged, instead of rounded Dates.
      parsers: { timestampFromNanoseconds: (nanos: bigint) => new Nanos(nanos) as unknown as Date },
      onChunk: ({ columnName, columnData, rowStart }) => {
        const result = results.get(columnName);
        if (!result) return;
        if (result.rows) {
          for (let i = 0; i < columnData.length && rowStart + i < rowEnd; i++) {
            const v = columnData[i] as unknown;
            result.rows[rowStart + i] = v instanceof Nanos ? v.value : null;
          }
        } else collectNanos(columnData, result.nested as bigint[]);
      },
    });
  } catch (err) {
    // A failed or aborted fetch is the store's error, not the file's.
    if (isAutoStoreError(err) || (err instanceof Error && err.name === "AbortError")) throw err;
    const names = columns.map(([name]) => `'${name}'`).join(", ");
    throw new Int96RangeError(
      columns[0]?.[0] as string,
      `INT96 timestamps (columns ${names}) could not be checked against the range of a nanosecond timestamp, so they are not read (${err instanceof Error ? err.message : String(err)})`,
    );
  }
  return [...results.values()];
}

function collectNanos(value: unknown, into: bigint[]): void {
  if (value instanceof Nanos) into.push(value.value);
  else if (Array.isArray(value)) for (const v of value) collectNanos(v, into);
  else if (value !== null && typeof value === "object") {
    for (const v of Object.values(value)) collectNanos(v, into);
  }
}

// Gzip through fflate (already a dependency); snappy is hyparquet's own.
async function compressors(): Promise<Compressors> {
  const { gunzipSync } = await import("fflate");
  return { GZIP: (input) => gunzipSync(input) };
}

/**
 * The finest unit that holds every value exactly, or the first value none holds. `"ns"` means
 * parquet-wasm's own reading is right.
 */
export function int96Unit(
  values: readonly (bigint | null)[],
): { unit: Int96Unit } | { unheld: [outside: bigint, changed: bigint] } {
  const misfits: bigint[] = [];
  for (const [unit, factor] of UNITS) {
    const misfit = values.find(
      (v) => v !== null && (v % factor !== 0n || v / factor < INT64_MIN || v / factor > INT64_MAX),
    );
    if (misfit === undefined) return { unit };
    misfits.push(misfit as bigint);
  }
  // For the message: a value nanoseconds cannot reach, and one microseconds would change.
  return { unheld: [misfits[0] as bigint, misfits[1] as bigint] };
}

/** A nanosecond count as ISO 8601 text with all nine fraction digits, for messages. */
export function nanosToIso(nanos: bigint): string {
  const ms = nanos / 1_000_000n - (nanos % 1_000_000n < 0n ? 1n : 0n);
  const rest = nanos - ms * 1_000_000n;
  const date = new Date(Number(ms));
  const base = Number.isNaN(date.getTime()) ? `${ms} ms since 1970` : date.toISOString().replace(/Z$/, "");
  return Number.isNaN(date.getTime()) ? base : `${base}${String(rest).padStart(6, "0")}Z`;
}

/**
 * Checks a decoded table's INT96 columns against their raw values and rebuilds each one that
 * nanoseconds cannot hold in the finest unit that can.
 */
export function fixInt96(arrow: ArrowModule, table: Arrow.Table, raw: readonly Int96Values[]): Arrow.Table {
  let out = table;
  for (const column of raw) {
    const verdict = int96Unit(column.rows ?? column.nested ?? []);
    if ("unheld" in verdict) throw unheldError(column.column, verdict.unheld);
    if (verdict.unit === "ns") continue;
    if (!column.rows) {
      throw new Int96RangeError(
        column.column,
        `holds INT96 timestamps outside 1677-09-21..2262-04-11 inside a nested column, which is read only in nanoseconds`,
      );
    }
    const index = out.schema.fields.findIndex((f) => f.name === column.column);
    const field = out.schema.fields[index];
    if (!field || !arrow.DataType.isTimestamp(field.type)) {
      throw new Int96RangeError(column.column, "an INT96 column did not decode as a timestamp");
    }
    out = out.setChildAt(index, timestampVector(arrow, column.rows, verdict.unit, field.type.timezone));
  }
  return out;
}

/**
 * Refuses values nanoseconds cannot hold. A dataset's schema comes from footers before any value is
 * read, and parquet-wasm gives INT96 columns as nanoseconds there, so a dataset cannot switch one
 * file's column to another unit.
 */
export function requireNanoseconds(raw: readonly Int96Values[]): void {
  for (const column of raw) {
    const verdict = int96Unit(column.rows ?? column.nested ?? []);
    if ("unheld" in verdict) throw unheldError(column.column, verdict.unheld);
    if (verdict.unit === "ns") continue;
    const outside = (column.rows ?? column.nested ?? []).find(
      (v) => v !== null && (v < INT64_MIN || v > INT64_MAX),
    ) as bigint;
    throw new Int96RangeError(
      column.column,
      `holds the INT96 timestamp ${nanosToIso(outside)}, outside 1677-09-21..2262-04-11, the range of the ` +
        "nanosecond timestamps a dataset reads INT96 columns as; read this file alone with get() to have the column in a coarser unit",
    );
  }
}

function unheldError(column: string, [outside, changed]: [bigint, bigint]): Int96RangeError {
  return new Int96RangeError(
    column,
    `no Arrow timestamp unit holds all of its INT96 values exactly: ${nanosToIso(outside)} lies outside ` +
      `nanoseconds' range (1677-09-21..2262-04-11), and a coarser unit would change ${nanosToIso(changed)}`,
  );
}

function timestampVector(
  arrow: ArrowModule,
  rows: readonly (bigint | null)[],
  unit: Int96Unit,
  timezone: string | null | undefined,
): Arrow.Vector {
  const factor = (UNITS.find(([u]) => u === unit) as [Int96Unit, bigint])[1];
  const tz = timezone ?? undefined;
  const type =
    unit === "us"
      ? new arrow.TimestampMicrosecond(tz)
      : unit === "ms"
        ? new arrow.TimestampMillisecond(tz)
        : new arrow.TimestampSecond(tz);
  const data = new BigInt64Array(rows.length);
  const validity = new Uint8Array(Math.ceil(rows.length / 8));
  let nullCount = 0;
  rows.forEach((v, i) => {
    if (v === null) {
      nullCount++;
      return;
    }
    data[i] = v / factor;
    validity[i >> 3] = (validity[i >> 3] as number) | (1 << (i & 7));
  });
  return arrow.makeVector(
    arrow.makeData({
      type: type as Arrow.Timestamp,
      length: rows.length,
      nullCount,
      nullBitmap: nullCount > 0 ? validity : null,
      data: data as unknown as Int32Array,
    }),
  );
}

/** Ranged reads as hyparquet's `AsyncBuffer`. */
export function rangesAsAsyncBuffer(
  size: number,
  read: (start: number, end: number) => Promise<Uint8Array>,
): AsyncBuffer {
  return { byteLength: size, slice: async (start, end = size) => (await read(start, end)).slice().buffer };
}

/** An in-memory file as hyparquet's `AsyncBuffer`: slices are copied, never the whole file. */
export function bytesAsAsyncBuffer(bytes: Uint8Array): AsyncBuffer {
  return {
    byteLength: bytes.length,
    slice: (start, end) => bytes.slice(start, end).buffer as ArrayBuffer,
  };
}
