import { ConfigError } from "../errors.js";
import { PARQUET_COMPRESSIONS, type ParquetWriteOptions } from "../tables/parquet-options.js";
import { isArrowTable } from "../tables/table-like.js";
import { DataHandler } from "./handler.js";

/**
 * Apache Arrow tables as Parquet, the default format for a table. Reading and writing load
 * parquet-wasm and apache-arrow on first use.
 *
 * Writing options apply to the store the handler is registered with; registering one replaces the
 * built-in handler (same priority, registered later).
 *
 * @example
 * const store = new AutoStore("./data");
 * store.registerHandler(new ParquetHandler({ compression: "zstd", rowGroupSize: 100_000 }));
 * await store.set("events", table); // events.parquet, zstd
 */
export class ParquetHandler extends DataHandler {
  readonly extensions = [".parquet"];
  override priority = 20;
  /** The options files are written with. */
  readonly options: Readonly<ParquetWriteOptions>;

  constructor(options: ParquetWriteOptions = {}) {
    super();
    const { compression, rowGroupSize, dictionary, ...unknown } = options;
    const extra = Object.keys(unknown);
    if (extra.length > 0) {
      throw new ConfigError(
        `ParquetHandler: unknown option '${extra[0]}'; known: compression, rowGroupSize, dictionary`,
        {
          field: extra[0] as string,
        },
      );
    }
    if (compression !== undefined && !PARQUET_COMPRESSIONS.includes(compression)) {
      throw new ConfigError(
        `ParquetHandler: compression must be one of ${PARQUET_COMPRESSIONS.join(", ")}, not ${JSON.stringify(compression)}`,
        { field: "compression" },
      );
    }
    if (rowGroupSize !== undefined && !(Number.isInteger(rowGroupSize) && rowGroupSize > 0)) {
      throw new ConfigError("ParquetHandler: rowGroupSize must be a positive integer", {
        field: "rowGroupSize",
      });
    }
    if (dictionary !== undefined && typeof dictionary !== "boolean") {
      throw new ConfigError("ParquetHandler: dictionary must be a boolean", { field: "dictionary" });
    }
    this.options = Object.freeze({ ...options });
  }

  canHandleData(value: unknown): boolean {
    return isArrowTable(value);
  }

  async decode(bytes: Uint8Array): Promise<unknown> {
    const { decodeParquet } = await import("../tables/parquet.js");
    return decodeParquet(bytes);
  }

  async encode(value: unknown): Promise<Uint8Array> {
    if (!isArrowTable(value)) throw new TypeError("a Parquet file holds an apache-arrow Table");
    const { encodeParquet } = await import("../tables/parquet.js");
    return encodeParquet(value, this.options);
  }
}
