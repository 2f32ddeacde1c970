/**
 * How tables are written to Parquet: the options `ParquetHandler` checks when it is made, apart from
 * the codec itself, which loads parquet-wasm on first use.
 */

/** Compression codecs Parquet files can be written with. */
export type ParquetCompression = "uncompressed" | "snappy" | "gzip" | "brotli" | "lz4" | "zstd";

/** How tables are written to Parquet. */
export interface ParquetWriteOptions {
  /**
   * The codec for every column. Snappy is what pandas/pyarrow write and what every Parquet reader
   * decodes, including pure-JS ones such as hyparquet without add-ons; `zstd` (Polars' default)
   * makes files about 25% smaller.
   * @default "snappy"
   */
  compression?: ParquetCompression;
  /**
   * Rows per row group. Smaller groups let a reader skip more (a `limit` reads only the first
   * groups) at some cost in size.
   * @default 1048576 (parquet-wasm's default)
   */
  rowGroupSize?: number;
  /**
   * Dictionary-encode columns (strings with repeats shrink a lot).
   * @default true
   */
  dictionary?: boolean;
}

/** Every codec name, for option checks. */
export const PARQUET_COMPRESSIONS: readonly ParquetCompression[] = [
  "uncompressed",
  "snappy",
  "gzip",
  "brotli",
  "lz4",
  "zstd",
];
