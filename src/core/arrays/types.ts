/**
 * The value types of numeric formats (`.npy`, `.npz`, `.sparse.npz`, `.safetensors`, images) and
 * the cheap structural tests handlers use to recognise them. No codec code lives here, so importing
 * this module costs nothing.
 */

/** Every JavaScript typed array an {@link NdArray} can hold (not `DataView`). */
export type TypedArray =
  | Int8Array
  | Uint8Array
  | Uint8ClampedArray
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | Float32Array
  | Float64Array
  | BigInt64Array
  | BigUint64Array;

/**
 * An n-dimensional array, as NumPy stores it in `.npy` files.
 *
 * How each NumPy dtype is held in `data` (`dtype` is NumPy's descr):
 *
 * | dtype | `data` |
 * | --- | --- |
 * | `"\|b1"` (bool) | `boolean[]` when read; `boolean[]` or a `Uint8Array` of 0/1 when written |
 * | `"\|i1"` `"<i2"` `"<i4"` | `Int8Array`, `Int16Array`, `Int32Array` |
 * | `"<i8"` | `BigInt64Array` |
 * | `"\|u1"` `"<u2"` `"<u4"` `"<u8"` | `Uint8Array`, `Uint16Array`, `Uint32Array`, `BigUint64Array` |
 * | `"<f2"` (float16) | `Uint16Array` of the raw IEEE half bits (exact; see `float16ToFloat32`); a `Float16Array` is also written |
 * | `"<f4"` `"<f8"` | `Float32Array`, `Float64Array` |
 * | `"<c8"` `"<c16"` (complex) | `Float32Array`/`Float64Array`, real and imaginary parts interleaved (twice as long) |
 * | `"<M8[unit]"` `"<m8[unit]"` | `BigInt64Array` of ticks of `unit` since the epoch |
 * | `"\|S<n>"` `"<U<n>"` | raw fixed-width strings: a `Uint8Array` of n bytes, or a `Uint32Array` of n code points, per element |
 * | `"bfloat16"` `"float8_e4m3fn"` `"float8_e5m2"` | raw bits in a `Uint16Array`/`Uint8Array` (safetensors only; NumPy has no such dtype) |
 *
 * `data` is always in the platform's byte order. A read array reports a little-endian `dtype`
 * whatever the file's order; a written array whose `dtype` starts with `>` is written big-endian.
 * `data` is in memory order: row-major (C), or column-major when `fortranOrder` is true.
 */
export interface NdArray {
  /** The elements, in memory order (see `fortranOrder`). */
  data: TypedArray | boolean[];
  /** The size of each dimension; `[]` for a scalar (one element). */
  shape: number[];
  /** NumPy's dtype descr, e.g. `"<f4"`; inferred from `data` when writing without one. */
  dtype: string;
  /**
   * True when `data` is column-major (NumPy's `fortran_order`); false or absent: row-major.
   * @default false
   */
  fortranOrder?: boolean;
}

/** The compressed and coordinate sparse formats SciPy saves with `scipy.sparse.save_npz`. */
export type SparseFormat = "csr" | "csc" | "coo";

/**
 * A 2-D sparse matrix, as `scipy.sparse.save_npz` writes it.
 *
 * - `csr`/`csc`: `indptr` (rows + 1, resp. columns + 1 entries) and `indices` (column, resp. row,
 *   of each stored value).
 * - `coo`: `row` and `col` of each stored value.
 *
 * `data` holds the stored values; its element type follows {@link NdArray} (complex values are
 * interleaved, bool values are a `Uint8Array` of 0/1 with `dtype: "|b1"`).
 */
export interface SparseMatrix {
  format: SparseFormat;
  /** `[rows, columns]`. */
  shape: [number, number];
  /** The stored values. */
  data: TypedArray;
  indices?: Int32Array;
  indptr?: Int32Array;
  row?: Int32Array;
  col?: Int32Array;
  /** NumPy's descr of `data` (e.g. `"<c16"`, `"|b1"`); inferred from `data` when absent. */
  dtype?: string;
}

/**
 * An 8-bit RGBA image: `width × height` pixels, row by row, 4 bytes each. A DOM `ImageData` is one.
 */
