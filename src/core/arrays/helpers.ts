/**
 * Small helpers for building arrays and reading the 16-bit floats that JavaScript has no typed array
 * for (float16 and bfloat16 are held as raw bits in a `Uint16Array`).
 */
import { checkData, elementCount, inferDtype, parseDtype } from "./dtype.js";
import type { NdArray, TypedArray } from "./types.js";

/** Options of {@link ndarray}. */
export interface NdArrayOptions {
  /** NumPy's descr; inferred from `data` when absent (`Float32Array` → `"<f4"`). */
  dtype?: string;
  /**
   * True when `data` is column-major.
   * @default false
   */
  fortranOrder?: boolean;
}

/**
 * Makes an {@link NdArray}, checking that `data` fits `shape` and `dtype`.
 *
 * @example
 * const image = ndarray(new Float32Array(6), [2, 3]);           // dtype "<f4"
 * const z = ndarray(new Float64Array([1, 0, 0, 1]), [2], { dtype: "<c16" }); // 1+0j, 0+1j
 * await store.set("weights", image);                            // → "weights.npy"
 *
 * @param shape the dimensions; a 1-D array of all elements when absent.
 * @throws TypeError when `data` does not hold `shape`'s elements of `dtype`.
 */
export function ndarray(
  data: TypedArray | boolean[],
  shape?: readonly number[],
  options: NdArrayOptions = {},
): NdArray {
  const dtype = options.dtype ?? inferDtype(data);
  const parsed = parseDtype(dtype);
  const dims = shape ? [...shape] : [data.length / parsed.lanes];
  checkData(data, parsed, elementCount(dims));
  const array: NdArray = { data, shape: dims, dtype };
  if (options.fortranOrder) array.fortranOrder = true;
  return array;
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

// Rounds from the double itself: narrowing through float32 first could round twice.
const f64 = new DataView(new ArrayBuffer(8));

function floatToHalf(value: number): number {
  f64.setFloat64(0, value);
  const hi = f64.getUint32(0);
  const sticky = f64.getUint32(4) !== 0;
  const sign = (hi >>> 16) & 0x8000;
  const exponent = (hi >>> 20) & 0x7ff;
  const fraction = hi & 0xfffff;
  if (exponent === 0x7ff) return sign | 0x7c00 | (fraction || sticky ? 0x200 : 0);
  const e = exponent - 1023 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e < -10) return sign;
  // 21 significant bits (the implicit one first) rounded to nearest even at `shift`.
  const significand = e <= 0 ? fraction | 0x100000 : fraction;
  const shift = e <= 0 ? 11 - e : 10;
  const half = 2 ** (shift - 1);
  let rounded = Math.floor(significand / 2 ** shift);
  const rest = significand - rounded * 2 ** shift;
  if (rest > half || (rest === half && (sticky || rounded & 1))) rounded++;
  // A carry out of the fraction moves to the next exponent (or to infinity): adding does both.
  return e <= 0 ? sign | rounded : sign | ((e << 10) + rounded);
}

/** Widens IEEE float16 bits (`"<f2"` data, safetensors `F16`) to numbers. Exact. */
export function float16ToFloat32(bits: Uint16Array): Float32Array {
  return Float32Array.from(bits, halfToFloat);
}

/** Narrows numbers to IEEE float16 bits, rounding to nearest even (as NumPy does). */
export function float32ToFloat16(values: ArrayLike<number>): Uint16Array {
  return Uint16Array.from(values as ArrayLike<number>, floatToHalf);
}

/** Widens bfloat16 bits (safetensors `BF16`) to numbers. Exact. */
export function bfloat16ToFloat32(bits: Uint16Array): Float32Array {
  const out = new Float32Array(bits.length);
  const view = new Uint32Array(out.buffer);
  for (let i = 0; i < bits.length; i++) view[i] = (bits[i] as number) << 16;
  return out;
}

/** Narrows numbers to bfloat16 bits, rounding to nearest even (NaN stays NaN). */
export function float32ToBfloat16(values: ArrayLike<number>): Uint16Array {
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) {
    f32[0] = values[i] as number;
    const x = u32[0] as number;
    if ((x & 0x7f800000) === 0x7f800000 && x & 0x7fffff) {
      out[i] = (x >>> 16) | 0x40;
      continue;
    }
    out[i] = (x + 0x7fff + ((x >>> 16) & 1)) >>> 16;
  }
  return out;
}
