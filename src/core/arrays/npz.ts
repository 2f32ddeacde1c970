/**
 * `.npz`: a zip of `.npy` files, one per array, as `numpy.savez` (stored) and
 * `numpy.savez_compressed` (deflated) write it. The member `weights.npy` is the array `weights`.
 */

import type { ZipLimits } from "./limits.js";
import { decodeNpy, encodeNpy } from "./npy.js";
import { defineEntry, type NdArray } from "./types.js";
import { readZip, writeZip } from "./zip.js";

/** Decodes an `.npz` archive into arrays by name. */
export function decodeNpz(bytes: Uint8Array, limits: ZipLimits = {}): Record<string, NdArray> {
  const out: Record<string, NdArray> = {};
  for (const [name, member] of readZip(bytes, limits)) {
    if (!name.endsWith(".npy")) throw new Error(`member '${name}' is not an .npy array`);
    try {
      defineEntry(out, name.slice(0, -4), decodeNpy(member));
    } catch (err) {
      throw new Error(`member '${name}': ${err instanceof Error ? err.message : String(err)}`, {
        cause: err,
      });
    }
  }
  return out;
}

/** Encodes arrays by name as an `.npz` archive; `compress` deflates it as `savez_compressed` does. */
export function encodeNpz(arrays: Readonly<Record<string, unknown>>, compress = false): Uint8Array {
  const files = new Map<string, Uint8Array>();
  for (const [name, array] of Object.entries(arrays)) {
    if (name === "") throw new TypeError("an .npz array needs a non-empty name");
    try {
      files.set(`${name}.npy`, encodeNpy(array));
    } catch (err) {
      if (err instanceof TypeError) throw new TypeError(`array '${name}': ${err.message}`, { cause: err });
      throw err;
    }
  }
  return writeZip(files, compress);
}
