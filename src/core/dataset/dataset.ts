/**
 * A folder of tabular files read as one table, lazily: opening it lists the folder and nothing else;
 * `schema()` and `countRows()` read only Parquet footers; `toTable` and `batches` read only the
 * columns (and, with a limit, the row groups) they need.
 */
import type * as Arrow from "apache-arrow";
import { throwIfAborted } from "../errors.js";
import type { Member } from "./members.js";
import type { PartitionColumn } from "./partitions.js";

// `Dataset` is exported by every build, so the class is what every app ships: how it reads
// (`dataset-read.ts`, the Arrow adapter, the partition helpers) loads when it first reads.
const loadRead = () => import("./dataset-read.js");

/** Options of {@link Dataset.toTable} and {@link Dataset.batches}. */
export interface DatasetReadOptions {
  /** Columns to read, in the order wanted (partition columns included). @default every column */
  columns?: readonly string[];
  signal?: AbortSignal;
}

/** What the reading functions of `dataset-read.ts` work on. @internal */
export interface DatasetParts {
  key: string;
  uri: string;
  members: readonly DatasetFile[];
  partitions: readonly PartitionColumn[];
  /** The dataset's (cached) schema. */
  schema(signal: AbortSignal | undefined): Promise<Arrow.Schema>;
}

/** A file of a dataset with its Hive partition values. */
export interface DatasetFile {
  member: Member;
  /** The key as the store's caller sees it. */
  key: string;
  /** One value per partition column (raw text; null for Hive's null partition). */
  partitionValues: readonly (string | null)[];
}

/**
 * A lazy dataset: a folder of Parquet, CSV or Arrow IPC files that share one schema, plus Hive
 * partition columns (`year=2024/`).
 *
 * @example
 * const ds = await store.get<Dataset>("weather/2024/");
 * ds.files;                                   // member keys, sorted
 * await ds.countRows();                       // from Parquet footers
 * const t = await ds.toTable({ columns: ["city", "temp"], limit: 1000 });
 * for await (const batch of ds.batches({ columns: ["temp"] })) console.log(batch.numRows);
 */
export class Dataset {
  /** The folder's URI, e.g. `s3://bucket/weather/2024/`. */
  readonly uri: string;
  /** The folder's key, ending in `/`. */
  readonly key: string;
  /** Member file keys, sorted. */
  readonly files: readonly string[];
  /** Names of the Hive partition columns, outermost first. */
  readonly partitioning: readonly string[];
  readonly #parts: DatasetParts;
  #schema: Promise<Arrow.Schema> | undefined;

  /** @internal Datasets are opened by `store.get("folder/")`. */
  constructor(
    key: string,
    uri: string,
    members: readonly DatasetFile[],
    partitions: readonly PartitionColumn[],
  ) {
    this.key = key;
    this.uri = uri;
    this.#parts = { key, uri, members, partitions, schema: (signal) => this.schema({ signal }) };
    this.files = Object.freeze(members.map((m) => m.key));
    this.partitioning = Object.freeze(partitions.map((p) => p.name));
  }

  /**
   * The dataset's schema: the files' columns (from Parquet footers), then the partition columns.
   * Files that disagree (a missing column, another type) fail with a {@link DecodeError} naming both.
   */
  schema(options: { signal?: AbortSignal } = {}): Promise<Arrow.Schema> {
    if (options.signal?.aborted) return Promise.reject(options.signal.reason);
    this.#schema ??= loadRead()
      .then((read) => read.unify(this.#parts, options.signal))
      .catch((err: unknown) => {
        this.#schema = undefined;
        throw err;
      });
    return this.#schema;
  }

  /** The number of rows in all files, from Parquet footers (CSV and Arrow files are read whole). */
  async countRows(options: { signal?: AbortSignal } = {}): Promise<number> {
    throwIfAborted(options.signal);
    return (await loadRead()).countRows(this.#parts, options.signal);
  }

  /** Reads the dataset (the `columns` asked for, at most `limit` rows) into one table. */
  async toTable(options: DatasetReadOptions & { limit?: number } = {}): Promise<Arrow.Table> {
    return (await loadRead()).toTable(this.#parts, options);
  }

  /** Streams the dataset as Arrow record batches, file by file, reading as the caller consumes. */
  async *batches(
    options: DatasetReadOptions & { batchSize?: number } = {},
  ): AsyncGenerator<Arrow.RecordBatch> {
    yield* (await loadRead()).batches(this.#parts, options);
  }

  toString(): string {
    return `Dataset(${this.uri}, ${this.files.length} files)`;
  }
}
