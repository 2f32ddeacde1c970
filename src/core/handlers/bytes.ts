import { DataHandler } from "./handler.js";
import { isBinary } from "./values.js";

/** Raw bytes: `Uint8Array`, `ArrayBuffer` or `Blob` in, `Uint8Array` out. */
export class BytesHandler extends DataHandler {
  readonly extensions = [".bin"];
  override priority = 10;

  canHandleData(value: unknown): boolean {
    return isBinary(value);
  }

  decode(bytes: Uint8Array): unknown {
    return bytes;
  }

  async encode(value: unknown): Promise<Uint8Array> {
    if (value instanceof Uint8Array) return value;
    if (value instanceof ArrayBuffer) return new Uint8Array(value);
    if (typeof Blob !== "undefined" && value instanceof Blob)
      return new Uint8Array(await value.arrayBuffer());
    throw new TypeError("a .bin file holds a Uint8Array, an ArrayBuffer or a Blob");
  }
}
