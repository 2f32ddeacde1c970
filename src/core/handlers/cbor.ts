import type { Encoder } from "cbor-x";
import { DataHandler } from "./handler.js";

let encoder: Promise<Encoder> | undefined;

// Standard CBOR (no cbor-x records, which other readers do not know), with structured-clone tags so
// that a Map stays a Map, a Set a Set, and plain objects stay objects.
function getEncoder(): Promise<Encoder> {
  encoder ??= import("cbor-x").then(
    ({ Encoder }) => new Encoder({ useRecords: false, structuredClone: true }),
  );
  return encoder;
}

/**
 * The fallback: any value JSON cannot hold exactly (Map, Set, Date, BigInt, typed arrays, NaN,
 * undefined) is written as CBOR and read back as the same value.
 */
export class CborHandler extends DataHandler {
  readonly extensions = [".cbor"];
  override priority = 0;

  canHandleData(value: unknown): boolean {
    return typeof value !== "function" && typeof value !== "symbol";
  }

  async decode(bytes: Uint8Array): Promise<unknown> {
    return (await getEncoder()).decode(bytes);
  }

  async encode(value: unknown): Promise<Uint8Array> {
    return (await getEncoder()).encode(value);
  }
}
