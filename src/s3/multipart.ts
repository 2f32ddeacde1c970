/**
 * Multipart uploads of the signed request path, done the way `@aws-sdk/lib-storage` does them: parts
 * of `partSize`, `queueSize` in flight, the upload aborted on failure. The S3 requests themselves are
 * the transport's ({@link MultipartSteps}); this module holds the order, the buffers and the clean-up.
 *
 * Memory: a stream is cut into part buffers of our own, used again once their part is up, so the
 * upload holds about `partSize × (queueSize + 1)` whatever the body's length; fresh buffers would pile
 * up until the next full garbage collection. A byte stream (a local file) is read straight into them.
 */

import { abortReason } from "../core/errors.js";
import type { Logger } from "../core/options.js";
import { byobReader } from "../core/tap-stream.js";
import type { UploadInput, WriteOutput } from "./transport.js";

/** The S3 requests of one multipart upload. */
export interface MultipartSteps {
  /** `scheme://bucket/key`, for log lines. */
  where: string;
  logger?: Logger;
  /** CreateMultipartUpload: the upload's id. */
  create(): Promise<string>;
  /** UploadPart: the part's ETag. `onProgress` gets the part's bytes sent so far, where the path can tell. */
  part(
    uploadId: string,
    number: number,
    data: Uint8Array,
    onProgress?: (loaded: number) => void,
  ): Promise<string>;
  complete(uploadId: string, etags: string[]): Promise<WriteOutput>;
  /** AbortMultipartUpload; never rejects (a failure is logged). */
  abort(uploadId: string): Promise<void>;
  /** A plain PUT, for a body that fits in one part; `onProgress` as for {@link part}. */
  put(body: Uint8Array, onProgress?: (loaded: number) => void): Promise<WriteOutput>;
}

/** Uploads `input.body` in parts (one PUT when it fits in one); see the module comment. */
export async function uploadInParts(input: UploadInput, steps: MultipartSteps): Promise<WriteOutput> {
  const { where, logger } = steps;
  const spare: Uint8Array[] = [];
  const pooled = !ArrayBuffer.isView(input.body);
  const parts = partsOf(input.body, input.partSize, input.signal, () => spare.pop());
  const first = await parts.next();
  const firstPart = first.done ? new Uint8Array(0) : first.value;
  // A full first part means more may follow: the upload is opened while the second is read, as
  // lib-storage does. Without the caller's signal: an upload the service opened but whose id an abort
  // kept from us could never be aborted. It is aborted below once the id is known.
  const opened =
    firstPart.length === input.partSize && (input.size === undefined || input.size > input.partSize)
      ? steps.create()
      : undefined;
  // Handled here; awaited below (a failure to open surfaces there).
  opened?.catch(() => undefined);
  const dropOpened = async () => {
    const id = await opened?.catch(() => undefined);
    if (id !== undefined) await steps.abort(id);
  };
  let second: IteratorResult<Uint8Array, void> | undefined;
  try {
    second = first.done ? undefined : await parts.next();
  } catch (err) {
    await parts.return(undefined);
    const cleanUp = dropOpened();
    if (!input.signal?.aborted) await cleanUp;
    throw err;
  }
  if (second === undefined || second.done) {
    // One part (a stream that ended at the part size): a plain PUT.
    await dropOpened();
    const report = input.onProgress;
    const out = await steps.put(firstPart, report && ((sent) => report(sent, firstPart.length)));
    report?.(firstPart.length, firstPart.length);
    return out;
  }
  let uploadId: string;
  try {
    uploadId = await (opened ?? steps.create());
  } catch (err) {
    await parts.return(undefined);
    throw err;
  }
  logger?.info(`${where}: multipart upload started (parts of ${input.partSize} bytes)`);
  const etags: string[] = [];
  let loaded = 0;
  // Bytes of the parts in flight, as their requests report them: progress moves between parts too.
  const sending = new Map<number, number>();
  let reported = 0;
  const report = () => {
    let total = loaded;
    for (const sent of sending.values()) total += sent;
    // A retried part starts again from 0: what was reported stays reported.
    if (total <= reported) return;
    reported = total;
    input.onProgress?.(total, input.size);
  };
  const onPartProgress = (number: number) =>
    input.onProgress &&
    ((sent: number) => {
      sending.set(number, sent);
      report();
    });
  let number = 0;
  let stopped = false;
  // The two parts already read come first; the rest are read as workers free up.
  const pending: Uint8Array[] = [firstPart, second.value];
  const nextPart = async (): Promise<{ number: number; data: Uint8Array } | undefined> => {
    // Numbered before the await: the generator answers requests in order, so part n is the nth.
    const partNumber = ++number;
    const data = pending.shift() ?? (await parts.next()).value;
    return data === undefined || stopped ? undefined : { number: partNumber, data };
  };
  const worker = async (): Promise<void> => {
    for (;;) {
      const part = await nextPart();
      if (!part) return;
      try {
        etags[part.number - 1] = await steps.part(
          uploadId,
          part.number,
          part.data,
          onPartProgress(part.number),
        );
      } catch (err) {
        // The other workers finish the part they hold and take no more.
        stopped = true;
        throw err;
      }
      sending.delete(part.number);
      loaded += part.data.length;
      // Refilled only now: until its request has succeeded, a retry may send this buffer again (an
      // attempt that failed has ended: its answer was read or its connection destroyed).
      if (pooled) spare.push(new Uint8Array(part.data.buffer, 0, input.partSize));
      logger?.debug(`${where}: part ${part.number} uploaded`);
      report();
    }
  };
  try {
    const workers = Array.from({ length: Math.max(1, input.queueSize) }, () => worker());
    // allSettled first: no part may still be in flight when the upload is aborted.
    const settled = await Promise.allSettled(workers);
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === "rejected");
    if (failed) throw failed.reason;
    const out = await steps.complete(uploadId, etags);
    logger?.info(`${where}: multipart upload completed (${etags.length} parts)`);
    return out;
  } catch (err) {
    const cleanUp = steps.abort(uploadId);
    // An aborted call settles now; the clean-up (which never rejects) goes on without it.
    if (!input.signal?.aborted) await cleanUp;
    throw err;
  } finally {
    await parts.return(undefined);
  }
}

