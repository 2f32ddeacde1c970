/**
 * Column types inferred from text: CSV cells and Hive partition values (`year=2024`). One rule set,
 * so a partition column and a CSV column holding the same text get the same type.
 *
 * A column takes the first kind that every non-null value fits, in this order:
 * boolean (`true`/`false`, any case) → int32 → int64 → float64 (also `NaN`, `inf`, `-inf`) →
 * date (`YYYY-MM-DD`) → timestamp (`YYYY-MM-DD[T ]HH:MM[:SS[.fff]]`, all without a zone) →
 * UTC timestamp (all with `Z` or `±HH:MM`) → string. Empty cells are null; a column with no value
 * at all is a string column of nulls. Integers too large for int64 stay strings (no silent rounding).
 */
import type * as Arrow from "apache-arrow";
import type { ArrowModule } from "./arrow.js";

/** The kinds a text column can be inferred as. */
export type InferredKind =
  | "bool"
  | "int32"
  | "int64"
  | "float64"
  | "date"
  | "timestamp"
  | "timestamptz"
  | "string";

const INT = /^[+-]?\d+$/;
const FLOAT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const SPECIAL_FLOAT = /^(?:[+-]?(?:inf|infinity)|nan)$/i;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATETIME =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?$/;
const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** Milliseconds since the epoch of a valid `YYYY-MM-DD`, else undefined. */
export function parseDate(text: string): number | undefined {
  const m = DATE.exec(text);
  if (!m) return undefined;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const ms = Date.UTC(y, mo - 1, d);
  const back = new Date(ms);
  // Date.UTC rolls 2024-02-31 over into March: such a string is not a date.
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d)
    return undefined;
  return ms;
}

/** Milliseconds since the epoch of an ISO date-time, and whether it named a zone; else undefined. */
export function parseDateTime(text: string): { ms: number; zoned: boolean } | undefined {
  const m = DATETIME.exec(text);
  if (!m) return undefined;
  const day = parseDate(`${m[1]}-${m[2]}-${m[3]}`);
  if (day === undefined) return undefined;
  const [h, mi, s] = [Number(m[4]), Number(m[5]), Number(m[6] ?? 0)];
  if (h > 23 || mi > 59 || s > 59) return undefined;
  const ms = Number((m[7] ?? "0").padEnd(3, "0").slice(0, 3));
  let value = day + ((h * 60 + mi) * 60 + s) * 1000 + ms;
  const zone = m[8];
  if (zone && zone !== "Z") {
    const sign = zone[0] === "-" ? -1 : 1;
    const digits = zone.slice(1).replace(":", "");
    value -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000;
  }
  return { ms: value, zoned: zone !== undefined };
}

/** The kind every non-null value of a column fits (see the module's rules). */
export function inferKind(values: readonly (string | null)[]): InferredKind {
  let bool = true;
  let int32 = true;
  let int64 = true;
  let float = true;
  let date = true;
  let naive = true;
  let zoned = true;
  let any = false;
  let huge = false; // an integer beyond int64: a float would round it
  for (const v of values) {
    if (v === null) continue;
    any = true;
    if (bool && !/^(?:true|false)$/i.test(v)) bool = false;
    if (int64) {
      if (!INT.test(v)) {
        int32 = int64 = false;
      } else if (int32) {
        const n = Number(v);
        if (n < INT32_MIN || n > INT32_MAX) int32 = false;
      }
      if (int64 && !int32) {
        const n = BigInt(v);
        if (n < INT64_MIN || n > INT64_MAX) {
          int64 = false;
          huge = true;
        }
      }
    }
    if (float && !int64 && !FLOAT.test(v) && !SPECIAL_FLOAT.test(v)) float = false;
    if (date || naive || zoned) {
      if (parseDate(v) !== undefined) {
        zoned = false; // a plain date mixes with naive date-times, not with zoned ones
      } else {
        date = false;
        const dt = parseDateTime(v);
        if (!dt) naive = zoned = false;
        else if (dt.zoned) naive = false;
        else zoned = false;
      }
    }
    if (huge || (!bool && !int64 && !float && !date && !naive && !zoned)) return "string";
  }
  if (!any) return "string";
  if (bool) return "bool";
  if (int32) return "int32";
  if (int64) return "int64";
  if (float && !huge) return "float64";
  if (date) return "date";
  if (naive) return "timestamp";
  if (zoned) return "timestamptz";
  return "string";
}

