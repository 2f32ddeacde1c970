/**
 * `.safetensors` (huggingface/safetensors): an 8-byte little-endian header length, a JSON header
 * (`{ name: { dtype, shape, data_offsets }, __metadata__?: { string: string } }`), then the
 * little-endian, row-major tensor bytes. Offsets are checked against the buffer before any copy.
 */
import { type Dtype, elementCount, parseDtype } from "./dtype.js";
import { elementsFromBytes, elementsToBytes, fortranToC } from "./dtype-bytes.js";
import { checkArray } from "./npy.js";
import { defineEntry, isNdArrayRecord, type NdArray, SAFETENSORS_METADATA, type Tensors } from "./types.js";

// safetensors dtype name → the dtype an NdArray holds it as.
const TO_DTYPE: Record<string, string> = {
  BOOL: "|b1",
  U8: "|u1",
  I8: "|i1",
  U16: "<u2",
  I16: "<i2",
  F16: "<f2",
  BF16: "bfloat16",
  U32: "<u4",
  I32: "<i4",
  F32: "<f4",
  U64: "<u8",
  I64: "<i8",
  F64: "<f8",
  F8_E4M3: "float8_e4m3fn",
  F8_E5M2: "float8_e5m2",
};

const FROM_KIND: Record<string, string> = Object.fromEntries(
  Object.entries(TO_DTYPE).map(([name, descr]) => {
    const d = parseDtype(descr);
    return [`${d.kind}${d.itemsize}`, name];
  }),
);

// The reference implementation refuses headers over 100 MB; so do we, before decoding one.
const MAX_HEADER = 100_000_000;

function isStringRecord(value: unknown): value is Record<string, string> {
  return (
    typeof value === "object" &&
    value !== null &&
    !Array.isArray(value) &&
    Object.values(value).every((v) => typeof v === "string")
  );
}

/** Decodes a `.safetensors` file; `__metadata__` is kept under {@link SAFETENSORS_METADATA}. */
export function decodeSafetensors(bytes: Uint8Array): Tensors {
  if (bytes.length < 8) throw new Error("truncated: no header length");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getBigUint64(0, true);
  if (headerLength > BigInt(Math.min(MAX_HEADER, bytes.length - 8))) {
    throw new Error(
      `header length ${headerLength} exceeds the file (${bytes.length} bytes) or the 100 MB limit`,
    );
  }
  const dataStart = 8 + Number(headerLength);
  const header: unknown = JSON.parse(
    new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(8, dataStart)),
  );
  if (typeof header !== "object" || header === null || Array.isArray(header))
    throw new Error("header is not an object");
  const dataLength = bytes.length - dataStart;
  const out: Tensors = {};
  for (const [name, info] of Object.entries(header)) {
    if (name === "__metadata__") {
      if (info === null) continue;
      if (!isStringRecord(info)) throw new Error("__metadata__ is not a map of strings");
      out[SAFETENSORS_METADATA] = { ...info };
      continue;
    }
    const { dtype: name_, shape, data_offsets: offsets } = (info ?? {}) as Record<string, unknown>;
    const descr = typeof name_ === "string" ? TO_DTYPE[name_] : undefined;
    if (!descr) throw new Error(`tensor '${name}': unsupported dtype ${JSON.stringify(name_)}`);
    if (!Array.isArray(shape)) throw new Error(`tensor '${name}': shape is not a list`);
    if (
      !Array.isArray(offsets) ||
      offsets.length !== 2 ||
      !offsets.every((o) => Number.isSafeInteger(o) && o >= 0) ||
      offsets[0] > offsets[1] ||
      offsets[1] > dataLength
    ) {
      throw new Error(
        `tensor '${name}': data_offsets ${JSON.stringify(offsets)} fall outside ${dataLength} data bytes`,
      );
    }
    const dtype = parseDtype(descr);
    const count = elementCount(shape as number[]);
    const [begin, end] = offsets as [number, number];
    if (count * dtype.itemsize !== end - begin) {
      throw new Error(
        `tensor '${name}': shape [${shape.join(", ")}] of ${name_} needs ${count * dtype.itemsize} bytes, data_offsets give ${end - begin}`,
      );
    }
    const tensor: NdArray = {
      data: elementsFromBytes(bytes, dataStart + begin, count, dtype),
      shape: shape as number[],
      dtype: dtype.descr,
    };
    defineEntry(out, name, tensor);
  }
  return out;
}

/** Encodes named arrays as a `.safetensors` file (row-major, little-endian, naturally aligned). */
export function encodeSafetensors(value: unknown): Uint8Array {
  if (!isNdArrayRecord(value)) throw new TypeError("a .safetensors file holds a record of NdArrays");
  const metadata = value[SAFETENSORS_METADATA];
  if (metadata !== undefined && !isStringRecord(metadata)) {
    throw new TypeError("safetensors metadata must map strings to strings");
  }
  const tensors = Object.entries(value).map(([name, array]) => {
    if (name === "__metadata__") throw new TypeError("'__metadata__' is reserved; use SAFETENSORS_METADATA");
    const checked = checkArray(array);
    const dtypeName = FROM_KIND[`${checked.dtype.kind}${checked.dtype.itemsize}`];
    if (!dtypeName)
      throw new TypeError(`tensor '${name}': safetensors has no dtype for ${checked.dtype.descr}`);
    const data = checked.fortranOrder
      ? fortranToC(checked.data, checked.shape, checked.dtype.lanes)
      : checked.data;
    // safetensors is little-endian whatever the dtype's byte order says.
    const little: Dtype = { ...checked.dtype, bigEndian: false };
    return {
      name,
      dtypeName,
      shape: checked.shape,
      bytes: elementsToBytes(data, little),
      align: checked.dtype.itemsize,
    };
  });
  // Data goes widest elements first, as the reference writer lays it out, so every tensor starts
  // aligned; the header keeps the caller's order, which is the order tensors read back in.
  const layout = [...tensors].sort((a, b) => b.align - a.align);
  const offsets = new Map<string, [number, number]>();
  let offset = 0;
  for (const t of layout) {
    offsets.set(t.name, [offset, offset + t.bytes.length]);
    offset += t.bytes.length;
  }
  const header: Record<string, unknown> = {};
  if (metadata) header.__metadata__ = metadata;
  for (const t of tensors) {
    defineEntry(header, t.name, { dtype: t.dtypeName, shape: t.shape, data_offsets: offsets.get(t.name) });
  }
  let json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8;
  if (padded !== json.length) {
    const spaced = new Uint8Array(padded).fill(0x20);
    spaced.set(json);
    json = spaced;
  }
  const out = new Uint8Array(8 + json.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  let p = 8 + json.length;
  for (const t of layout) {
    out.set(t.bytes, p);
    p += t.bytes.length;
  }
  return out;
}
