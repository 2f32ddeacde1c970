import { gzipSync } from "fflate";

/**
 * A minimal Parquet writer for test files that no writer installable here produces: INT96 timestamps
 * (Spark's and Impala's) and INT64 timestamps whose footer says one unit while the embedded Arrow
 * schema asks for another. pyarrow cannot be installed on this machine, hyparquet only reads, and
 * parquet-wasm writes neither, so the bytes are laid out by hand: one row group, one PLAIN data page
 * (v1) per column, uncompressed or gzip, and a Thrift compact-protocol footer.
 */

/** One column of a crafted file. */
export type CraftedColumn =
  | {
      name: string;
      kind: "int96";
      /** Nanoseconds since 1970. */
      values: readonly (bigint | null)[];
      /** The name of a required struct column this one is the only field of. */
      parent?: string;
    }
  | {
      name: string;
      kind: "timestamp";
      unit: "MILLIS" | "MICROS" | "NANOS";
      values: readonly (bigint | null)[];
      /** Write min/max statistics. @default false */
      statistics?: boolean;
    }
  | { name: string; kind: "int32"; values: readonly (number | null)[] };

const JULIAN_DAY_OF_EPOCH = 2_440_588n;
const NANOS_PER_DAY = 86_400_000_000_000n;

// Thrift compact protocol types.
const T = { TRUE: 1, FALSE: 2, I32: 5, I64: 6, BINARY: 8, LIST: 9, STRUCT: 12 } as const;

class Thrift {
  readonly bytes: number[] = [];
  #last: number[] = [0];

  varint(v: bigint): void {
    let x = v;
    while (x >= 0x80n) {
      this.bytes.push(Number(x & 0x7fn) | 0x80);
      x >>= 7n;
    }
    this.bytes.push(Number(x));
  }
  zigzag(v: bigint): void {
    this.varint(v >= 0n ? v << 1n : (-v << 1n) - 1n);
  }
  field(id: number, type: number): void {
    const last = this.#last[this.#last.length - 1] as number;
    const delta = id - last;
    if (delta > 0 && delta <= 15) this.bytes.push((delta << 4) | type);
    else {
      this.bytes.push(type);
      this.zigzag(BigInt(id));
    }
    this.#last[this.#last.length - 1] = id;
  }
  i32(id: number, v: number): void {
    this.field(id, T.I32);
    this.zigzag(BigInt(v));
  }
  i64(id: number, v: number | bigint): void {
    this.field(id, T.I64);
    this.zigzag(BigInt(v));
  }
  bool(id: number, v: boolean): void {
    this.field(id, v ? T.TRUE : T.FALSE);
  }
  binary(id: number, v: Uint8Array | string): void {
    this.field(id, T.BINARY);
    this.rawBinary(v);
  }
  rawBinary(v: Uint8Array | string): void {
    const b = typeof v === "string" ? new TextEncoder().encode(v) : v;
    this.varint(BigInt(b.length));
    this.bytes.push(...b);
  }
  struct(id: number, body: () => void): void {
    this.field(id, T.STRUCT);
    this.begin();
    body();
    this.end();
  }
  list<I>(id: number, type: number, items: readonly I[], each: (item: I) => void): void {
    this.field(id, T.LIST);
    if (items.length < 15) this.bytes.push((items.length << 4) | type);
    else {
      this.bytes.push(0xf0 | type);
      this.varint(BigInt(items.length));
    }
    for (const item of items) {
      if (type === T.STRUCT) {
        this.begin();
        each(item);
        this.end();
      } else each(item);
    }
  }
  begin(): void {
    this.#last.push(0);
  }
  end(): void {
    this.bytes.push(0);
    this.#last.pop();
  }
}

function int96(nanos: bigint): Uint8Array {
  let days = nanos / NANOS_PER_DAY;
  let ofDay = nanos % NANOS_PER_DAY;
  if (ofDay < 0n) {
    ofDay += NANOS_PER_DAY;
    days -= 1n;
  }
  const out = new Uint8Array(12);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, ofDay, true);
  view.setInt32(8, Number(days + JULIAN_DAY_OF_EPOCH), true);
  return out;
}

function int64(v: bigint): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigInt64(0, v, true);
  return out;
}

