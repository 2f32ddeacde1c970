/**
 * How a {@link Dataset} reads, loaded on its first read: schemas unified across files, row counts
 * from footers, and batches laid out as the dataset's schema with the partition columns added.
 */
import type * as Arrow from "apache-arrow";
import { DecodeError, describeCause, isAutoStoreError, KeyNotFoundError, throwIfAborted } from "../errors.js";
import type { ArrowModule } from "../tables/arrow.js";
import type { Dataset, DatasetFile, DatasetParts, DatasetReadOptions } from "./dataset.js";
import type { PartitionColumn } from "./partitions.js";

const loadArrow = async (): Promise<ArrowModule> => (await import("../tables/arrow.js")).loadArrow();

// Footers are small: reading several at once hides request latency on object stores.
const FOOTER_CONCURRENCY = 8;

/** {@link Dataset.countRows}. */
export async function countRows(parts: DatasetParts, signal?: AbortSignal): Promise<number> {
  throwIfAborted(signal);
  const counts = await mapLimit(parts.members, FOOTER_CONCURRENCY, (m) =>
    wrap(m, () => m.member.numRows(signal), signal),
  );
  return counts.reduce((a, b) => a + b, 0);
}

/** {@link Dataset.toTable}. */
export async function toTable(
  parts: DatasetParts,
  options: DatasetReadOptions & { limit?: number },
): Promise<Arrow.Table> {
  const arrow = await loadArrow();
  const schema = await project(parts, options.columns, options.signal);
  const batches: Arrow.RecordBatch[] = [];
  for await (const batch of read(parts, arrow, schema, options)) batches.push(batch);
  return new arrow.Table(schema, batches);
}

/** {@link Dataset.batches}. */
export async function* batches(
  parts: DatasetParts,
  options: DatasetReadOptions & { batchSize?: number },
): AsyncGenerator<Arrow.RecordBatch> {
  const arrow = await loadArrow();
  const schema = await project(parts, options.columns, options.signal);
  yield* read(parts, arrow, schema, options);
}

async function* read(
  parts: DatasetParts,
  arrow: ArrowModule,
  schema: Arrow.Schema,
  options: DatasetReadOptions & { limit?: number; batchSize?: number },
): AsyncGenerator<Arrow.RecordBatch> {
  const { constantVector } = await import("./partitions.js");
  const partitionNames = new Set(parts.partitions.map((p) => p.name));
  const fileColumns = schema.fields.map((f) => f.name).filter((n) => !partitionNames.has(n));
  let remaining = options.limit ?? Infinity;
  for (const file of parts.members) {
    if (remaining <= 0) return;
    const request = {
      columns: options.columns === undefined ? undefined : fileColumns,
      limit: Number.isFinite(remaining) ? remaining : undefined,
      batchSize: options.batchSize,
      signal: options.signal,
    };
    const iterator = file.member.batches(request);
    for (;;) {
      // Checked between batches: a caller that aborts mid-stream stops at the next one.
      if (options.signal?.aborted) {
        await iterator.return(undefined);
        throwIfAborted(options.signal);
      }
      const next = await wrap(file, () => iterator.next(), options.signal);
      if (next.done) break;
      let batch = next.value;
      if (batch.numRows > remaining) batch = batch.slice(0, remaining);
      remaining -= batch.numRows;
      yield conform(parts, arrow, constantVector, schema, file, batch);
      if (remaining <= 0) {
        await iterator.return(undefined);
        return;
      }
    }
  }
}

/** A batch laid out as `schema`: columns by name, types as the dataset's, partition values added. */
function conform(
  parts: DatasetParts,
  arrow: ArrowModule,
  constantVector: typeof import("./partitions.js").constantVector,
  schema: Arrow.Schema,
  file: DatasetFile,
  batch: Arrow.RecordBatch,
) {
  const children = schema.fields.map((field) => {
    const p = parts.partitions.findIndex((c) => c.name === field.name);
    if (p >= 0) {
      return constantVector(
        arrow,
        parts.partitions[p] as PartitionColumn,
        file.partitionValues[p] ?? null,
        batch.numRows,
      );
    }
    const index = batch.schema.fields.findIndex((f) => f.name === field.name);
    return retype(arrow, batch.data.children[index] as Arrow.Data, field.type);
  });
  const data = arrow.makeData({ type: new arrow.Struct(schema.fields), length: batch.numRows, children });
  return new arrow.RecordBatch(schema, data);
}

