import { isArrowTable } from "../tables/table-like.js";
import { DataHandler } from "./handler.js";

/**
 * CSV files as apache-arrow tables, with column types inferred from the text (integers, floats,
 * booleans, dates, timestamps, strings; empty cells are null). Tables are written with a header line.
 *
 * `.csv` is also listed by the text handler, for writing a string as is: the registry gives reading
 * and tables to this handler (higher priority), and strings to the text handler (the only one that
 * accepts them).
 */
export class CsvHandler extends DataHandler {
  readonly extensions = [".csv"];
  // Parquet, registered after this handler at the same priority, wins bare-key tables.
  override priority = 20;

  canHandleData(value: unknown): boolean {
    return isArrowTable(value);
  }

  async decode(bytes: Uint8Array): Promise<unknown> {
    const { decodeCsv } = await import("../tables/csv.js");
    return decodeCsv(bytes);
  }

  async encode(value: unknown): Promise<Uint8Array> {
    if (!isArrowTable(value))
      throw new TypeError("a CSV file is written from an apache-arrow Table or a string");
    const { encodeCsv } = await import("../tables/csv.js");
    return encodeCsv(value);
  }
}
