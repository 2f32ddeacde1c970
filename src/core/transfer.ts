/**
 * Pieces the remote backends (HTTP, S3) share to move bodies: byte ranges as HTTP writes them,
 * chunks of streams, and requests with timeouts and backoff (remote reads are in `remote-read.ts`). Runtime-agnostic: a body is a web `ReadableStream` or any async iterable of bytes (a Node
 * `Readable` is one).
 */
import { type ByteRange, concatBytes, PROGRESS_STEP } from "./backend.js";
import { abortReason, throwIfAborted } from "./errors.js";

/** A response body: a web stream, or an async iterable of byte chunks (a Node `Readable`). */
export type ByteSource = ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>;

/** The chunks of a body. Leaving the loop early cancels the body (and frees its connection). */
export async function* chunksOf(source: ByteSource): AsyncGenerator<Uint8Array, void, undefined> {
  if (Symbol.asyncIterator in source) {
    yield* source as AsyncIterable<Uint8Array>;
    return;
  }
  // Safari's ReadableStream is not async-iterable.
  const reader = (source as ReadableStream<Uint8Array>).getReader();
  let done = false;
  try {
    for (;;) {
      const next = await reader.read();
      if (next.done) {
        done = true;
        return;
      }
      yield next.value;
    }
  } finally {
    if (!done) await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}

/** Drops a body nobody will read, so its connection is freed. Never throws. */
export async function discardSource(source: ByteSource | undefined): Promise<void> {
  if (!source) return;
  try {
    if (Symbol.asyncIterator in source) {
      const candidate = source as { destroy?: () => void };
      if (typeof candidate.destroy === "function") candidate.destroy();
      else await (source as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]().return?.();
    } else {
      await (source as ReadableStream<Uint8Array>).cancel();
    }
  } catch {
    // Already consumed or errored: nothing left to free.
  }
}

/**
 * The `Range` header value for a range, or undefined when the range is empty (`length: 0`,
 * `suffix: 0`), which needs no body at all.
 */
export function rangeHeader(range: ByteRange): string | undefined {
  if ("suffix" in range) return range.suffix > 0 ? `bytes=-${Math.floor(range.suffix)}` : undefined;
  const start = Math.max(0, Math.floor(range.offset));
  if (range.length === undefined) return `bytes=${start}-`;
  if (range.length <= 0) return undefined;
  return `bytes=${start}-${start + Math.floor(range.length) - 1}`;
}

/** A parsed `Content-Range`: `[start, end)` offsets (absent for `bytes *\/size`) and the total size. */
export interface ContentRange {
  start?: number;
  end?: number;
  total?: number;
}

/** Parses `bytes 2-4/10`, `bytes 2-4/*` and `bytes *\/10`; undefined when absent or malformed. */
export function parseContentRange(value: string | null | undefined): ContentRange | undefined {
  if (!value) return undefined;
  const match = /^\s*bytes\s+(?:(\d+)-(\d+)|\*)\/(\d+|\*)\s*$/i.exec(value);
  if (!match) return undefined;
  const out: ContentRange = {};
  if (match[1] !== undefined && match[2] !== undefined) {
    out.start = Number(match[1]);
    out.end = Number(match[2]) + 1;
  }
  if (match[3] !== "*") out.total = Number(match[3]);
  return out;
}

/** The chunks of `source` between absolute offsets `[skip, end)`, for a server that ignored a Range. */
export async function* sliceChunks(
  source: AsyncIterable<Uint8Array>,
  skip: number,
  end: number,
): AsyncGenerator<Uint8Array, void, undefined> {
  let offset = 0;
  for await (const chunk of source) {
    const chunkEnd = offset + chunk.length;
    if (chunkEnd > skip) {
      const from = Math.max(0, skip - offset);
      const to = Math.min(chunk.length, end - offset);
      if (to > from) yield from === 0 && to === chunk.length ? chunk : chunk.subarray(from, to);
    }
    offset = chunkEnd;
    // Leaving the loop cancels the rest of the body: never download past what was asked.
    if (offset >= end) return;
  }
}

/**
 * Reads up to `limit` bytes of a stream. `done` says whether the stream ended within them; if not,
 * `rest` yields everything (the bytes already read first), so nothing is read twice.
 */
export async function peekStream(
  stream: ReadableStream<Uint8Array>,
  limit: number,
  signal?: AbortSignal,
): Promise<{ done: true; bytes: Uint8Array } | { done: false; rest: ReadableStream<Uint8Array> }> {
  const reader = stream.getReader();
  const head: Uint8Array[] = [];
  let size = 0;
  try {
    while (size <= limit) {
      throwIfAborted(signal);
      const next = await reader.read();
      if (next.done) {
        reader.releaseLock();
        return { done: true, bytes: concatBytes(head, size) };
      }
      head.push(next.value);
      size += next.value.length;
    }
  } catch (err) {
    await reader.cancel(err).catch(() => undefined);
    reader.releaseLock();
    throw err;
  }
  const rest = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const buffered = head.shift();
      if (buffered) {
        controller.enqueue(buffered);
        return;
      }
      const next = await reader.read();
      if (next.done) controller.close();
      else controller.enqueue(next.value);
    },
    async cancel(reason) {
      await reader.cancel(reason);
    },
  });
  return { done: false, rest };
}

