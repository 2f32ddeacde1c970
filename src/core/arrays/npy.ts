/**
 * The `.npy` format (NumPy's `numpy.lib.format`): a magic string, a version, a Python-literal
 * header naming dtype, order and shape, then the raw elements. Versions 1.0 (latin-1, 16-bit header
 * length), 2.0 (32-bit length) and 3.0 (UTF-8 header) are read; 1.0 is written, 2.0 when the header
 * outgrows 64 KiB.
 */
import { checkData, type Dtype, elementCount, inferDtype, parseDtype } from "./dtype.js";
import { elementsFromBytes, elementsToBytes } from "./dtype-bytes.js";
import { parsePyLiteral } from "./pyliteral.js";
import { isNdArray, isTypedArray, type NdArray, type TypedArray } from "./types.js";

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // "\x93NUMPY"
// NumPy aligns the data to 64 bytes so that it can be memory-mapped with any dtype.
const ALIGN = 64;

/** What an `.npy` header says. */
export interface NpyHeader {
  dtype: Dtype;
  shape: number[];
  fortranOrder: boolean;
  count: number;
  /** Where the elements start. */
  dataOffset: number;
}

/** True when the bytes start with the `.npy` magic string. */
export function isNpy(bytes: Uint8Array): boolean {
  return bytes.length >= 6 && MAGIC.every((b, i) => bytes[i] === b);
}

/**
 * Reads and checks an `.npy` header: the data it promises must be present in `bytes`, so that no
 * size taken from the header is ever allocated unchecked.
 */
export function readNpyHeader(bytes: Uint8Array): NpyHeader {
  if (!isNpy(bytes)) throw new Error("not an .npy file (no \\x93NUMPY magic)");
  if (bytes.length < 10) throw new Error("truncated .npy header");
  const major = bytes[6] as number;
  const minor = bytes[7] as number;
  if (major < 1 || major > 3 || minor !== 0) throw new Error(`unsupported .npy version ${major}.${minor}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const prefix = major === 1 ? 10 : 12;
  if (bytes.length < prefix) throw new Error("truncated .npy header");
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const dataOffset = prefix + headerLength;
  if (dataOffset > bytes.length) {
    throw new Error(
      `truncated .npy header: it claims ${headerLength} bytes, the file has ${bytes.length - prefix}`,
    );
  }
  const headerBytes = bytes.subarray(prefix, dataOffset);
  const text =
    major === 3 ? new TextDecoder("utf-8", { fatal: true }).decode(headerBytes) : latin1(headerBytes);
  const header = parsePyLiteral(text.trim());
  if (typeof header !== "object" || header === null || Array.isArray(header)) {
    throw new Error("bad .npy header: not a dict");
  }
  const { descr, fortran_order: fortranOrder, shape } = header;
  if (Array.isArray(descr)) throw new TypeError("structured (record) dtypes are not supported");
  if (typeof descr !== "string") throw new Error("bad .npy header: 'descr' is not a string");
  if (descr.includes("O")) {
    throw new TypeError(`dtype '${descr}' holds Python objects (a pickle), which is refused`);
  }
  if (typeof fortranOrder !== "boolean") throw new Error("bad .npy header: 'fortran_order' is not a bool");
  if (!Array.isArray(shape) || !shape.every((d) => typeof d === "number")) {
    throw new Error("bad .npy header: 'shape' is not a tuple of integers");
  }
  const dtype = parseDtype(descr);
  const dims = shape as number[];
  const count = elementCount(dims);
  const available = bytes.length - dataOffset;
  const needed = count * dtype.itemsize;
  if (needed > available) {
    throw new Error(
      `truncated .npy data: shape (${dims.join(", ")}) of ${dtype.fileDescr} needs ${needed} bytes, the file has ${available}`,
    );
  }
  return { dtype, shape: dims, fortranOrder, count, dataOffset };
}

function latin1(bytes: Uint8Array): string {
  let text = "";
  for (let i = 0; i < bytes.length; i += 8192) {
    text += String.fromCharCode(...bytes.subarray(i, i + 8192));
  }
  return text;
}

/** Decodes an `.npy` file. Big-endian data comes back in platform order (see {@link NdArray}). */
export function decodeNpy(bytes: Uint8Array): NdArray {
  const header = readNpyHeader(bytes);
  const array: NdArray = {
    data: elementsFromBytes(bytes, header.dataOffset, header.count, header.dtype),
    shape: header.shape,
    dtype: header.dtype.descr,
  };
  if (header.fortranOrder) array.fortranOrder = true;
  return array;
}

/** An array checked for writing: its dtype parsed and its data matching shape and dtype. */
export interface CheckedArray {
  data: TypedArray | boolean[];
  shape: number[];
  dtype: Dtype;
  fortranOrder: boolean;
  count: number;
}

/**
 * Checks a value to write as an array: an {@link NdArray}, or a typed array (1-D). Throws a
 * `TypeError` saying what does not fit.
 */
export function checkArray(value: unknown): CheckedArray {
  if (isTypedArray(value)) {
    const dtype = parseDtype(inferDtype(value));
    return { data: value, shape: [value.length], dtype, fortranOrder: false, count: value.length };
  }
  if (!isNdArray(value)) {
    throw new TypeError("an array is an NdArray ({ data, shape, dtype }) or a typed array");
  }
  const dtype = parseDtype(value.dtype ?? inferDtype(value.data));
  const count = elementCount(value.shape);
  checkData(value.data, dtype, count);
  return { data: value.data, shape: value.shape, dtype, fortranOrder: value.fortranOrder === true, count };
}

/** Encodes an {@link NdArray} or a typed array as an `.npy` file. */
export function encodeNpy(value: unknown): Uint8Array {
  const array = checkArray(value);
  if (!array.dtype.numpy) {
    throw new TypeError(`NumPy has no dtype '${array.dtype.descr}'; write it to .safetensors instead`);
  }
  const { shape } = array;
  const dims = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(", ")})`;
  const dict = `{'descr': '${array.dtype.fileDescr}', 'fortran_order': ${array.fortranOrder ? "True" : "False"}, 'shape': ${dims}, }`;
  let prefix = 10;
  let padded = Math.ceil((prefix + dict.length + 1) / ALIGN) * ALIGN - prefix;
  if (padded > 0xffff) {
    prefix = 12;
    padded = Math.ceil((prefix + dict.length + 1) / ALIGN) * ALIGN - prefix;
  }
  const body = elementsToBytes(array.data, array.dtype);
  const out = new Uint8Array(prefix + padded + body.length);
  out.set(MAGIC);
  out[6] = prefix === 10 ? 1 : 2;
  const view = new DataView(out.buffer);
  if (prefix === 10) view.setUint16(8, padded, true);
  else view.setUint32(8, padded, true);
  const header = `${dict}${" ".repeat(padded - dict.length - 1)}\n`;
  for (let i = 0; i < header.length; i++) out[prefix + i] = header.charCodeAt(i);
  out.set(body, prefix + padded);
  return out;
}