async function project(
  parts: DatasetParts,
  columns: readonly string[] | undefined,
  signal?: AbortSignal,
): Promise<Arrow.Schema> {
  const arrow = await loadArrow();
  const schema = await parts.schema(signal);
  if (columns === undefined) return schema;
  const fields = [...new Set(columns)].map((name) => {
    const field = schema.fields.find((f) => f.name === name);
    if (!field) {
      throw new KeyNotFoundError(
        `read ${parts.uri}: no column '${name}'; columns: ${schema.fields.map((f) => f.name).join(", ")}`,
        { key: parts.key, uri: parts.uri },
      );
    }
    return field;
  });
  return new arrow.Schema(fields, schema.metadata);
}

export async function unify(parts: DatasetParts, signal?: AbortSignal): Promise<Arrow.Schema> {
  const arrow = await loadArrow();
  const schemas = await mapLimit(parts.members, FOOTER_CONCURRENCY, (m) =>
    wrap(m, () => m.member.schema(signal), signal),
  );
  const first = schemas[0] as Arrow.Schema;
  const firstFile = parts.members[0] as DatasetFile;
  const nullable = new Map(first.fields.map((f) => [f.name, f.nullable]));
  schemas.forEach((schema, i) => {
    const file = parts.members[i] as DatasetFile;
    const problem = schemaDifference(first, schema);
    if (problem) {
      throw new DecodeError(
        `read ${parts.uri}: the files disagree on the schema: ${problem(firstFile.key, file.key)}`,
        { key: parts.key, uri: parts.uri, format: file.member.format },
      );
    }
    for (const f of schema.fields) if (f.nullable) nullable.set(f.name, true);
  });
  const fileFields = first.fields.map(
    (f) => new arrow.Field(f.name, f.type, nullable.get(f.name), f.metadata),
  );
  const names = new Set(fileFields.map((f) => f.name));
  // A file column named like a partition key wins: its values are the data's own.
  const partitionFields = parts.partitions
    .filter((p) => !names.has(p.name))
    .map((p) => new arrow.Field(p.name, p.type, true));
  return new arrow.Schema([...fileFields, ...partitionFields]);
}

/** Runs one file's step, naming the file in any failure that is not already one of ours. */
async function wrap<T>(file: DatasetFile, step: () => Promise<T>, signal?: AbortSignal): Promise<T> {
  try {
    return await step();
  } catch (err) {
    // An abort is the caller's doing, not the file's: its reason goes through unchanged.
    if (isAutoStoreError(err) || signal?.aborted || (err instanceof Error && err.name === "AbortError"))
      throw err;
    const format = file.member.format;
    const reason = err instanceof Error && err.name === "StalledReadError" ? err.message : describeCause(err);
    throw new DecodeError(`read ${file.member.uri}: not valid ${format}: ${reason}`, {
      key: file.key,
      uri: file.member.uri,
      backend: file.member.backend.scheme,
      format,
      cause: err,
    });
  }
}

/** How `other` differs from `base` (by column name and type), as a message naming both files. */
function schemaDifference(base: Arrow.Schema, other: Arrow.Schema) {
  const byName = new Map(other.fields.map((f) => [f.name, f]));
  for (const f of base.fields) {
    const o = byName.get(f.name);
    if (!o) return (a: string, b: string) => `${a} has column '${f.name}', ${b} has not`;
    if (String(o.type) !== String(f.type)) {
      return (a: string, b: string) => `column '${f.name}' is ${f.type} in ${a} and ${o.type} in ${b}`;
    }
  }
  const baseNames = new Set(base.fields.map((f) => f.name));
  const extra = other.fields.find((f) => !baseNames.has(f.name));
  if (extra) return (a: string, b: string) => `${b} has column '${extra.name}', ${a} has not`;
  return undefined;
}

/**
 * The same buffers under the dataset's type object: files agree on types by value, but Arrow compares
 * dictionary ids too, and each file numbers its dictionaries from zero.
 */
function retype(arrow: ArrowModule, data: Arrow.Data, type: Arrow.DataType): Arrow.Data {
  const childTypes = (type.children ?? []).map((f: Arrow.Field) => f.type);
  const children = data.children.map((c, i) => {
    const childType = childTypes[i];
    return childType ? retype(arrow, c, childType) : c;
  });
  return new arrow.Data(
    type,
    data.offset,
    data.length,
    data.nullCount,
    data.buffers as never,
    children,
    data.dictionary,
  );
}

/** Maps with at most `limit` calls in flight, keeping order. */
async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
