/** Tables (Parquet, Arrow, CSV) and folder datasets: schema, row count and a grid of the first rows. */

import type { Schema, Table } from "apache-arrow";
import type { Dataset } from "autostore-js";
import { h } from "../dom.js";

const ROWS = 20;

function cell(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "bigint") return value.toString();
  if (value instanceof Date) return value.toISOString();
  if (typeof value === "object") {
    const json = (value as { toJSON?: () => unknown }).toJSON?.() ?? value;
    return JSON.stringify(json, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v));
  }
  return String(value);
}

/** The schema as a definition list: one `name: type` per field. */
export function schemaView(schema: Schema): HTMLElement {
  return h(
    "ul",
    { class: "schema", "aria-label": "Schema" },
    ...schema.fields.map((f) =>
      h(
        "li",
        {},
        h("code", {}, f.name),
        ": ",
        h("span", { class: "type" }, String(f.type)),
        f.nullable ? "" : " (not null)",
      ),
    ),
  );
}

/** A grid of the first rows of a table. */
export function gridView(table: Table, totalRows = table.numRows): HTMLElement {
  const names = table.schema.fields.map((f) => f.name);
  const shown = Math.min(ROWS, table.numRows);
  const rows: HTMLElement[] = [];
  for (let i = 0; i < shown; i++) {
    const row = table.get(i) as Record<string, unknown> | null;
    rows.push(h("tr", {}, ...names.map((n) => h("td", {}, cell(row?.[n])))));
  }
  return h(
    "div",
    { class: "grid-wrap" },
    h(
      "table",
      { class: "grid" },
      h("caption", {}, `First ${shown} of ${totalRows} rows`),
      h("thead", {}, h("tr", {}, ...names.map((n) => h("th", { scope: "col" }, n)))),
      h("tbody", {}, ...rows),
    ),
  );
}

/** A table: row count, schema, grid. */
export function tableView(table: Table): HTMLElement {
  return h(
    "section",
    { class: "table-view" },
    h("p", { class: "row-count" }, `${table.numRows} rows × ${table.numCols} columns`),
    schemaView(table.schema),
    gridView(table),
  );
}

/** A folder dataset: its files, partition columns, row count (from footers) and first rows. */
export async function datasetView(ds: Dataset): Promise<HTMLElement> {
  const [schema, rows, head] = await Promise.all([ds.schema(), ds.countRows(), ds.toTable({ limit: ROWS })]);
  return h(
    "section",
    { class: "dataset-view" },
    h("p", { class: "row-count" }, `${rows} rows in ${ds.files.length} files`),
    ds.partitioning.length
      ? h("p", {}, "Partitioned by ", ...ds.partitioning.map((p) => h("code", { class: "partition" }, p)))
      : h("p", {}, "Not partitioned"),
    h(
      "details",
      {},
      h("summary", {}, `Files (${ds.files.length})`),
      h("ul", { class: "files" }, ...ds.files.map((f) => h("li", {}, f))),
    ),
    schemaView(schema),
    gridView(head as unknown as Table, rows),
  );
}
