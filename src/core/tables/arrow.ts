/**
 * apache-arrow, loaded on first use, and tables recognised by shape. A program can hold two copies of
 * apache-arrow (an app's and a dependency's); `instanceof Table` and Arrow's own visitors then give
 * wrong answers, so a table from another copy is detected structurally and rebuilt with this copy's
 * classes (buffers are shared, not copied) before it is serialised.
 */
import type * as Arrow from "apache-arrow";
import { UnsupportedFormatError } from "../errors.js";
import type { TableLike } from "./table-like.js";

/** The apache-arrow module. */
export type ArrowModule = typeof Arrow;

let arrowModule: Promise<ArrowModule> | undefined;

/** Loads apache-arrow once; a failed import names the package and is retried next time. */
export function loadArrow(): Promise<ArrowModule> {
  arrowModule ??= import("apache-arrow").catch((err: unknown) => {
    arrowModule = undefined;
    throw new UnsupportedFormatError(
      "tables need the apache-arrow package: install it next to autostore-js (npm install apache-arrow)",
      { cause: err },
    );
  });
  return arrowModule;
}

export { isArrowTable, type TableLike } from "./table-like.js";

// Shapes of another copy's objects, read only through these fields.
interface ForeignType {
  typeId: number;
  [key: string]: unknown;
}
interface ForeignField {
  name: string;
  type: ForeignType;
  nullable: boolean;
  metadata: Map<string, string>;
}
interface ForeignData {
  type: ForeignType;
  offset: number;
  length: number;
  nullCount: number;
  buffers: unknown[];
  children: ForeignData[];
  dictionary?: { data: ForeignData[] };
}

/**
 * The table as this copy of apache-arrow's `Table`: itself when it already is one, else rebuilt
 * around the same buffers.
 */
export function adoptTable(arrow: ArrowModule, value: TableLike): Arrow.Table {
  if (Object.getPrototypeOf(value) === arrow.Table.prototype) return value as unknown as Arrow.Table;
  const schema = adoptSchema(
    arrow,
    value.schema as unknown as { fields: ForeignField[]; metadata: Map<string, string> },
  );
  const batches = (value.batches as { data: ForeignData }[]).map(
    (batch) => new arrow.RecordBatch(schema, adoptData(arrow, batch.data) as Arrow.Data<Arrow.Struct>),
  );
  return new arrow.Table(schema, batches);
}

function adoptSchema(arrow: ArrowModule, schema: { fields: ForeignField[]; metadata: Map<string, string> }) {
  return new arrow.Schema(
    schema.fields.map((f) => adoptField(arrow, f)),
    new Map(schema.metadata),
  );
}

function adoptField(arrow: ArrowModule, f: ForeignField): Arrow.Field {
  return new arrow.Field(f.name, adoptType(arrow, f.type), f.nullable, new Map(f.metadata));
}

function adoptData(arrow: ArrowModule, d: ForeignData): Arrow.Data {
  const dictionary = d.dictionary
    ? new arrow.Vector(d.dictionary.data.map((c) => adoptData(arrow, c)))
    : undefined;
  return new arrow.Data(
    adoptType(arrow, d.type),
    d.offset,
    d.length,
    d.nullCount,
    d.buffers as never,
    d.children.map((c) => adoptData(arrow, c)),
    dictionary,
  );
}

/** Rebuilds a data type of another apache-arrow copy by its `typeId` and parameters. */
function adoptType(arrow: ArrowModule, t: ForeignType): Arrow.DataType {
  const T = arrow.Type;
  // Constructor parameters, read by name from the foreign type.
  const p = (name: string): never => t[name] as never;
  const child = (): Arrow.Field => adoptField(arrow, (t.children as ForeignField[])[0] as ForeignField);
  const children = (): Arrow.Field[] => (t.children as ForeignField[]).map((c) => adoptField(arrow, c));
  switch (t.typeId) {
    case T.Null:
      return new arrow.Null();
    case T.Int:
      return new arrow.Int(p("isSigned"), p("bitWidth"));
    case T.Float:
      return new arrow.Float(p("precision"));
    case T.Binary:
      return new arrow.Binary();
    case T.LargeBinary:
      return new arrow.LargeBinary();
    case T.Utf8:
      return new arrow.Utf8();
    case T.LargeUtf8:
      return new arrow.LargeUtf8();
    case T.Bool:
      return new arrow.Bool();
    case T.Decimal:
      return new arrow.Decimal(p("scale"), p("precision"), p("bitWidth"));
    case T.Date:
      return new arrow.Date_(p("unit"));
    case T.Time:
      return new arrow.Time(p("unit"), p("bitWidth"));
    case T.Timestamp:
      return new arrow.Timestamp(p("unit"), p("timezone"));
    case T.Interval:
      return new arrow.Interval(p("unit"));
    case T.Duration:
      return new arrow.Duration(p("unit"));
    case T.List:
      return new arrow.List(child());
    case T.Struct:
      return new arrow.Struct(children());
    case T.Union:
      return new arrow.Union(p("mode"), p("typeIds"), children());
    case T.FixedSizeBinary:
      return new arrow.FixedSizeBinary(p("byteWidth"));
    case T.FixedSizeList:
      return new arrow.FixedSizeList(p("listSize"), child());
    case T.Map:
      return new arrow.Map_(child() as never, p("keysSorted"));
    case T.Dictionary:
      return new arrow.Dictionary(
        adoptType(arrow, p("dictionary")),
        adoptType(arrow, p("indices")) as never,
        p("id"),
        p("isOrdered"),
      );
    default:
      throw new TypeError(
        `this table's column type (Arrow type id ${t.typeId}) comes from another copy of apache-arrow and cannot be converted; use one copy of apache-arrow`,
      );
  }
}