/**
 * A body cut into parts of exactly `size` bytes (the last one shorter), read as they are needed. A
 * byte stream (a local file) is read straight into the part buffer; any other stream's chunks are
 * copied into it. A source that stalls does not hold up an abort: the signal cancels the pending read.
 */
async function* partsOf(
  body: Uint8Array | ReadableStream<Uint8Array>,
  size: number,
  signal?: AbortSignal,
  reuse?: () => Uint8Array | undefined,
): AsyncGenerator<Uint8Array, void, undefined> {
  if (ArrayBuffer.isView(body)) {
    for (let offset = 0; offset < body.length; offset += size) yield body.subarray(offset, offset + size);
    return;
  }
  const byob = byobReader(body);
  const reader = byob ?? body.getReader();
  const onAbort = () => reader.cancel(abortReason(signal as AbortSignal)).catch(() => undefined);
  signal?.addEventListener("abort", onAbort, { once: true });
  const fresh = () => reuse?.() ?? new Uint8Array(size);
  let buffer = fresh();
  let filled = 0;
  try {
    for (;;) {
      if (byob) {
        // The read hands the buffer to the source and back (a transfer): go on with the one returned.
        const next = await byob.read(new Uint8Array(buffer.buffer as ArrayBuffer, filled, size - filled));
        if (signal?.aborted) throw abortReason(signal);
        if (next.value === undefined) throw new TypeError("the body was cancelled");
        buffer = new Uint8Array(next.value.buffer, 0, size);
        if (next.done) break;
        filled += next.value.byteLength;
        if (filled === size) {
          yield buffer;
          buffer = fresh();
          filled = 0;
        }
        continue;
      }
      const next = await (reader as ReadableStreamDefaultReader<Uint8Array>).read();
      if (signal?.aborted) throw abortReason(signal);
      if (next.done) break;
      let chunk = next.value;
      while (chunk.length > 0) {
        const take = Math.min(size - filled, chunk.length);
        buffer.set(chunk.subarray(0, take), filled);
        filled += take;
        chunk = chunk.subarray(take);
        if (filled === size) {
          yield buffer;
          buffer = fresh();
          filled = 0;
        }
      }
    }
    if (filled > 0) yield buffer.subarray(0, filled);
  } finally {
    signal?.removeEventListener("abort", onAbort);
    await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}
