/**
 * CSV ↔ Arrow tables. Parsing is papaparse's (RFC 4180 quoting, CRLF, BOM); column types are
 * inferred by `infer.ts`. Writing puts a header line first, quotes where needed, writes nulls as empty
 * cells, dates as `YYYY-MM-DD` and timestamps as ISO 8601 (with `Z` when the column has a zone).
 */
import type * as Arrow from "apache-arrow";
import { type ArrowModule, adoptTable, loadArrow, type TableLike } from "./arrow.js";
import { buildVector, inferKind } from "./infer.js";

/** A CSV whose rows do not all have the header's number of fields. */
export class RaggedCsvError extends Error {
  constructor(
    readonly line: number,
    readonly expected: number,
    readonly found: number,
  ) {
    super(`row ${line} has ${found} fields where the header has ${expected}`);
    this.name = "RaggedCsvError";
  }
}

/** Parses CSV text (`,`-separated, first line the header) into a table with inferred column types. */
export async function decodeCsv(bytes: Uint8Array): Promise<Arrow.Table> {
  const [{ default: Papa }, arrow] = await Promise.all([import("papaparse"), loadArrow()]);
  // `fatal`: a CSV that is not UTF-8 fails here instead of filling the table with U+FFFD.
  const text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  const parsed = Papa.parse<string[]>(text, { delimiter: ",", skipEmptyLines: true });
  const quoteError = parsed.errors.find((e) => e.type === "Quotes");
  if (quoteError) throw new Error(`row ${(quoteError.row ?? 0) + 1}: ${quoteError.message}`);
  const rows = parsed.data;
  const header = rows[0];
  if (!header) throw new Error("the CSV is empty: it has no header line");
  const width = header.length;
  const columns: (string | null)[][] = header.map(() => new Array<string | null>(rows.length - 1));
  for (let r = 1; r < rows.length; r++) {
    const row = rows[r] as string[];
    // A ragged row is an error, not padding: a shifted field silently corrupts every column after it.
    if (row.length !== width) throw new RaggedCsvError(r + 1, width, row.length);
    for (let c = 0; c < width; c++) {
      const cell = row[c] as string;
      (columns[c] as (string | null)[])[r - 1] = cell === "" ? null : cell;
    }
  }
  const names = uniqueNames(header);
  const vectors: Record<string, Arrow.Vector> = {};
  names.forEach((name, c) => {
    const values = columns[c] as (string | null)[];
    vectors[name] = buildVector(arrow, inferKind(values), values);
  });
  return new arrow.Table(vectors);
}

/** Header names made unique (`a`, `a_1`) and never empty (`column_3`), as pandas and Polars do. */
function uniqueNames(header: readonly string[]): string[] {
  const seen = new Set<string>();
  return header.map((raw, i) => {
    const base = raw.trim() === "" ? `column_${i + 1}` : raw;
    let name = base;
    for (let k = 1; seen.has(name); k++) name = `${base}_${k}`;
    seen.add(name);
    return name;
  });
}

/** Writes a table as CSV text with a header line. */
export async function encodeCsv(value: TableLike): Promise<Uint8Array> {
  const [{ default: Papa }, arrow] = await Promise.all([import("papaparse"), loadArrow()]);
  const table = adoptTable(arrow, value);
  const fields = table.schema.fields;
  const formatters = fields.map((f) => cellFormatter(arrow, f.type));
  const vectors = fields.map((_, i) => table.getChildAt(i) as Arrow.Vector);
  const data: string[][] = new Array(table.numRows);
  for (let r = 0; r < table.numRows; r++) {
    const row = new Array<string>(fields.length);
    for (let c = 0; c < fields.length; c++) {
      const v: unknown = (vectors[c] as Arrow.Vector).get(r);
      row[c] = v === null || v === undefined ? "" : (formatters[c] as (v: unknown) => string)(v);
    }
    data[r] = row;
  }
  const text = Papa.unparse({ fields: fields.map((f) => f.name), data }, { newline: "\n" });
  return new TextEncoder().encode(`${text}\n`);
}

function cellFormatter(arrow: ArrowModule, type: Arrow.DataType): (v: unknown) => string {
  const T = arrow.Type;
  const base = type.typeId === T.Dictionary ? (type as Arrow.Dictionary).dictionary : type;
  switch (base.typeId) {
    case T.Date:
      return (v) => new Date(v as number).toISOString().slice(0, 10);
    case T.Timestamp: {
      const zoned = Boolean((base as Arrow.Timestamp).timezone);
      return (v) => {
        const iso = new Date(v as number).toISOString();
        return zoned ? iso : iso.slice(0, -1);
      };
    }
    case T.Float:
      return (v) => {
        const n = v as number;
        if (Number.isNaN(n)) return "NaN";
        if (n === Infinity) return "inf";
        if (n === -Infinity) return "-inf";
        return String(n);
      };
    case T.Utf8:
    case T.LargeUtf8:
    case T.Int:
    case T.Bool:
    case T.Decimal:
      return (v) => String(v);
    default:
      // Lists, structs, binary: JSON keeps them on one line and readable again.
      return (v) => JSON.stringify(toPlain(v));
  }
}

function toPlain(v: unknown): unknown {
  if (typeof v === "bigint") return Number.isSafeInteger(Number(v)) ? Number(v) : String(v);
  if (v instanceof Uint8Array) return Array.from(v);
  if (v && typeof v === "object" && "toJSON" in v && typeof v.toJSON === "function") {
    return toPlain((v as { toJSON(): unknown }).toJSON());
  }
  if (Array.isArray(v)) return v.map(toPlain);
  if (v && typeof v === "object") {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toPlain(x)]));
  }
  return v;
}
