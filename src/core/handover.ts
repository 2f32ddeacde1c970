/**
 * Bytes passed between the store and a backend that keeps them in memory, without the copy each side
 * would otherwise make to stay safe from the other. A copy of a small value costs more than the rest
 * of a memory `set` or `get` (an allocation the collector must track), and it is needed only when
 * someone else may hold the array:
 *
 * - on a write, the store hands over the array a built-in text codec just made (no one else has it),
 *   and the memory backend keeps it as it is;
 * - on a read, the store lends itself the stored array when a built-in text codec decodes it into a
 *   string at once (no reference kept, nothing written into it), and the backend skips its copy.
 *
 * Marks live in weak sets: a mark no backend takes (disk, S3) goes with its array.
 */
import type { DataHandler } from "./handlers/handler.js";

const handedOver = new WeakSet<Uint8Array>();
// On the read options object itself: a property of an object literal costs nothing, where adding the
// object to a weak set cost more than the copy it saves.
const BORROW: unique symbol = Symbol("autostore.borrow");
const textCodecs = new WeakSet<DataHandler>();

/** Marks a handler whose `encode` returns a new array and whose `decode` keeps none of its input. */
export function markTextCodec<H extends DataHandler>(handler: H): H {
  textCodecs.add(handler);
  return handler;
}

/** True for a handler marked by {@link markTextCodec} (the built-in instances, not subclasses). */
export function isTextCodec(handler: DataHandler): boolean {
  return textCodecs.has(handler);
}

/** Marks bytes no one else holds: a backend that keeps bytes may keep these without a copy. */
export function handOver(bytes: Uint8Array): Uint8Array {
  handedOver.add(bytes);
  return bytes;
}

/** True (once) when `bytes` were handed over: the caller may keep them as they are. */
export function takeHandedOver(bytes: Uint8Array): boolean {
  return handedOver.delete(bytes);
}

/**
 * Marks read options whose caller decodes the body at once, and neither keeps nor changes it. The
 * mark is added to the caller's own object (a copy by spreading was slower than the copy it saves).
 */
export function borrowing<T extends object>(options: T): T {
  (options as { [BORROW]?: boolean })[BORROW] = true;
  return options;
}

/** True when a read with these options may answer with the stored array itself. */
export function isBorrowing(options: object): boolean {
  return (options as { [BORROW]?: boolean })[BORROW] === true;
}
