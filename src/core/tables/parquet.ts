/**
 * Parquet ↔ Arrow through parquet-wasm. Tables cross the WASM boundary as Arrow IPC streams.
 */
import type * as Arrow from "apache-arrow";
import type * as ParquetWasm from "parquet-wasm";
import { type ArrowModule, adoptTable, loadArrow, type TableLike } from "./arrow.js";
import type { ParquetCompression, ParquetWriteOptions } from "./parquet-options.js";
import { loadParquetWasm, type ParquetWasmModule } from "./wasm.js";

export {
  PARQUET_COMPRESSIONS,
  type ParquetCompression,
  type ParquetWriteOptions,
} from "./parquet-options.js";

function codec(pw: ParquetWasmModule, name: ParquetCompression): ParquetWasm.Compression {
  switch (name) {
    case "uncompressed":
      return pw.Compression.UNCOMPRESSED;
    case "snappy":
      return pw.Compression.SNAPPY;
    case "gzip":
      return pw.Compression.GZIP;
    case "brotli":
      return pw.Compression.BROTLI;
    // Raw LZ4: the framed, deprecated `LZ4` codec is read differently by different writers.
    case "lz4":
      return pw.Compression.LZ4_RAW;
    case "zstd":
      return pw.Compression.ZSTD;
  }
}

/** Encodes a table (from any copy of apache-arrow) as a Parquet file. */
export async function encodeParquet(
  table: TableLike,
  options: ParquetWriteOptions = {},
): Promise<Uint8Array> {
  const [arrow, pw] = await Promise.all([loadArrow(), loadParquetWasm()]);
  const ipc = arrow.tableToIPC(adoptTable(arrow, table), "stream");
  let builder = new pw.WriterPropertiesBuilder()
    .setCompression(codec(pw, options.compression ?? "snappy"))
    .setDictionaryEnabled(options.dictionary ?? true);
  if (options.rowGroupSize !== undefined) builder = builder.setMaxRowGroupSize(options.rowGroupSize);
  // writeParquet consumes both the WASM table and the properties: nothing is left to free.
  return pw.writeParquet(pw.Table.fromIPCStream(ipc), builder.build());
}

const MAGIC = [0x50, 0x41, 0x52, 0x31]; // "PAR1"

/**
 * Why these bytes cannot be a Parquet file, or undefined when their frame looks right: magic at both
 * ends and a footer length that fits. `head` may be omitted when only the tail was fetched.
 */
export function parquetFrameProblem(
  head: Uint8Array | undefined,
  tail: Uint8Array,
  size: number,
): string | undefined {
  if (size < 12) return `${size} bytes is too short for a Parquet file`;
  if (head && !MAGIC.every((b, i) => head[i] === b)) return "not a Parquet file (no PAR1 magic at the start)";
  const end = tail.length;
  if (!MAGIC.every((b, i) => tail[end - 4 + i] === b)) {
    return "the file is truncated or not Parquet (no PAR1 magic at the end: the footer is missing)";
  }
  const footer = new DataView(tail.buffer, tail.byteOffset + end - 8, 4).getUint32(0, true);
  if (footer + 12 > size) return `the footer claims ${footer} bytes in a ${size}-byte file (truncated?)`;
  return undefined;
}

/**
 * Decodes a whole Parquet file held in memory. parquet-wasm's synchronous reader is used because its
 * errors on corrupt pages come back as exceptions (the async reader can abort the WASM instead).
 * INT96 timestamp columns are checked against their raw values (see `int96.ts`): read right, in the
 * finest unit that holds them, or refused with an error naming the column.
 */
export async function decodeParquet(bytes: Uint8Array): Promise<Arrow.Table> {
  const problem = parquetFrameProblem(bytes, bytes, bytes.length);
  if (problem) throw new Error(problem);
  const [arrow, pw, int96] = await Promise.all([loadArrow(), loadParquetWasm(), import("./int96.js")]);
  const table = wasmTableToArrow(arrow, pw.readParquet(bytes));
  const raw = await int96.readInt96(int96.bytesAsAsyncBuffer(bytes));
  return raw.length === 0 ? table : int96.fixInt96(arrow, table, raw);
}

/** Moves a parquet-wasm table into an apache-arrow one (the WASM table is consumed). */
export function wasmTableToArrow(arrow: ArrowModule, table: ParquetWasm.Table): Arrow.Table {
  return arrow.tableFromIPC(table.intoIPCStream());
}