function int32(v: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setInt32(0, v, true);
  return out;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Definition levels of an optional column: one RLE run per value, prefixed by its byte length. */
function definitionLevels(values: readonly unknown[]): Uint8Array {
  const runs = values.flatMap((v) => [2, v === null ? 0 : 1]);
  return concat([int32(runs.length), Uint8Array.from(runs)]);
}

const PHYSICAL = { int96: 3, timestamp: 2, int32: 1 } as const;

/**
 * A Parquet file holding `columns` (all optional, equal lengths). `arrowSchema` is the base64
 * `ARROW:schema` footer entry (arrow-rs takes its types as hints), when given.
 */
export function writeParquet(
  columns: readonly CraftedColumn[],
  options: { arrowSchema?: string; gzip?: boolean } = {},
) {
  const rows = columns[0]?.values.length ?? 0;
  const parts: Uint8Array[] = [new TextEncoder().encode("PAR1")];
  let offset = 4;
  const chunks: Array<{ column: CraftedColumn; offset: number; size: number }> = [];
  for (const column of columns) {
    const plain: Uint8Array[] = [];
    for (const v of column.values) {
      if (v === null) continue;
      if (column.kind === "int96") plain.push(int96(v as bigint));
      else if (column.kind === "timestamp") plain.push(int64(v as bigint));
      else plain.push(int32(v as number));
    }
    const raw = concat([definitionLevels(column.values), ...plain]);
    const page = options.gzip ? gzipSync(raw) : raw;
    const header = new Thrift();
    header.begin();
    header.i32(1, 0); // DATA_PAGE
    header.i32(2, raw.length);
    header.i32(3, page.length);
    header.struct(5, () => {
      header.i32(1, column.values.length);
      header.i32(2, 0); // PLAIN
      header.i32(3, 3); // RLE
      header.i32(4, 3);
    });
    header.end();
    const bytes = concat([Uint8Array.from(header.bytes), page]);
    chunks.push({ column, offset, size: bytes.length });
    parts.push(bytes);
    offset += bytes.length;
  }

  const meta = new Thrift();
  meta.begin();
  meta.i32(1, 1);
  const elements = columns.flatMap(
    (c): Array<CraftedColumn | string> =>
      c.kind === "int96" && c.parent !== undefined ? [c.parent, c] : [c],
  );
  meta.list(2, T.STRUCT, [undefined, ...elements], (column) => {
    if (column === undefined) {
      meta.binary(4, "schema");
      meta.i32(5, columns.length);
      return;
    }
    if (typeof column === "string") {
      meta.i32(3, 0); // REQUIRED: the leaf's definition levels stay 0/1
      meta.binary(4, column);
      meta.i32(5, 1);
      return;
    }
    meta.i32(1, PHYSICAL[column.kind]);
    meta.i32(3, 1); // OPTIONAL
    meta.binary(4, column.name);
    if (column.kind === "timestamp") {
      if (column.unit !== "NANOS") meta.i32(6, column.unit === "MILLIS" ? 9 : 10);
      meta.struct(10, () =>
        meta.struct(8, () => {
          meta.bool(1, true);
          meta.struct(2, () => meta.struct({ MILLIS: 1, MICROS: 2, NANOS: 3 }[column.unit], () => {}));
        }),
      );
    }
  });
  meta.i64(3, rows);
  meta.list(4, T.STRUCT, [0], () => {
    meta.list(1, T.STRUCT, chunks, (chunk) => {
      meta.i64(2, chunk.offset);
      meta.struct(3, () => {
        meta.i32(1, PHYSICAL[chunk.column.kind]);
        meta.list(2, T.I32, [0, 3], (e) => meta.zigzag(BigInt(e)));
        const c = chunk.column;
        const path = c.kind === "int96" && c.parent !== undefined ? [c.parent, c.name] : [c.name];
        meta.list(3, T.BINARY, path, (name) => meta.rawBinary(name));
        meta.i32(4, options.gzip ? 2 : 0); // GZIP or UNCOMPRESSED
        meta.i64(5, chunk.column.values.length);
        meta.i64(6, chunk.size);
        meta.i64(7, chunk.size);
        meta.i64(9, chunk.offset);
        const column = chunk.column;
        if (column.kind === "timestamp" && column.statistics) {
          const present = column.values.filter((v): v is bigint => v !== null);
          const nulls = column.values.length - present.length;
          meta.struct(12, () => {
            meta.i64(3, nulls);
            if (present.length > 0) {
              // bigints: Math.min/max do not take them.
              const sorted = [...present].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
              meta.binary(5, int64(sorted[sorted.length - 1] as bigint));
              meta.binary(6, int64(sorted[0] as bigint));
            }
          });
        }
      });
    });
    meta.i64(
      2,
      chunks.reduce((n, c) => n + c.size, 0),
    );
    meta.i64(3, rows);
  });
  if (options.arrowSchema !== undefined) {
    const schema = options.arrowSchema;
    meta.list(5, T.STRUCT, [0], () => {
      meta.binary(1, "ARROW:schema");
      meta.binary(2, schema);
    });
  }
  meta.binary(6, "autostore-js test writer");
  meta.end();
  const footer = Uint8Array.from(meta.bytes);
  return concat([...parts, footer, int32(footer.length), new TextEncoder().encode("PAR1")]);
}

/** Nanoseconds since 1970 of a UTC date-time (ISO text), for building column values. */
export function nanosOf(iso: string, extraNanos = 0n): bigint {
  return BigInt(Date.parse(iso)) * 1_000_000n + extraNanos;
}
