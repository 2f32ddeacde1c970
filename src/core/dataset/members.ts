/**
 * One file of a dataset. Parquet files are read through ranged requests (footer first, then only the
 * column chunks asked for); CSV and Arrow IPC files have no footer worth the name and are read whole.
 */
import type * as Arrow from "apache-arrow";
import type * as ParquetWasm from "parquet-wasm";
import type { Backend } from "../backend.js";
import { ArrowIpcHandler } from "../handlers/arrow.js";
import { type ArrowModule, loadArrow } from "../tables/arrow.js";
import { parquetFrameProblem } from "../tables/parquet.js";
import { RangeSource } from "../tables/range-source.js";
import { loadParquetWasm } from "../tables/wasm.js";

/** The formats a dataset's files can have. */
export type MemberFormat = "parquet" | "csv" | "arrow";

/** A file's format from its extension, or undefined for files a dataset skips. */
export function memberFormat(key: string): MemberFormat | undefined {
  const lower = key.toLowerCase();
  if (lower.endsWith(".parquet")) return "parquet";
  if (lower.endsWith(".csv")) return "csv";
  if (lower.endsWith(".arrow") || lower.endsWith(".feather")) return "arrow";
  return undefined;
}

/** What reading a member needs to know. */
export interface ReadRequest {
  /** File columns to read; undefined for all. */
  columns: readonly string[] | undefined;
  limit?: number;
  batchSize?: number;
  signal?: AbortSignal;
}

export class Member {
  readonly backend: Backend;
  readonly key: string;
  readonly size: number;
  readonly format: MemberFormat;
  #footer: Promise<{ schema: Arrow.Schema; numRows: number }> | undefined;
  // The file's last bytes (footer included) once fetched: later reads reuse them.
  #tail: Uint8Array | undefined;
  #whole: { schema: Arrow.Schema; numRows: number } | undefined;

  constructor(backend: Backend, key: string, size: number, format: MemberFormat) {
    this.backend = backend;
    this.key = key;
    this.size = size;
    this.format = format;
  }

  get uri(): string {
    return this.backend.uri(this.key);
  }

  /** The file's schema (from the footer for Parquet). */
  async schema(signal?: AbortSignal): Promise<Arrow.Schema> {
    if (this.format === "parquet") return (await this.#parquetFooter(signal)).schema;
    return (await this.#wholeInfo(signal)).schema;
  }

  /** The file's number of rows (from the footer for Parquet). */
  async numRows(signal?: AbortSignal): Promise<number> {
    if (this.format === "parquet") return (await this.#parquetFooter(signal)).numRows;
    return (await this.#wholeInfo(signal)).numRows;
  }

  /** The rows asked for, in batches; an empty column list still yields batches of the right length. */
  async *batches(request: ReadRequest): AsyncGenerator<Arrow.RecordBatch> {
    const arrow = await loadArrow();
    if (request.columns?.length === 0) {
      // Only partition columns were asked for: the footer's row count is all that is needed.
      const rows = Math.min(await this.numRows(request.signal), request.limit ?? Infinity);
      yield emptyBatch(arrow, rows);
      return;
    }
    if (this.format !== "parquet") {
      let table = await this.#readWhole(request.signal);
      if (request.columns) table = table.select(request.columns as string[]);
      if (request.limit !== undefined) table = table.slice(0, request.limit);
      yield* table.batches;
      return;
    }
    const { source, file } = await this.#openParquet(request.signal);
    try {
      await checkInt96(source, request);
      const options: ParquetWasm.ReaderOptions = {};
      if (request.columns) options.columns = [...request.columns];
      if (request.limit !== undefined) options.limit = request.limit;
      if (request.batchSize !== undefined) options.batchSize = request.batchSize;
      const stream = (await source.guard(file.stream(options))) as ReadableStream<ParquetWasm.RecordBatch>;
      const reader = stream.getReader();
      let finished = false;
      try {
        for (;;) {
          const { done, value } = await source.guard(reader.read());
          if (done) {
            finished = true;
            break;
          }
          yield* arrow.tableFromIPC(value.intoIPCStream()).batches;
        }
      } finally {
        // Stopped early (a `break`, a limit reached, an error): release the WASM stream.
        if (!finished) await reader.cancel().catch(() => undefined);
      }
    } finally {
      file.free();
    }
  }

  async #parquetFooter(signal?: AbortSignal) {
    this.#footer ??= (async () => {
      const { file } = await this.#openParquet(signal);
      try {
        const arrow = await loadArrow();
        const schema = arrow.tableFromIPC(file.schema().intoIPCStream()).schema;
        const metadata = file.metadata();
        const fileMetadata = metadata.fileMetadata();
        const numRows = fileMetadata.numRows();
        fileMetadata.free();
        metadata.free();
        return { schema, numRows };
      } finally {
        file.free();
      }
    })().catch((err: unknown) => {
      this.#footer = undefined; // never keep a failure: the next call tries again
      throw err;
    });
    return this.#footer;
  }

  /** Opens the file with parquet-wasm over ranged reads, reusing the footer bytes once fetched. */
  async #openParquet(signal?: AbortSignal) {
    const pw = await loadParquetWasm();
    const known = this.#tail;
    const source = new RangeSource(this.backend, this.key, this.size, {
      signal,
      tail: known ? { start: this.size - known.length, bytes: known } : undefined,
    });
    const tailLength = Math.min(this.size, 64 * 1024);
    const tail = await source.read(this.size - tailLength, this.size);
    const problem = parquetFrameProblem(undefined, tail, this.size);
    if (problem) throw new Error(problem);
    this.#tail = tail;
    const file = await source.guard(pw.ParquetFile.fromFile(source.blob() as unknown as Blob));
    return { source, file, tail };
  }

  async #readWhole(signal?: AbortSignal): Promise<Arrow.Table> {
    const bytes = await (await this.backend.read(this.key, { signal })).bytes();
    let table: Arrow.Table;
    if (this.format === "csv") {
      const { decodeCsv } = await import("../tables/csv.js");
      table = await decodeCsv(bytes);
    } else {
      table = (await new ArrowIpcHandler().decode(bytes)) as Arrow.Table;
    }
    this.#whole = { schema: table.schema, numRows: table.numRows };
    return table;
  }

  async #wholeInfo(signal?: AbortSignal) {
    if (!this.#whole) await this.#readWhole(signal);
    return this.#whole as { schema: Arrow.Schema; numRows: number };
  }
}

/** Refuses a file whose INT96 timestamps (among the columns and rows asked for) nanoseconds cannot hold. */
async function checkInt96(source: RangeSource, request: ReadRequest): Promise<void> {
  const { rangesAsAsyncBuffer, readInt96, requireNanoseconds } = await import("../tables/int96.js");
  const file = rangesAsAsyncBuffer(source.size, (start, end) => source.read(start, end));
  requireNanoseconds(await readInt96(file, { columns: request.columns, rowEnd: request.limit }));
}

/** A batch with no columns and `length` rows, to which partition columns are added. */
export function emptyBatch(arrow: ArrowModule, length: number): Arrow.RecordBatch {
  const schema = new arrow.Schema([]);
  return new arrow.RecordBatch(schema, arrow.makeData({ type: new arrow.Struct([]), length, children: [] }));
}
