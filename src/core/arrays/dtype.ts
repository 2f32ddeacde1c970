/**
 * NumPy dtypes: parsing a descr (`"<f8"`, `"|b1"`, `">c16"`, `"<M8[ns]"`) and checking data against
 * one, as `ndarray()` does; moving elements to and from file bytes is in `dtype-bytes.ts`, which
 * only the array formats (loaded on first use) need.
 */
import { type TypedArray, typedArrayName } from "./types.js";

type TypedArrayConstructor = {
  new (buffer: ArrayBuffer): TypedArray;
  new (length: number): TypedArray;
  readonly BYTES_PER_ELEMENT: number;
  readonly name: string;
};

/** A parsed dtype. */
export interface Dtype {
  /** The descr as it describes in-memory data (platform byte order), e.g. `"<f8"`. */
  descr: string;
  /** The descr as it describes file bytes (the byte order asked for), e.g. `">f8"`. */
  fileDescr: string;
  /** NumPy's kind letter, or the name of a dtype NumPy lacks (`bfloat16`, `float8_e4m3fn`…). */
  kind: string;
  /** Bytes per array element in a file. */
  itemsize: number;
  /** True when the file's bytes are big-endian. */
  bigEndian: boolean;
  /** `data` entries per array element: 2 for complex, n for fixed-width strings, else 1. */
  lanes: number;
  /** The typed array that holds the elements (`Uint8Array` backs bools). */
  ctor: TypedArrayConstructor;
  /** False for dtypes that only safetensors has (NumPy cannot read them from `.npy`). */
  numpy: boolean;
}

/** True on little-endian platforms (all current JavaScript engines). */
export const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const NATIVE = LITTLE_ENDIAN ? "<" : ">";

const BY_KIND: Record<string, Partial<Record<number, TypedArrayConstructor>>> = {
  b: { 1: Uint8Array },
  i: { 1: Int8Array, 2: Int16Array, 4: Int32Array, 8: BigInt64Array },
  u: { 1: Uint8Array, 2: Uint16Array, 4: Uint32Array, 8: BigUint64Array },
  f: { 2: Uint16Array, 4: Float32Array, 8: Float64Array },
  c: { 8: Float32Array, 16: Float64Array },
  M: { 8: BigInt64Array },
  m: { 8: BigInt64Array },
};

// Types from ml_dtypes that safetensors stores and NumPy lacks: kept as raw bits.
const RAW_BITS: Record<string, Dtype> = {
  bfloat16: raw("bfloat16", 2, Uint16Array),
  float8_e4m3fn: raw("float8_e4m3fn", 1, Uint8Array),
  float8_e5m2: raw("float8_e5m2", 1, Uint8Array),
};

function raw(name: string, itemsize: number, ctor: TypedArrayConstructor): Dtype {
  return {
    descr: name,
    fileDescr: name,
    kind: name,
    itemsize,
    bigEndian: false,
    lanes: 1,
    ctor,
    numpy: false,
  };
}

const DESCR = /^([<>|=]?)([biufcMmSU])(\d+)(\[[A-Za-z0-9]+\])?$/;

/**
 * Parses a dtype descr. Throws a `TypeError` naming the dtype for what cannot be held: object
 * (pickled) arrays, structured dtypes, `float128`, void.
 */
export function parseDtype(descr: string): Dtype {
  const special = RAW_BITS[descr];
  if (special) return special;
  const m = DESCR.exec(descr);
  if (!m) throw new TypeError(`unsupported dtype ${JSON.stringify(descr)}`);
  const [, order = "", kind = "", sizeText = "", unit = ""] = m;
  const size = Number(sizeText);
  const timeUnit = kind === "M" || kind === "m";
  if (timeUnit !== (unit !== "")) throw new TypeError(`unsupported dtype ${JSON.stringify(descr)}`);
  if (kind === "S" || kind === "U") {
    if (size < 1) throw new TypeError(`unsupported dtype ${JSON.stringify(descr)}`);
    const byte = kind === "S";
    const bigEndian = !byte && isBig(order);
    return {
      descr: byte ? `|S${size}` : `${NATIVE}U${size}`,
      fileDescr: byte ? `|S${size}` : `${bigEndian ? ">" : "<"}U${size}`,
      kind,
      itemsize: byte ? size : size * 4,
      bigEndian,
      lanes: size,
      ctor: byte ? Uint8Array : Uint32Array,
      numpy: true,
    };
  }
  const ctor = BY_KIND[kind]?.[size];
  if (!ctor) throw new TypeError(`unsupported dtype ${JSON.stringify(descr)} (${kind}${size})`);
  const lanes = kind === "c" ? 2 : 1;
  const bigEndian = size > 1 && isBig(order);
  return {
    descr: `${size === 1 ? "|" : NATIVE}${kind}${size}${unit}`,
    fileDescr: `${size === 1 ? "|" : bigEndian ? ">" : "<"}${kind}${size}${unit}`,
    kind,
    itemsize: size,
    bigEndian,
    lanes,
    ctor,
    numpy: true,
  };
}

