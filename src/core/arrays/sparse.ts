/**
 * `.sparse.npz`: what `scipy.sparse.save_npz` writes, an `.npz` with `format` (`b"csr"` as a `|S3`
 * scalar), `shape` (int64 pair), `data`, and `indices` + `indptr` (csr, csc) or `row` + `col`
 * (coo). Indices are checked on both paths, so a matrix read here is one SciPy accepts.
 */
import { checkData, elementCount, inferDtype, parseDtype } from "./dtype.js";
import type { ZipLimits } from "./limits.js";
import { decodeNpz, encodeNpz } from "./npz.js";
import {
  isSparseMatrix,
  type NdArray,
  type SparseFormat,
  type SparseMatrix,
  type TypedArray,
  typedArrayName,
} from "./types.js";

const FORMATS: readonly string[] = ["csr", "csc", "coo"];

function member(arrays: Record<string, NdArray>, name: string): NdArray {
  const array = arrays[name];
  if (!array) throw new Error(`no '${name}' array: not a scipy.sparse file`);
  return array;
}

function formatOf(array: NdArray): string {
  const { data } = array;
  const name = typedArrayName(data);
  if (name === "Uint8Array" && array.dtype.startsWith("|S")) {
    return String.fromCharCode(...(data as Uint8Array)).replace(/\0+$/, "");
  }
  if (name === "Uint32Array" && /^[<>]U/.test(array.dtype)) {
    return String.fromCodePoint(...(data as Uint32Array)).replace(/\0+$/, "");
  }
  throw new Error(`'format' has dtype ${array.dtype}, not a string`);
}

function integers(array: NdArray, name: string): number[] {
  const { data } = array;
  if (Array.isArray(data) || /^[<>|]?[fcb]/.test(array.dtype)) throw new Error(`'${name}' is not integer`);
  return Array.from(data as ArrayLike<number | bigint>, (v) => Number(v));
}

/** Integer indices as an `Int32Array`; SciPy uses int64 only past 2^31, which cannot be held here. */
function indexArray(array: NdArray, name: string): Int32Array {
  if (array.shape.length !== 1) throw new Error(`'${name}' is not 1-D`);
  if (typedArrayName(array.data) === "Int32Array") return array.data as Int32Array;
  const values = integers(array, name);
  const out = new Int32Array(values.length);
  values.forEach((v, i) => {
    if (v < -(2 ** 31) || v >= 2 ** 31) throw new Error(`'${name}' holds ${v}, beyond 32-bit indices`);
    out[i] = v;
  });
  return out;
}

/**
 * Checks a matrix's structure; `Fail` is `Error` when reading and `TypeError` when writing (so that
 * the store reports a value it cannot write, not a broken file).
 */
function validate(m: SparseMatrix, nnz: number, Fail: ErrorConstructor): void {
  const [rows, cols] = m.shape;
  const inRange = (values: Int32Array, limit: number, name: string) => {
    if (values.length !== nnz) throw new Fail(`'${name}' has ${values.length} entries for ${nnz} values`);
    for (const v of values) {
      if (v < 0 || v >= limit) throw new Fail(`'${name}' holds ${v}, outside 0..${limit - 1}`);
    }
  };
  if (m.format === "coo") {
    if (!m.row || !m.col) throw new Fail("a coo matrix needs row and col");
    inRange(m.row, rows, "row");
    inRange(m.col, cols, "col");
    return;
  }
  const { indptr, indices } = m;
  if (!indptr || !indices) throw new Fail(`a ${m.format} matrix needs indices and indptr`);
  const [major, minor] = m.format === "csr" ? [rows, cols] : [cols, rows];
  if (indptr.length !== major + 1) {
    throw new Fail(
      `'indptr' has ${indptr.length} entries; a ${rows}x${cols} ${m.format} matrix needs ${major + 1}`,
    );
  }
  if (indptr[0] !== 0) throw new Fail("'indptr' must start at 0");
  for (let i = 1; i < indptr.length; i++) {
    if ((indptr[i] as number) < (indptr[i - 1] as number)) throw new Fail("'indptr' decreases");
  }
  if (indptr[major] !== nnz) throw new Fail(`'indptr' ends at ${indptr[major]}, not at ${nnz} values`);
  inRange(indices, minor, "indices");
}

