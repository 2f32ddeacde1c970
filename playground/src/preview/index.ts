/**
 * The preview pane: reads the selected key with `store.get` and shows the value the way people like
 * to look at it, picked by the value's type (what the library decoded), not by guessing from bytes.
 */

import type { Table } from "apache-arrow";
import {
  type AutoStore,
  Dataset,
  isArrowTable,
  isAutoStoreError,
  isNdArray,
  isRasterImage,
  isSparseMatrix,
  type NdArray,
} from "autostore-js";
import { lit, snippet } from "../code-snippets.js";
import { formatBytes, formatOf, formatTime, h, replace } from "../dom.js";
import { errorView } from "../errors.js";
import type { Entry } from "../tree.js";
import { arraysView, arrayView, sparseView } from "./array.js";
import { jsonTree } from "./json-tree.js";
import { hexView, imageView, textView } from "./media.js";
import { datasetView, tableView } from "./table.js";

const REFUSED = new Set(["pkl", "pt", "pth"]);

function isArrayRecord(value: unknown): value is Record<string, NdArray> {
  if (typeof value !== "object" || value === null || Object.getPrototypeOf(value) !== Object.prototype)
    return false;
  const values = Object.values(value);
  return values.length > 0 && values.every(isNdArray);
}

/** Renders a decoded value. */
export async function valueView(value: unknown): Promise<HTMLElement> {
  if (value instanceof Dataset) return datasetView(value);
  if (isArrowTable(value)) return tableView(value as unknown as Table);
  if (isRasterImage(value)) return imageView(value);
  if (isSparseMatrix(value)) return sparseView(value);
  if (isNdArray(value)) return arrayView(value);
  if (isArrayRecord(value)) return arraysView(value);
  if (value instanceof Uint8Array) return hexView(value);
  if (typeof value === "string") return textView(value);
  return jsonTree(value);
}

/** What a value is, in a few words. */
function kindOf(value: unknown): string {
  if (value instanceof Dataset) return "Dataset";
  if (isArrowTable(value)) return "apache-arrow Table";
  if (isRasterImage(value)) return "RasterImage";
  if (isSparseMatrix(value)) return "SparseMatrix";
  if (isNdArray(value)) return "NdArray";
  if (isArrayRecord(value)) return "Record<string, NdArray>";
  if (value instanceof Uint8Array) return "Uint8Array";
  if (Array.isArray(value)) return "array";
  return value === null ? "null" : typeof value;
}

let generation = 0;

/** Shows an entry in `pane`; a newer call wins over a slower older one. */
export async function showPreview(pane: HTMLElement, store: AutoStore, entry: Entry): Promise<void> {
  const mine = ++generation;
  const title = h("h2", { class: "preview-key" }, entry.key);
  replace(pane, title, h("p", { class: "loading" }, "Loading…"));
  const body: (HTMLElement | null)[] = [];
  let code = `const value = await store.get(${lit(entry.key)});`;
  try {
    if (entry.kind === "folder") {
      if (await store.primaryBackend.isDataset(entry.key)) {
        code = `const ds = await store.get(${lit(entry.key)}); // a Dataset: nothing read yet\nawait ds.countRows(); // from the footers\nconst head = await ds.toTable({ limit: 20 });`;
        body.push(await valueView(await store.get(entry.key)));
      } else {
        code = `for await (const child of store.path(${lit(entry.key)}).iterdir()) {\n  console.log(child.name);\n}`;
        body.push(h("p", {}, "A folder: open it in the tree to list what it holds."));
      }
    } else {
      const meta = await store.getMetadata(entry.key).catch(() => undefined);
      if (meta) {
        body.push(
          h(
            "dl",
            { class: "facts meta" },
            h("dt", {}, "size"),
            h("dd", {}, formatBytes(meta.size)),
            h("dt", {}, "modified"),
            h("dd", {}, formatTime(meta.modifiedTime)),
            h("dt", {}, "format"),
            h("dd", {}, formatOf(entry.key) || "(none)"),
            meta.contentType ? h("dt", {}, "type") : null,
            meta.contentType ? h("dd", {}, meta.contentType) : null,
          ),
        );
      }
      try {
        const value = await store.get(entry.key);
        body.push(h("p", { class: "kind" }, `Read as ${kindOf(value)}`), await valueView(value));
      } catch (err) {
        body.push(errorView(err, `store.get(${lit(entry.key)})`));
        // A format the library has no handler for is still bytes worth seeing; a refused one
        // (pickle runs code) is not opened at all.
        const format = formatOf(entry.key);
        if (isAutoStoreError(err) && err.code === "UNSUPPORTED_FORMAT" && !REFUSED.has(format)) {
          code = `const bytes = await store.path(${lit(entry.key)}).readBytes();`;
          body.push(hexView(await store.path(entry.key).readBytes()));
        }
      }
    }
  } catch (err) {
    body.push(errorView(err, `previewing ${entry.key}`));
  }
  if (mine !== generation) return;
  replace(
    pane,
    title,
    ...body,
    h("h3", { class: "code-title" }, "The same in code"),
    snippet(code, "read code").el,
  );
}
