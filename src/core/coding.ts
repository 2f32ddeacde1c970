/**
 * A store's calls into format handlers: the context a handler is told, and the errors a failing codec
 * becomes. A synchronous handler's result comes back as it is, not wrapped in a promise: a small
 * value's `get` or `set` then waits on no promise of its own for decoding or encoding.
 */
import { DecodeError, describeCause, isAutoStoreError, UnsupportedFormatError } from "./errors.js";
import type { DataHandler, HandlerContext } from "./handlers/handler.js";
import type { Target } from "./router.js";

/** True for a promise, or anything `await` would wait on. */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as { then?: unknown } | null)?.then === "function";
}

/** What errors about a file of a target carry: the key as the caller names it, the URI, the backend. */
export function contextOf(target: Target, fileKey: string) {
  return { key: target.outward(fileKey), uri: target.backend.uri(fileKey), backend: target.backend.scheme };
}

function handlerContext(target: Target, fileKey: string, signal?: AbortSignal): HandlerContext {
  const context: HandlerContext = { key: target.outward(fileKey), uri: target.backend.uri(fileKey) };
  if (signal) context.signal = signal;
  return context;
}

/** Decodes a file's bytes; a {@link DecodeError} naming the file when the codec fails. */
export function decodeWith(
  handler: DataHandler,
  target: Target,
  fileKey: string,
  ext: string,
  bytes: Uint8Array,
  signal?: AbortSignal,
): unknown {
  let decoded: unknown;
  try {
    decoded = handler.decode(bytes, ext, handlerContext(target, fileKey, signal));
  } catch (err) {
    throw decodeError(err, target, fileKey, ext, signal);
  }
  if (!isThenable(decoded)) return decoded;
  return Promise.resolve(decoded).catch((err: unknown) => {
    throw decodeError(err, target, fileKey, ext, signal);
  });
}

/**
 * Encodes a value for a file; an {@link UnsupportedFormatError} when the value is of a kind the format
 * cannot hold (the codec threw a TypeError), a {@link DecodeError} when the codec failed otherwise.
 */
export function encodeWith(
  handler: DataHandler,
  target: Target,
  fileKey: string,
  ext: string,
  value: unknown,
  signal?: AbortSignal,
): Uint8Array | Promise<Uint8Array> {
  let encoded: Uint8Array | Promise<Uint8Array>;
  try {
    encoded = handler.encode(value, ext, handlerContext(target, fileKey, signal));
  } catch (err) {
    throw encodeError(err, target, fileKey, ext, signal);
  }
  if (!isThenable(encoded)) return encoded;
  return Promise.resolve(encoded).catch((err: unknown) => {
    throw encodeError(err, target, fileKey, ext, signal);
  });
}

function decodeError(err: unknown, target: Target, fileKey: string, ext: string, signal?: AbortSignal) {
  if (isAutoStoreError(err) || signal?.aborted) return err;
  const context = contextOf(target, fileKey);
  return new DecodeError(`read ${context.uri}: not valid ${ext.slice(1)}: ${describeCause(err)}`, {
    ...context,
    format: ext.slice(1),
    cause: err,
  });
}

function encodeError(err: unknown, target: Target, fileKey: string, ext: string, signal?: AbortSignal) {
  if (isAutoStoreError(err) || signal?.aborted) return err;
  const context = contextOf(target, fileKey);
  const message = `write ${context.uri}: cannot encode as ${ext.slice(1)}: ${describeCause(err)}`;
  // A TypeError means the value is of a kind this format cannot hold; anything else is a codec failure.
  if (err instanceof TypeError) return new UnsupportedFormatError(message, { ...context, cause: err });
  return new DecodeError(message, { ...context, format: ext.slice(1), cause: err });
}
