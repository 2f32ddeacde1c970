import type { Encoder } from "cbor-x";
import { describeUnsupported, findUnsupported, type ValueRules } from "./exact.js";
import { DataHandler } from "./handler.js";

let encoder: Promise<Encoder> | undefined;

// Standard CBOR (no cbor-x records, which other readers do not know), with structured-clone tags so
// that a Map stays a Map, a Set a Set, plain objects stay objects, and shared or cyclic references
// stay shared.
function getEncoder(): Promise<Encoder> {
  encoder ??= import("cbor-x").then(
    ({ Encoder }) => new Encoder({ useRecords: false, structuredClone: true }),
  );
  return encoder;
}

// What cbor-x reads back unchanged. It writes -0 as the integer 0, unpaired surrogates as U+FFFD
// and holes as `undefined`, and renames a "__proto__" key on reading: those are refused.
const CBOR_RULES: ValueRules = {
  format: "CBOR",
  structured: true,
  // Tag 1 holds epoch seconds in a float: beyond about ±100,000 years from 1970 that float no longer
  // holds every millisecond.
  date: (d) => {
    const ms = d.getTime();
    return Number.isNaN(ms) || Math.round((ms / 1000) * 1000) === ms
      ? undefined
      : "a Date this far from 1970";
  },
  negativeZero: false,
  loneSurrogates: false,
  protoKey: false,
  nonFinite: true,
  bigints: "any",
  cycles: true,
};

/**
 * The fallback: any value JSON cannot hold exactly (Map, Set, Date, RegExp, BigInt, typed arrays,
 * undefined, cycles) is written as CBOR and read back as the same value. It accepts every value but
 * a function or symbol, so that one holding a part it cannot keep (a class instance, a hole) is
 * refused naming where that part sits.
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
    const found = findUnsupported(value, CBOR_RULES);
    if (found) throw new TypeError(describeUnsupported(found));
    return (await getEncoder()).encode(value);
  }
}
