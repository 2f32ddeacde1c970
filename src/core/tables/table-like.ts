/**
 * Arrow tables recognised by shape, without loading apache-arrow: handlers ask this of every value
 * they are given, so it stays apart from the module that loads and adopts tables.
 */

/** The members of an Arrow table this library relies on, whichever copy of apache-arrow made it. */
export interface TableLike {
  readonly schema: { readonly fields: readonly unknown[]; readonly metadata: Map<string, string> };
  readonly batches: readonly unknown[];
  readonly numRows: number;
  readonly numCols: number;
}

/**
 * True when `value` is an apache-arrow `Table` from any copy of the library: checked by shape, because
 * `instanceof` fails across copies.
 */
export function isArrowTable(value: unknown): value is TableLike {
  if (typeof value !== "object" || value === null) return false;
  const t = value as Partial<Record<keyof TableLike | "getChild", unknown>>;
  const schema = t.schema as { fields?: unknown } | undefined;
  return (
    Array.isArray(t.batches) &&
    typeof t.numRows === "number" &&
    typeof t.numCols === "number" &&
    typeof t.getChild === "function" &&
    typeof schema === "object" &&
    schema !== null &&
    Array.isArray(schema.fields)
  );
}