/** ETag, modification time and content type from a response's headers; absent or unreadable ones are left out. */
export function headerFields(headers: Headers): { etag?: string; modifiedTime?: Date; contentType?: string } {
  const out: { etag?: string; modifiedTime?: Date; contentType?: string } = {};
  const etag = headers.get("etag");
  if (etag !== null) out.etag = etag;
  const modified = headers.get("last-modified");
  const time = modified === null ? undefined : new Date(modified);
  if (time && !Number.isNaN(time.getTime())) out.modifiedTime = time;
  const type = headers.get("content-type");
  if (type !== null) out.contentType = type;
  return out;
}

// ---- requests over fetch ----

/** Longest wait between two attempts, whatever the backoff says. */
const MAX_DELAY_MS = 20_000;

/**
 * Exponential backoff with jitter: retry `n` (1-based) waits a random time between half and all of
 * `base × 2^(n-1)`, so many clients that failed together do not come back together. A server's
 * `Retry-After` (capped) is a floor.
 */
export function backoffDelay(retry: number, baseMs: number, retryAfterMs?: number): number {
  const ceiling = Math.min(MAX_DELAY_MS, baseMs * 2 ** Math.max(0, retry - 1));
  const jittered = ceiling / 2 + Math.random() * (ceiling / 2);
  return Math.round(Math.max(jittered, Math.min(retryAfterMs ?? 0, MAX_DELAY_MS)));
}

/** Waits, or rejects with the signal's reason when it aborts first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortReason(signal));
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortReason(signal as AbortSignal));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** An error named `TimeoutError`, which retry policies treat as transient. */
export function timeoutError(ms: number, cause?: unknown): Error {
  const error = new Error(`no answer within ${ms} ms`, cause === undefined ? undefined : { cause });
  error.name = "TimeoutError";
  return error;
}

/**
 * A signal for one attempt of a request: the caller's, plus a timer that runs until the answer's
 * headers arrive (`clear()` then). The body outlives the attempt; {@link watchIdle} bounds it.
 */
export function attemptSignal(
  outer: AbortSignal | undefined,
  timeoutMs: number,
): { signal: AbortSignal; clear: () => void; timedOut: () => boolean } {
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(timeoutError(timeoutMs));
  }, timeoutMs);
  const onAbort = () => controller.abort(outer?.reason);
  if (outer?.aborted) onAbort();
  else outer?.addEventListener("abort", onAbort, { once: true });
  return {
    signal: controller.signal,
    timedOut: () => timedOut,
    clear: () => {
      clearTimeout(timer);
      outer?.removeEventListener("abort", onAbort);
    },
  };
}

/**
 * A body that fails with a `TimeoutError` when a read waits more than `idleMs` for bytes, so a
 * stalled transfer ends (and is resumed) instead of hanging. One timer per body, not per chunk: a
 * 64 MiB body arrives in thousands of chunks. Time the consumer spends between reads does not count.
 * When `signal` aborts, a pending read ends at once with the signal's reason: the request's own
 * signal no longer reaches a body once its headers have arrived.
 */
export function watchIdle(
  body: ReadableStream<Uint8Array>,
  idleMs: number,
  signal?: AbortSignal,
): AsyncIterable<Uint8Array> & { destroy(): void } {
  const reader = body.getReader();
  const onAbort = () => {
    clearTimeout(timer);
    reader.cancel(abortReason(signal as AbortSignal)).catch(() => undefined);
  };
  let waitingSince: number | undefined;
  let timedOut = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const watch = (ms: number) => {
    timer = setTimeout(() => {
      const waited = waitingSince === undefined ? 0 : Date.now() - waitingSince;
      if (waited < idleMs) {
        watch(idleMs - waited);
        return;
      }
      timedOut = true;
      // Cancelling ends the pending read; the loop below turns that into the timeout.
      reader.cancel(timeoutError(idleMs)).catch(() => undefined);
    }, ms);
  };
  return {
    async *[Symbol.asyncIterator]() {
      watch(idleMs);
      let done = false;
      if (signal?.aborted) onAbort();
      else signal?.addEventListener("abort", onAbort, { once: true });
      try {
        for (;;) {
          waitingSince = Date.now();
          const next = await reader.read();
          waitingSince = undefined;
          if (signal?.aborted) throw abortReason(signal);
          if (timedOut) throw timeoutError(idleMs);
          if (next.done) {
            done = true;
            return;
          }
          yield next.value;
        }
      } finally {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        if (!done) await reader.cancel().catch(() => undefined);
        reader.releaseLock();
      }
    },
    destroy() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      reader.cancel().catch(() => undefined);
    },
  };
}

/** An empty body. */
export function emptyStream(): ReadableStream<Uint8Array> {
  return new ReadableStream({ start: (controller) => controller.close() });
}

/**
 * `bytes` as views of {@link PROGRESS_STEP} (no copy), for a request body whose upload progress is
 * wanted: the end of each view is reported when the consumer asks for the next one, that is once
 * the connection has taken it. Every request path that streams a body of fixed bytes uses it.
 */
export function* progressViews(bytes: Uint8Array, report: (loaded: number) => void): Generator<Uint8Array> {
  for (let offset = 0; offset < bytes.length; ) {
    const end = Math.min(offset + PROGRESS_STEP, bytes.length);
    yield bytes.subarray(offset, end);
    offset = end;
    report(offset);
  }
}
