/**
 * Moving NumPy elements between file bytes and the typed arrays that hold them in memory, and from
 * column-major to row-major order: what the array formats (`.npy`, `.npz`, safetensors) need.
 */
import { type Dtype, elementCount, LITTLE_ENDIAN } from "./dtype.js";
import type { TypedArray } from "./types.js";

/** The width, in bytes, of the units whose order differs between endiannesses. */
function swapUnit(dtype: Dtype): number {
  if (dtype.kind === "S" || dtype.kind === "b") return 1;
  return dtype.itemsize / dtype.lanes;
}

function swapBytes(bytes: Uint8Array, unit: number): void {
  for (let i = 0; i + unit <= bytes.length; i += unit) {
    for (let a = i, b = i + unit - 1; a < b; a++, b--) {
      const t = bytes[a] as number;
      bytes[a] = bytes[b] as number;
      bytes[b] = t;
    }
  }
}

/**
 * Reads `count` elements of `dtype` at `offset`. The caller has checked that the bytes are there.
 * Always copies: the result owns an aligned buffer in platform byte order.
 */
export function elementsFromBytes(
  bytes: Uint8Array,
  offset: number,
  count: number,
  dtype: Dtype,
): TypedArray | boolean[] {
  const length = count * dtype.itemsize;
  const src = bytes.subarray(offset, offset + length);
  if (dtype.kind === "b") {
    const out = new Array<boolean>(count);
    for (let i = 0; i < count; i++) out[i] = src[i] !== 0;
    return out;
  }
  const copy = new Uint8Array(length);
  copy.set(src);
  const unit = swapUnit(dtype);
  if (unit > 1 && dtype.bigEndian === LITTLE_ENDIAN) swapBytes(copy, unit);
  return new dtype.ctor(copy.buffer);
}

/** The file bytes of `data` (checked with {@link checkData}) in the dtype's byte order. */
export function elementsToBytes(data: TypedArray | readonly boolean[], dtype: Dtype): Uint8Array {
  if (Array.isArray(data)) return Uint8Array.from(data as readonly boolean[], (v) => (v ? 1 : 0));
  const typed = data as TypedArray;
  const view = new Uint8Array(typed.buffer, typed.byteOffset, typed.byteLength);
  if (dtype.kind === "b") return view.map((v) => (v === 0 ? 0 : 1));
  const unit = swapUnit(dtype);
  if (unit <= 1 || dtype.bigEndian !== LITTLE_ENDIAN) return view;
  const copy = view.slice();
  swapBytes(copy, unit);
  return copy;
}

/**
 * Reorders a column-major (Fortran) array's elements into row-major (C) order, for formats that
 * have no column-major flag. `lanes` values move together (complex pairs, string code units).
 */
export function fortranToC<T extends TypedArray | boolean[]>(
  data: T,
  shape: readonly number[],
  lanes: number,
): T {
  const n = shape.length;
  if (n < 2) return data;
  const out = (Array.isArray(data) ? new Array<boolean>(data.length) : (data as TypedArray).slice()) as T;
  const count = elementCount(shape);
  // Walk the C-order index with a counter; its Fortran offset advances by Fortran strides.
  const fStrides: number[] = [];
  let stride = 1;
  for (let d = 0; d < n; d++) {
    fStrides.push(stride);
    stride *= shape[d] as number;
  }
  const index = new Array<number>(n).fill(0);
  let f = 0;
  const src = data as unknown as { [i: number]: unknown };
  const dst = out as unknown as { [i: number]: unknown };
  for (let c = 0; c < count; c++) {
    for (let l = 0; l < lanes; l++) dst[c * lanes + l] = src[f * lanes + l];
    for (let d = n - 1; d >= 0; d--) {
      index[d] = (index[d] as number) + 1;
      f += fStrides[d] as number;
      if ((index[d] as number) < (shape[d] as number)) break;
      f -= (index[d] as number) * (fStrides[d] as number);
      index[d] = 0;
    }
  }
  return out;
}
