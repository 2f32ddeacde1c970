/** `.npy`, `.npz`, safetensors and sparse matrices: shape, dtype, min/max/mean and a histogram. */
import type { NdArray, SparseMatrix } from "autostore-js";
import { h, svg } from "../dom.js";

const BINS = 24;
const W = 240;
const H = 64;

interface Stats {
  count: number;
  min: number;
  max: number;
  mean: number;
  bins: number[];
}

function stats(data: ArrayLike<number | bigint | boolean>): Stats | undefined {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  let sum = 0;
  let count = 0;
  const values = new Float64Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const v = Number(data[i]);
    if (!Number.isFinite(v)) continue;
    values[count++] = v;
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
  }
  if (count === 0) return undefined;
  const bins = new Array<number>(BINS).fill(0);
  const width = (max - min) / BINS || 1;
  for (let i = 0; i < count; i++) {
    const b = Math.min(BINS - 1, Math.floor(((values[i] ?? 0) - min) / width));
    bins[b] = (bins[b] ?? 0) + 1;
  }
  return { count, min, max, mean: sum / count, bins };
}

const num = (v: number) => (Number.isInteger(v) ? String(v) : v.toPrecision(4));

function histogram(s: Stats): SVGElement {
  const top = Math.max(...s.bins);
  const bw = W / BINS;
  return svg(
    "svg",
    {
      class: "histogram",
      viewBox: `0 0 ${W} ${H}`,
      width: W,
      height: H,
      role: "img",
      "aria-label": `Histogram of ${s.count} values`,
    },
    ...s.bins.map((n, i) => {
      const bh = top ? (n / top) * (H - 2) : 0;
      return svg(
        "rect",
        { x: i * bw + 0.5, y: H - bh, width: bw - 1, height: bh },
        svg("title", {}, document.createTextNode(String(n))),
      );
    }),
  );
}

/** One array: shape, dtype, stats, histogram. Complex dtypes show their shape only. */
export function arrayView(arr: NdArray, name?: string): HTMLElement {
  const complex = arr.dtype.includes("c");
  const s = complex ? undefined : stats(arr.data as ArrayLike<number>);
  return h(
    "section",
    { class: "array-view" },
    name ? h("h3", {}, name) : null,
    h(
      "dl",
      { class: "facts" },
      h("dt", {}, "shape"),
      h("dd", { class: "shape" }, `(${arr.shape.join(", ")}${arr.shape.length === 1 ? "," : ""})`),
      h("dt", {}, "dtype"),
      h("dd", { class: "dtype" }, arr.dtype),
      ...(s
        ? [
            h("dt", {}, "min"),
            h("dd", {}, num(s.min)),
            h("dt", {}, "max"),
            h("dd", {}, num(s.max)),
            h("dt", {}, "mean"),
            h("dd", {}, num(s.mean)),
          ]
        : []),
    ),
    s ? histogram(s) : null,
  );
}

/** Several named arrays (`.npz`, safetensors). */
export function arraysView(arrays: Record<string, NdArray>): HTMLElement {
  return h("div", { class: "arrays" }, ...Object.entries(arrays).map(([name, arr]) => arrayView(arr, name)));
}

/** A sparse matrix: its format, shape and stored values. */
export function sparseView(m: SparseMatrix): HTMLElement {
  const s = stats(m.data as ArrayLike<number>);
  return h(
    "section",
    { class: "array-view" },
    h(
      "p",
      {},
      `${m.format.toUpperCase()} sparse matrix, shape (${m.shape.join(", ")}), ${m.data.length} stored values`,
    ),
    s ? histogram(s) : null,
  );
}