// No order character, or `=`, means the platform's order, as in NumPy.
function isBig(order: string): boolean {
  return order === ">" || ((order === "=" || order === "") && !LITTLE_ENDIAN);
}

/** The descr NumPy gives the elements of a typed array (`Float32Array` → `"<f4"`). */
export function inferDtype(data: TypedArray | readonly boolean[]): string {
  if (Array.isArray(data)) return "|b1";
  const name = typedArrayName(data) ?? "";
  const found = INFERRED[name];
  if (!found) throw new TypeError(`cannot infer a dtype for ${name}`);
  return found;
}

const INFERRED: Record<string, string> = {
  Int8Array: "|i1",
  Uint8Array: "|u1",
  Uint8ClampedArray: "|u1",
  Int16Array: `${NATIVE}i2`,
  Uint16Array: `${NATIVE}u2`,
  Int32Array: `${NATIVE}i4`,
  Uint32Array: `${NATIVE}u4`,
  Float32Array: `${NATIVE}f4`,
  Float64Array: `${NATIVE}f8`,
  BigInt64Array: `${NATIVE}i8`,
  BigUint64Array: `${NATIVE}u8`,
  // Runtimes that have Float16Array (Node 22+, recent browsers) hold float16 in it directly.
  Float16Array: `${NATIVE}f2`,
};

/** Checks that `data` holds `count` elements of `dtype`; a `TypeError` says what is wrong. */
export function checkData(data: unknown, dtype: Dtype, count: number): void {
  const expected = count * dtype.lanes;
  if (dtype.kind === "b") {
    if (Array.isArray(data)) {
      if (data.length !== expected || !data.every((v) => typeof v === "boolean")) {
        throw new TypeError(`a bool array of ${count} elements needs ${count} booleans in data`);
      }
      return;
    }
    if (typedArrayName(data) !== "Uint8Array" || (data as Uint8Array).length !== expected) {
      throw new TypeError(`a bool array of ${count} elements needs boolean[] or a Uint8Array of ${count}`);
    }
    return;
  }
  const name = typedArrayName(data);
  const ok =
    name === dtype.ctor.name ||
    (dtype.ctor === Uint8Array && name === "Uint8ClampedArray") ||
    (dtype.kind === "f" && dtype.itemsize === 2 && name === "Float16Array");
  if (!ok) {
    const given = name ?? (Array.isArray(data) ? "an array" : typeof data);
    throw new TypeError(`dtype ${dtype.descr} needs a ${dtype.ctor.name} in data, not ${given}`);
  }
  if ((data as TypedArray).length !== expected) {
    throw new TypeError(
      `dtype ${dtype.descr} with ${count} elements needs ${expected} values in data, got ${(data as TypedArray).length}`,
    );
  }
}

/**
 * The number of elements of a shape, or an error when a dimension is not a non-negative integer
 * or the product leaves the range where counting is exact.
 */
export function elementCount(shape: readonly number[]): number {
  let count = 1;
  for (const dim of shape) {
    if (!Number.isSafeInteger(dim) || dim < 0) throw new TypeError(`invalid dimension ${dim} in shape`);
    count *= dim;
    if (!Number.isSafeInteger(count)) throw new RangeError(`shape (${shape.join(", ")}) is too large`);
  }
  return count;
}
