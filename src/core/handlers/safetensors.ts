import { isNdArrayRecord } from "../arrays/types.js";
import { DataHandler } from "./handler.js";

/**
 * `.safetensors` files: a record of `NdArray`s by name, with the file's `__metadata__` under the
 * `SAFETENSORS_METADATA` symbol.
 */
export class SafetensorsHandler extends DataHandler {
  readonly extensions = [".safetensors"];
  // Just under `.npz`, which holds the same value: a bare key writes NumPy's format.
  override priority = 19;

  canHandleData(value: unknown): boolean {
    return isNdArrayRecord(value);
  }

  async decode(bytes: Uint8Array): Promise<unknown> {
    const { decodeSafetensors } = await import("../arrays/safetensors.js");
    return decodeSafetensors(bytes);
  }

  async encode(value: unknown): Promise<Uint8Array> {
    const { encodeSafetensors } = await import("../arrays/safetensors.js");
    return encodeSafetensors(value);
  }
}