/** The Arrow type of an inferred kind. */
export function arrowTypeOf(arrow: ArrowModule, kind: InferredKind): Arrow.DataType {
  switch (kind) {
    case "bool":
      return new arrow.Bool();
    case "int32":
      return new arrow.Int32();
    case "int64":
      return new arrow.Int64();
    case "float64":
      return new arrow.Float64();
    case "date":
      return new arrow.DateDay();
    case "timestamp":
      return new arrow.TimestampMillisecond();
    case "timestamptz":
      return new arrow.Timestamp(arrow.TimeUnit.MILLISECOND, "UTC");
    case "string":
      return new arrow.Utf8();
  }
}

/** The value of one cell as the kind's JavaScript representation (what apache-arrow's builders take). */
export function convertValue(kind: InferredKind, text: string | null): unknown {
  if (text === null) return null;
  switch (kind) {
    case "bool":
      return text.toLowerCase() === "true";
    case "int32":
      return Number(text);
    case "int64":
      return BigInt(text);
    case "float64": {
      if (/^[+-]?inf(?:inity)?$/i.test(text)) return text.startsWith("-") ? -Infinity : Infinity;
      return Number(text);
    }
    case "date":
      return parseDate(text) ?? null;
    case "timestamp":
    case "timestamptz":
      return parseDate(text) ?? parseDateTime(text)?.ms ?? null;
    case "string":
      return text;
  }
}

/**
 * An Arrow vector of text values converted to their inferred kind, laid out by hand (values, validity
 * bitmap, UTF-8 offsets) rather than through apache-arrow's builders: a builder compiles its null
 * check with `new Function`, which Cloudflare Workers refuse (EvalError), and the direct layout is
 * faster everywhere.
 */
export function buildVector(
  arrow: ArrowModule,
  kind: InferredKind,
  values: readonly (string | null)[],
): Arrow.Vector {
  const type = arrowTypeOf(arrow, kind);
  const length = values.length;
  const validity = new Uint8Array(Math.ceil(length / 8));
  let nullCount = 0;
  const cells: unknown[] = new Array(length).fill(undefined);
  for (let i = 0; i < length; i++) {
    const v = values[i];
    const value = v === null || v === undefined ? null : convertValue(kind, v);
    if (value === null) {
      nullCount++;
      continue;
    }
    cells[i] = value;
    validity[i >> 3] = (validity[i >> 3] as number) | (1 << (i & 7));
  }
  const layout = layOut(kind, cells, length);
  return arrow.makeVector(
    arrow.makeData({
      type,
      length,
      nullCount,
      nullBitmap: nullCount > 0 ? validity : null,
      ...layout,
    } as never),
  );
}

/** The value buffers of a column (`cells[i]` is undefined where the value is null). */
function layOut(
  kind: InferredKind,
  cells: readonly unknown[],
  length: number,
): { data: ArrayBufferView; valueOffsets?: Int32Array } {
  switch (kind) {
    case "bool": {
      const bits = new Uint8Array(Math.ceil(length / 8));
      for (let i = 0; i < length; i++)
        if (cells[i] === true) bits[i >> 3] = (bits[i >> 3] as number) | (1 << (i & 7));
      return { data: bits };
    }
    case "int32":
    case "float64": {
      const data = kind === "int32" ? new Int32Array(length) : new Float64Array(length);
      for (let i = 0; i < length; i++) if (cells[i] !== undefined) data[i] = cells[i] as number;
      return { data };
    }
    case "int64":
    case "timestamp":
    case "timestamptz": {
      const data = new BigInt64Array(length);
      for (let i = 0; i < length; i++) {
        const v = cells[i];
        if (v !== undefined) data[i] = typeof v === "bigint" ? v : BigInt(v as number);
      }
      return { data };
    }
    case "date": {
      // DateDay holds days since the epoch, as apache-arrow's own setter floors them.
      const data = new Int32Array(length);
      for (let i = 0; i < length; i++)
        if (cells[i] !== undefined) data[i] = Math.floor((cells[i] as number) / 86_400_000);
      return { data };
    }
    case "string": {
      const encoder = new TextEncoder();
      const encoded = cells.map((v) => (v === undefined ? undefined : encoder.encode(v as string)));
      const valueOffsets = new Int32Array(length + 1);
      let total = 0;
      for (let i = 0; i < length; i++) {
        total += encoded[i]?.length ?? 0;
        valueOffsets[i + 1] = total;
      }
      const data = new Uint8Array(total);
      for (let i = 0; i < length; i++) {
        const bytes = encoded[i];
        if (bytes) data.set(bytes, valueOffsets[i] as number);
      }
      return { data, valueOffsets };
    }
  }
}
