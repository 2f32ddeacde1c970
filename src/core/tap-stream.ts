/**
 * A pass-through stream that sees each chunk go by (to count it, or to stop it), and that keeps a
 * byte source's BYOB reads intact. A consumer that owns its buffers (S3 multipart reads a local file
 * straight into its part buffers) then gets them filled by the source itself, through any number of
 * taps, instead of being handed a fresh chunk per read to copy from. Fresh chunks are garbage that the
 * engine frees late; across a large transfer they are what made the resident set drift.
 */
import { abortReason } from "./errors.js";

/** What a tap does with each chunk. */
export interface TapOptions {
  /** Called with each chunk's length before the consumer sees it; throwing errors the stream. */
  onChunk?: (length: number) => void;
  /** Longest chunk passed on: a longer one goes in pieces (so progress moves at least per piece). */
  maxChunk?: number;
  /** Once aborted, the stream fails with the signal's reason, a pending read included. */
  signal?: AbortSignal;
}

/**
 * `source` as seen through a tap (see the module comment). When `source` is a byte stream, so is the
 * result, and a BYOB read of it reads into the caller's view; otherwise chunks pass as they are.
 * Cancelling the result cancels the source.
 */
export function tapStream(
  source: ReadableStream<Uint8Array>,
  options: TapOptions = {},
): ReadableStream<Uint8Array> {
  const byob = byobReader(source);
  return byob ? tapBytes(byob, options) : tapChunks(source.getReader(), options);
}

/** A BYOB reader of `source`, or undefined when it is no byte stream (or the runtime has none). */
export function byobReader(source: ReadableStream<Uint8Array>): ReadableStreamBYOBReader | undefined {
  try {
    return source.getReader({ mode: "byob" });
  } catch {
    return undefined;
  }
}

/** Ties the signal to the reader: an abort cancels a pending read. Returns the clean-up. */
function watchAbort(
  reader: { cancel(reason?: unknown): Promise<void> },
  signal: AbortSignal | undefined,
): () => void {
  if (!signal) return () => undefined;
  const onAbort = () => void reader.cancel(abortReason(signal)).catch(() => undefined);
  signal.addEventListener("abort", onAbort, { once: true });
  return () => signal.removeEventListener("abort", onAbort);
}

function tapBytes(reader: ReadableStreamBYOBReader, options: TapOptions): ReadableStream<Uint8Array> {
  const { onChunk, maxChunk, signal } = options;
  const finish = watchAbort(reader, signal);
  return new ReadableStream(
    {
      type: "bytes",
      // A default read of this stream (one that brings no buffer) gets one of this size.
      autoAllocateChunkSize: 64 * 1024,
      async pull(controller) {
        // Always set: with autoAllocateChunkSize, a default read brings a buffer too.
        const request = controller.byobRequest as ReadableStreamBYOBRequest;
        try {
          if (signal?.aborted) throw abortReason(signal);
          const view = request.view as Uint8Array<ArrayBuffer>;
          const length = maxChunk === undefined ? view.byteLength : Math.min(view.byteLength, maxChunk);
          // The source fills the consumer's own memory; the view comes back on the same bytes.
          const next = await reader.read(new Uint8Array(view.buffer, view.byteOffset, length));
          if (signal?.aborted) throw abortReason(signal);
          if (next.value === undefined) throw new TypeError("the source was cancelled");
          if (next.done) {
            finish();
            controller.close();
            request.respondWithNewView(next.value);
            return;
          }
          onChunk?.(next.value.byteLength);
          request.respondWithNewView(next.value);
        } catch (err) {
          finish();
          controller.error(err);
        }
      },
      async cancel(reason) {
        finish();
        await reader.cancel(reason).catch(() => undefined);
      },
    },
    { highWaterMark: 0 },
  );
}

function tapChunks(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  options: TapOptions,
): ReadableStream<Uint8Array> {
  const { onChunk, maxChunk, signal } = options;
  const finish = watchAbort(reader, signal);
  let pending: Uint8Array | undefined;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          if (signal?.aborted) throw abortReason(signal);
          if (!pending) {
            const next = await reader.read();
            if (signal?.aborted) throw abortReason(signal);
            if (next.done) {
              finish();
              controller.close();
              return;
            }
            pending = next.value;
          }
          const split = maxChunk !== undefined && pending.length > maxChunk;
          const piece = split ? pending.subarray(0, maxChunk) : pending;
          pending = split ? pending.subarray(maxChunk) : undefined;
          onChunk?.(piece.length);
          controller.enqueue(piece);
        } catch (err) {
          finish();
          controller.error(err);
        }
      },
      async cancel(reason) {
        finish();
        await reader.cancel(reason).catch(() => undefined);
      },
    },
    { highWaterMark: 0 },
  );
}