/** Reads a matrix from the arrays of a `scipy.sparse.save_npz` file. */
export function sparseFromArrays(arrays: Record<string, NdArray>): SparseMatrix {
  const format = formatOf(member(arrays, "format"));
  if (!FORMATS.includes(format))
    throw new Error(`sparse format '${format}' is not supported (csr, csc, coo are)`);
  const shape = integers(member(arrays, "shape"), "shape");
  if (shape.length !== 2 || !shape.every((d) => Number.isSafeInteger(d) && d >= 0 && d <= 2 ** 31)) {
    throw new Error(`'shape' (${shape.join(", ")}) is not a 2-D shape`);
  }
  const values = member(arrays, "data");
  if (values.shape.length !== 1) throw new Error("'data' is not 1-D");
  const dtype = values.dtype;
  const data: TypedArray = Array.isArray(values.data)
    ? Uint8Array.from(values.data, (v) => (v ? 1 : 0))
    : (values.data as TypedArray);
  const matrix: SparseMatrix = {
    format: format as SparseFormat,
    shape: [shape[0] ?? 0, shape[1] ?? 0],
    data,
    dtype,
  };
  if (format === "coo") {
    matrix.row = indexArray(member(arrays, "row"), "row");
    matrix.col = indexArray(member(arrays, "col"), "col");
  } else {
    matrix.indices = indexArray(member(arrays, "indices"), "indices");
    matrix.indptr = indexArray(member(arrays, "indptr"), "indptr");
  }
  validate(matrix, elementCount(values.shape), Error);
  return matrix;
}

/** The arrays `scipy.sparse.save_npz` writes for a matrix, in SciPy's order. */
export function sparseToArrays(m: SparseMatrix): Record<string, NdArray> {
  if (!isSparseMatrix(m)) {
    throw new TypeError(
      "a sparse matrix is { format: 'csr' | 'csc' | 'coo', shape, data, indices + indptr or row + col (Int32Array) }",
    );
  }
  const [rows, cols] = m.shape;
  if (![rows, cols].every((d) => Number.isSafeInteger(d) && d >= 0)) throw new TypeError("bad sparse shape");
  const dtype = parseDtype(m.dtype ?? inferDtype(m.data));
  const lanes = dtype.lanes;
  if (m.data.length % lanes !== 0) throw new TypeError(`dtype ${dtype.descr} needs data in pairs`);
  const nnz = m.data.length / lanes;
  checkData(m.data, dtype, nnz);
  validate(m, nnz, TypeError);
  const index = (data: Int32Array): NdArray => ({ data, shape: [data.length], dtype: "<i4" });
  const arrays: Record<string, NdArray> =
    m.format === "coo"
      ? { row: index(m.row as Int32Array), col: index(m.col as Int32Array) }
      : { indices: index(m.indices as Int32Array), indptr: index(m.indptr as Int32Array) };
  arrays.format = { data: new TextEncoder().encode(m.format), shape: [], dtype: "|S3" };
  arrays.shape = { data: BigInt64Array.from([BigInt(rows), BigInt(cols)]), shape: [2], dtype: "<i8" };
  arrays.data = { data: m.data, shape: [nnz], dtype: dtype.fileDescr };
  return arrays;
}

/** Decodes a `.sparse.npz` file. */
export function decodeSparseNpz(bytes: Uint8Array, limits: ZipLimits = {}): SparseMatrix {
  return sparseFromArrays(decodeNpz(bytes, limits));
}

/** Encodes a matrix as `scipy.sparse.save_npz` does (deflated, as its default `compressed=True`). */
export function encodeSparseNpz(m: SparseMatrix): Uint8Array {
  return encodeNpz(sparseToArrays(m), true);
}
