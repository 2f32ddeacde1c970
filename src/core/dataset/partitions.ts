/**
 * Hive-style partitions: folders named `key=value` under a dataset (`year=2024/month=01/part-0.parquet`)
 * become columns. Values are URL-decoded (pyarrow and Spark escape `/`, `=` and `%`), typed with the
 * CSV inference rules over all of a key's values (`month=01` → int32 1), and
 * `__HIVE_DEFAULT_PARTITION__` (what Hive and Spark write for null) reads as null.
 */
import type * as Arrow from "apache-arrow";
import type { ArrowModule } from "../tables/arrow.js";
import { arrowTypeOf, convertValue, type InferredKind, inferKind } from "../tables/infer.js";

const HIVE_NULL = "__HIVE_DEFAULT_PARTITION__";

/** The `key=value` folders of one file's path below the dataset, in order. */
export function parsePartitions(relativeKey: string): Array<[string, string | null]> {
  const parts = relativeKey.split("/").slice(0, -1);
  const out: Array<[string, string | null]> = [];
  for (const part of parts) {
    const eq = part.indexOf("=");
    if (eq <= 0) continue;
    const value = decodePart(part.slice(eq + 1));
    out.push([decodePart(part.slice(0, eq)), value === HIVE_NULL || value === "" ? null : value]);
  }
  return out;
}

function decodePart(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text; // a stray `%` that is not an escape: keep the name as written
  }
}

/** A partition column: its name, inferred kind and Arrow type. */
export interface PartitionColumn {
  name: string;
  kind: InferredKind;
  type: Arrow.DataType;
}

/** Infers each partition key's type from all files' values. */
export function partitionColumns(
  arrow: ArrowModule,
  names: readonly string[],
  valuesPerFile: ReadonlyArray<ReadonlyArray<string | null>>,
): PartitionColumn[] {
  return names.map((name, i) => {
    const kind = inferKind(valuesPerFile.map((values) => values[i] ?? null));
    return { name, kind, type: arrowTypeOf(arrow, kind) };
  });
}

/** A vector of `length` copies of one partition value, built directly from typed arrays. */
export function constantVector(
  arrow: ArrowModule,
  column: PartitionColumn,
  text: string | null,
  length: number,
): Arrow.Data {
  const { type } = column;
  const value = convertValue(column.kind, text);
  const nullBitmap = value === null ? new Uint8Array(Math.ceil(length / 8)) : null;
  const nullCount = value === null ? length : 0;
  const base = { type, length, nullCount, nullBitmap } as const;
  switch (column.kind) {
    case "int32":
      return arrow.makeData({ ...base, data: new Int32Array(length).fill((value as number) ?? 0) } as never);
    case "int64":
      return arrow.makeData({
        ...base,
        data: new BigInt64Array(length).fill((value as bigint) ?? 0n),
      } as never);
    case "float64":
      return arrow.makeData({
        ...base,
        data: new Float64Array(length).fill((value as number) ?? 0),
      } as never);
    case "bool":
      return arrow.makeData({
        ...base,
        data: new Uint8Array(Math.ceil(length / 8)).fill(value === true ? 0xff : 0),
      } as never);
    case "date":
      return arrow.makeData({
        ...base,
        data: new Int32Array(length).fill(Math.round(((value as number) ?? 0) / 86_400_000)),
      } as never);
    case "timestamp":
    case "timestamptz":
      return arrow.makeData({
        ...base,
        data: new BigInt64Array(length).fill(BigInt((value as number) ?? 0)),
      } as never);
    case "string": {
      const bytes = new TextEncoder().encode((value as string | null) ?? "");
      const data = new Uint8Array(bytes.length * length);
      for (let i = 0; i < length; i++) data.set(bytes, i * bytes.length);
      const valueOffsets = new Int32Array(length + 1);
      for (let i = 0; i <= length; i++) valueOffsets[i] = i * bytes.length;
      return arrow.makeData({ ...base, data, valueOffsets } as never);
    }
  }
}
