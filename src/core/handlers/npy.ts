import { isNdArray, isTypedArray } from "../arrays/types.js";
import { DataHandler } from "./handler.js";
import { isBinary } from "./values.js";

/**
 * NumPy `.npy` files: an `NdArray`, or any typed array but `Uint8Array` (which stays raw `.bin`
 * bytes), written to a bare key. Reads every numeric and bool dtype NumPy writes.
 */
export class NpyHandler extends DataHandler {
  readonly extensions = [".npy"];
  // Above JSON's 10: an NdArray of booleans is also valid JSON, and must stay an array file.
  override priority = 20;

  canHandleData(value: unknown): boolean {
    return isNdArray(value) || (isTypedArray(value) && !isBinary(value));
  }

  async decode(bytes: Uint8Array): Promise<unknown> {
    const { decodeNpy } = await import("../arrays/npy.js");
    return decodeNpy(bytes);
  }

  async encode(value: unknown): Promise<Uint8Array> {
    const { encodeNpy } = await import("../arrays/npy.js");
    return encodeNpy(value);
  }
}
