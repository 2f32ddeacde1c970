import { UnsupportedFormatError } from "../errors.js";
import { DataHandler, type HandlerContext } from "./handler.js";

const WHY: Record<string, string> = {
  ".pkl":
    "a pickle runs arbitrary Python code when loaded and has no meaning outside Python; store the data as .json, .parquet, .npy or .cbor instead",
  ".pickle":
    "a pickle runs arbitrary Python code when loaded and has no meaning outside Python; store the data as .json, .parquet, .npy or .cbor instead",
  ".pt":
    "PyTorch .pt/.pth files are pickles (they run Python code when loaded); save tensors with safetensors (.safetensors) or NumPy (.npy/.npz) instead",
  ".pth":
    "PyTorch .pt/.pth files are pickles (they run Python code when loaded); save tensors with safetensors (.safetensors) or NumPy (.npy/.npz) instead",
};

/** Python's pickle-based formats: recognised, and refused with the reason and an alternative. */
export class RefusedFormatHandler extends DataHandler {
  readonly extensions = Object.keys(WHY);
  override priority = 0;

  canHandleData(): boolean {
    return false;
  }

  decode(_bytes: Uint8Array, ext: string, context: HandlerContext): never {
    throw this.#refuse(ext, context);
  }

  encode(_value: unknown, ext: string, context: HandlerContext): never {
    throw this.#refuse(ext, context);
  }

  #refuse(ext: string, context: HandlerContext): UnsupportedFormatError {
    return new UnsupportedFormatError(`${context.uri}: '${ext}' is not supported: ${WHY[ext]}`, {
      key: context.key,
      uri: context.uri,
    });
  }
}
