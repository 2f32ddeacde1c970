import { DEFAULT_MAX_INFLATED_BYTES } from "../arrays/limits.js";
import { isNdArrayRecord } from "../arrays/types.js";
import { DataHandler } from "./handler.js";
import { isPlainObject } from "./values.js";

/** Options of {@link NpzHandler}. */
export interface NpzHandlerOptions {
  /**
   * The most bytes an archive may expand to when read; larger ones are refused before inflating.
   * @default 1 GiB
   */
  maxBytes?: number;
  /**
   * Deflate written archives, as `numpy.savez_compressed` does; otherwise store them, as
   * `numpy.savez` does.
   * @default false
   */
  compress?: boolean;
}

/** NumPy `.npz` archives: a record of `NdArray`s by name, stored or deflated. */
export class NpzHandler extends DataHandler {
  readonly extensions = [".npz"];
  override priority = 20;
  readonly #maxBytes: number;
  readonly #compress: boolean;

  constructor(options: NpzHandlerOptions = {}) {
    super();
    this.#maxBytes = options.maxBytes ?? DEFAULT_MAX_INFLATED_BYTES;
    this.#compress = options.compress ?? false;
  }

  canHandleData(value: unknown): boolean {
    return isNdArrayRecord(value);
  }

  async decode(bytes: Uint8Array): Promise<unknown> {
    const { decodeNpz } = await import("../arrays/npz.js");
    return decodeNpz(bytes, { maxBytes: this.#maxBytes });
  }

  async encode(value: unknown): Promise<Uint8Array> {
    if (!isPlainObject(value)) throw new TypeError("an .npz file holds a record of NdArrays by name");
    const { encodeNpz } = await import("../arrays/npz.js");
    return encodeNpz(value, this.#compress);
  }
}
