/** Shared pieces of the array interop tests: deterministic data and exact comparisons. */
import { expect } from "vitest";
import type { TypedArray } from "../../src/node/index.js";

/** What the other side says an array holds: bytes (little-endian, memory order) or booleans. */
export interface Expected {
  key: string;
  descr: string;
  shape: number[];
  fortran: boolean;
  b64?: string;
  bools?: boolean[];
}

/** Every numeric and bool dtype, little-endian where byte order applies. */
export const NUMERIC_DTYPES = [
  "|i1",
  "<i2",
  "<i4",
  "<i8",
  "|u1",
  "<u2",
  "<u4",
  "<u8",
  "<f2",
  "<f4",
  "<f8",
  "<c8",
  "<c16",
  "|b1",
] as const;

/** The bytes of a typed array, base64. */
export function base64(data: TypedArray): string {
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString("base64");
}

/** Asserts that decoded data holds exactly the expected elements. */
export function expectSameData(data: TypedArray | boolean[], expected: Expected, label: string): void {
  if (expected.bools) {
    expect(data, label).toEqual(expected.bools);
    return;
  }
  expect(Array.isArray(data), label).toBe(false);
  expect(base64(data as TypedArray), label).toBe(expected.b64);
}

/** A small deterministic generator (xorshift32). */
export function random(seed = 12345): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 2 ** 32;
  };
}

/**
 * `count` elements of a dtype, in the container the library uses for it, with the type's extremes
 * and float specials first.
 */
export function makeData(descr: string, count: number, seed = 1): TypedArray | boolean[] {
  const next = random(seed);
  const kind = descr.slice(1, 2);
  const size = Number(descr.slice(2));
  if (kind === "b") return Array.from({ length: count }, () => next() < 0.5);
  if (kind === "i" || kind === "u") {
    const bytes = new Uint8Array(count * size).map(() => Math.floor(next() * 256));
    const ctors = {
      i1: Int8Array,
      i2: Int16Array,
      i4: Int32Array,
      i8: BigInt64Array,
      u1: Uint8Array,
      u2: Uint16Array,
      u4: Uint32Array,
      u8: BigUint64Array,
    } as const;
    const Ctor = ctors[`${kind}${size}` as keyof typeof ctors];
    const out = new Ctor(bytes.buffer);
    // Extremes: all bits set and only the sign bit (min/max of signed, max/0 of unsigned).
    if (count > 1) {
      const bits = new Uint8Array(out.buffer);
      bits.fill(0xff, 0, size);
      bits.fill(0, size, 2 * size);
      bits[2 * size - 1] = 0x80;
    }
    return out;
  }
  if (kind === "f" && size === 2) return new Uint16Array(count).map(() => Math.floor(next() * 0x7c00));
  const lanes = kind === "c" ? 2 : 1;
  const floatSize = size / lanes;
  const values = Array.from(
    { length: count * lanes },
    () => (next() - 0.5) * 10 ** Math.floor(next() * 12 - 4),
  );
  const specials = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0, 5e-324, 1e-40];
  values.splice(0, Math.min(specials.length, values.length), ...specials.slice(0, values.length));
  return floatSize === 4 ? Float32Array.from(values) : Float64Array.from(values);
}