export interface RasterImage {
  width: number;
  height: number;
  /** RGBA bytes, `width * height * 4` of them. */
  data: Uint8ClampedArray;
  /**
   * JPEG quality, 1-100, used when the image is written as `.jpg`/`.jpeg` (ignored for PNG).
   * Never set on a read image.
   * @default 90
   */
  quality?: number;
}

/**
 * The key under which `.safetensors` files keep their `__metadata__` (string to string): a
 * symbol, so that it never mixes with tensor names in `Object.keys`/`Object.entries`, yet survives
 * a spread (`{ ...tensors }`). Set it on a record before writing to store metadata.
 *
 * @example
 * const tensors = await store.get<Tensors>("model.safetensors");
 * tensors[SAFETENSORS_METADATA]; // { format: "pt" }
 */
export const SAFETENSORS_METADATA: unique symbol = Symbol.for("autostore-js.safetensors.metadata");

/** What `.npz` and `.safetensors` files read as: arrays by name (plus safetensors metadata). */
export type Tensors = Record<string, NdArray> & { [SAFETENSORS_METADATA]?: Record<string, string> };

/** True for any typed array (not `DataView`), from any realm. */
export function isTypedArray(value: unknown): value is TypedArray {
  return typedArrayName(value) !== undefined;
}

/**
 * The name of a typed array's type (`"Float32Array"`; a Node `Buffer` is a `"Uint8Array"`), or
 * undefined. Unlike `instanceof`, it answers for arrays made in another realm (a worker, an iframe).
 */
export function typedArrayName(value: unknown): string | undefined {
  if (!ArrayBuffer.isView(value)) return undefined;
  const tag = Object.prototype.toString.call(value).slice(8, -1);
  return tag === "DataView" ? undefined : tag;
}

function isShape(value: unknown): value is number[] {
  return Array.isArray(value) && value.every((n) => Number.isSafeInteger(n) && n >= 0);
}

/**
 * True when a value has the shape of an {@link NdArray}: typed-array or boolean `data`, an integer
 * `shape`, and a string `dtype` if any (writing infers a missing one). Cheap: the element count is
 * checked when encoding.
 */
export function isNdArray(value: unknown): value is NdArray {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Partial<Record<keyof NdArray, unknown>>;
  if (!isShape(v.shape)) return false;
  if (v.dtype !== undefined && typeof v.dtype !== "string") return false;
  if (v.fortranOrder !== undefined && typeof v.fortranOrder !== "boolean") return false;
  if (isTypedArray(v.data)) return true;
  return Array.isArray(v.data) && (v.data.length === 0 || typeof v.data[0] === "boolean");
}

/** True for a plain object whose every value is an {@link NdArray} (and that has at least one). */
export function isNdArrayRecord(value: unknown): value is Tensors {
  if (typeof value !== "object" || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return false;
  const values = Object.values(value);
  return values.length > 0 && values.every(isNdArray);
}

/** True when a value has the shape of a {@link SparseMatrix}. */
export function isSparseMatrix(value: unknown): value is SparseMatrix {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Partial<Record<keyof SparseMatrix, unknown>>;
  if (v.format !== "csr" && v.format !== "csc" && v.format !== "coo") return false;
  if (!isShape(v.shape) || v.shape.length !== 2 || !isTypedArray(v.data)) return false;
  return v.format === "coo"
    ? typedArrayName(v.row) === "Int32Array" && typedArrayName(v.col) === "Int32Array"
    : typedArrayName(v.indices) === "Int32Array" && typedArrayName(v.indptr) === "Int32Array";
}

/** True when a value has the shape of a {@link RasterImage} (a DOM `ImageData` is one). */
export function isRasterImage(value: unknown): value is RasterImage {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Partial<Record<keyof RasterImage, unknown>>;
  return (
    Number.isSafeInteger(v.width) &&
    Number.isSafeInteger(v.height) &&
    typedArrayName(v.data) === "Uint8ClampedArray" &&
    (v.data as Uint8ClampedArray).length === (v.width as number) * (v.height as number) * 4
  );
}

/**
 * Sets an own enumerable property, even for a name like `__proto__`, which plain assignment would
 * turn into a prototype change: names come from files.
 */
export function defineEntry<T>(target: Record<string, T>, name: string, value: T): void {
  Object.defineProperty(target, name, { value, enumerable: true, writable: true, configurable: true });
}
