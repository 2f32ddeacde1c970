import { DEFAULT_MAX_INFLATED_BYTES } from "../arrays/limits.js";
import { isSparseMatrix, type SparseMatrix } from "../arrays/types.js";
import { DataHandler } from "./handler.js";

/**
 * SciPy sparse matrices (`.sparse.npz`, what `scipy.sparse.save_npz` writes) in csr, csc and coo
 * formats. The compound extension is matched before `.npz`.
 */
export class SparseNpzHandler extends DataHandler {
  readonly extensions = [".sparse.npz"];
  override priority = 20;
  readonly #maxBytes: number;

  /** @param options.maxBytes the most bytes a file may expand to when read (default 1 GiB). */
  constructor(options: { maxBytes?: number } = {}) {
    super();
    this.#maxBytes = options.maxBytes ?? DEFAULT_MAX_INFLATED_BYTES;
  }

  canHandleData(value: unknown): boolean {
    return isSparseMatrix(value);
  }

  async decode(bytes: Uint8Array): Promise<unknown> {
    const { decodeSparseNpz } = await import("../arrays/sparse.js");
    return decodeSparseNpz(bytes, { maxBytes: this.#maxBytes });
  }

  async encode(value: unknown): Promise<Uint8Array> {
    const { encodeSparseNpz } = await import("../arrays/sparse.js");
    return encodeSparseNpz(value as SparseMatrix);
  }
}
