/**
 * Pieces the remote backends (HTTP, S3) share to move bodies: byte ranges as HTTP writes them,
 * bodies that resume where a broken connection left them, and {@link ReadResult}s over streamed
 * bodies. Runtime-agnostic: a body is a web `ReadableStream` or any async iterable of bytes (a Node
 * `Readable` is one).
 */
import {
  type ByteRange,
  bytesResult,
  concatBytes,
  notModifiedResult,
  type ObjectMeta,
  type Progress,
  type ReadOptions,
  type ReadResult,
  resolveRange,
} from "./backend.js";
import { parseCodings } from "./encoding.js";
import {
  AutoStoreError,
  abortReason,
  BackendError,
  describeCause,
  isAutoStoreError,
  throwIfAborted,
} from "./errors.js";
import type { Logger } from "./options.js";
import { readWhole } from "./whole-read.js";

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

/** How {@link resumableChunks} continues a body after its connection broke. */
export interface ResumeOptions {
  /** The first response's body. */
  source: ByteSource;
  /** Offset in the object of the first byte of `source`. */
  start: number;
  /** Offset in the object just past the last byte wanted, when known (a short body is then a failure). */
  end?: number;
  /**
   * Opens the object again from an offset, pinned to the same version (an `If-Match` on its ETag),
   * and returns the body from there. Without it, a broken body is an error.
   */
  reopen?: (offset: number) => Promise<ByteSource>;
  /** How many times a body may be resumed. */
  maxResumes: number;
  signal?: AbortSignal;
  /** Told about each resumption (for logs). */
  onResume?: (offset: number, attempt: number, cause: unknown) => void;
}

/**
 * The chunks of a body that, when the connection breaks midway, carries on with a ranged request
 * from the first missing byte instead of starting over.
 */
export async function* resumableChunks(options: ResumeOptions): AsyncGenerator<Uint8Array, void, undefined> {
  let offset = options.start;
  let source: ByteSource = options.source;
  let resumes = 0;
  for (;;) {
    try {
      for await (const chunk of chunksOf(source)) {
        throwIfAborted(options.signal);
        yield chunk;
        offset += chunk.length;
      }
      if (options.end !== undefined && offset < options.end) {
        throw new Error(`the body ended after ${offset} of ${options.end} bytes`);
      }
      return;
    } catch (err) {
      if (options.signal?.aborted) throw abortReason(options.signal);
      if (!options.reopen || resumes >= options.maxResumes || isAutoStoreError(err)) throw err;
      resumes++;
      options.onResume?.(offset, resumes, err);
      source = await options.reopen(offset);
    }
  }
}

/** The body of a {@link streamResult}. */
export interface StreamResultOptions {
  /** The body's length in bytes, when known: `bytes()` then fills one buffer of that size. */
  length?: number;
  /** The range returned, as `[start, end)`, when one was asked for. */
  range?: { start: number; end: number };
  onProgress?: (progress: Progress) => void;
  signal?: AbortSignal;
  /** Where the body comes from, for the errors of a body whose length is wrong. */
  source?: { uri: string; backend: string };
}

/** A {@link ReadResult} over a streamed body, taken once as bytes or as a stream. */
export function streamResult(
  meta: ObjectMeta,
  chunks: AsyncGenerator<Uint8Array, void, undefined>,
  options: StreamResultOptions = {},
): ReadResult {
  let taken = false;
  const take = () => {
    if (taken) throw new TypeError(`the body of ${meta.key} was already read`);
    taken = true;
  };
  const total = options.length;
  const wrongLength = (message: string) =>
    new BackendError(`read ${options.source?.uri ?? meta.key}: ${message}`, {
      key: meta.key,
      ...(options.source ?? {}),
      backendCode: "WrongLength",
    });
  let loaded = 0;
  const progress = (n: number) => {
    loaded += n;
    options.onProgress?.({ loaded, total });
  };
  const result: ReadResult = {
    meta,
    notModified: false,
    bytes: async () => {
      take();
      if (total !== undefined) {
        // One allocation of the known size, one copy per chunk: no list of chunks to join afterwards.
        const out = allocate(total);
        let offset = 0;
        for await (const chunk of chunks) {
          if (offset + chunk.length > total) throw wrongLength(`the body is longer than ${total} bytes`);
          out.set(chunk, offset);
          offset += chunk.length;
          progress(chunk.length);
        }
        if (offset !== total) throw wrongLength(`the body ended after ${offset} of ${total} bytes`);
        return out;
      }
      const parts: Uint8Array[] = [];
      for await (const chunk of chunks) {
        parts.push(chunk);
        progress(chunk.length);
      }
      return concatBytes(parts, loaded);
    },
    stream: () => {
      take();
      return new ReadableStream<Uint8Array>({
        async pull(controller) {
          try {
            const next = await chunks.next();
            if (next.done) {
              controller.close();
              return;
            }
            progress(next.value.length);
            controller.enqueue(next.value);
          } catch (err) {
            controller.error(err);
          }
        },
        async cancel() {
          await chunks.return(undefined);
        },
      });
    },
  };
  if (options.range) result.range = options.range;
  return result;
}

type BufferLike = { allocUnsafe(size: number): Uint8Array };

/**
 * A byte array for `size` bytes that will all be overwritten. On Node, memory that is not zeroed
 * first (Buffer.allocUnsafe: a few ms saved per 64 MiB), seen as a plain Uint8Array; elsewhere a
 * new Uint8Array.
 */
function allocate(size: number): Uint8Array {
  const buffer = (globalThis as { Buffer?: BufferLike }).Buffer;
  // Below half Node's pool size, allocUnsafe hands out slices of a shared pool: not ours to keep.
  if (!buffer || size < 64 * 1024) return new Uint8Array(size);
  const raw = buffer.allocUnsafe(size);
  return new Uint8Array(raw.buffer, raw.byteOffset, raw.length);
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

// ---- reading remote objects ----

/** One answer to a GET, as {@link remoteRead} needs it. */
export interface RemoteResponse {
  /** 200, 206 for a range, or 304 (no body) when the request had `If-None-Match` and it matched. */
  status: number;
  contentLength?: number;
  contentRange?: string;
  etag?: string;
  modifiedTime?: Date;
  contentType?: string;
  /** The `Content-Encoding` header: the body's codings, if any (`gzip`…). */
  contentEncoding?: string;
  /** True when the body was decoded on the way (fetch undoes gzip, deflate and br by itself). */
  decoded?: boolean;
  body: ByteSource;
}

/** How {@link remoteRead} reaches one object. */
export interface RemoteObject {
  key: string;
  uri: string;
  /** The backend's scheme, for errors. */
  backend: string;
  /**
   * GETs the object, with a `Range` header value and an `If-Match`, when given. Failures are thrown
   * as autostore-js errors; a range past the end as a {@link BackendError} with status 416.
   */
  get(range: string | undefined, ifMatch: string | undefined, ifNoneMatch?: string): Promise<RemoteResponse>;
  head(): Promise<ObjectMeta>;
  /** How many times a broken body may be resumed. */
  maxResumes: number;
  logger?: Logger;
}

/**
 * A read of a remote object over GET, with what servers get wrong handled once for every backend:
 * - `ifNoneMatch` goes on the GET itself: one conditional request, and a 304 has no body to download
 *   (a 304 does not carry the size: `meta.size` is -1 on a not-modified result);
 * - a range past the end (416) or an empty range reads as empty bytes;
 * - a server that answers another range than asked (s3rver serves `bytes=-N` as `bytes=0-N`) is asked
 *   again with explicit offsets, pinned to the version just seen;
 * - a server that ignores `Range` (200) is read up to the end of the range and no further;
 * - a body whose connection breaks resumes from the first missing byte, pinned with `If-Match` to
 *   the ETag (and checked against it, for servers that ignore `If-Match`).
 */
export async function remoteRead(object: RemoteObject, options: ReadOptions = {}): Promise<ReadResult> {
  throwIfAborted(options.signal);
  const range = options.range;
  const header = range ? rangeHeader(range) : undefined;
  if (range && header === undefined) {
    const meta = await object.head();
    const { start } = resolveRange(range, meta.size);
    return bytesResult(meta, new Uint8Array(0), { start, end: start });
  }
  let out: RemoteResponse;
  try {
    out = await object.get(header, options.ifMatch, options.ifNoneMatch);
  } catch (err) {
    // 416: the range starts at or past the end (or the object is empty): nothing to read, unless the
    // object is encoded (the range was past its stored size, not its decoded one). A one-byte GET
    // tells both the coding and the size.
    if (range && err instanceof AutoStoreError && err.status === 416) return pastTheEnd(object, options);
    throw err;
  }
  if (out.status === 304) {
    await discardSource(out.body);
    const meta: ObjectMeta = {
      key: object.key,
      size: -1,
      modifiedTime: out.modifiedTime ?? new Date(0),
      etag: out.etag ?? options.ifNoneMatch ?? "",
    };
    return notModifiedResult(meta);
  }
  // An encoded body has a decoded size no header tells, and a whole body sent without a length (chunked)
  // has none either: both are read whole (see `whole-read.ts`).
  if (
    parseCodings(out.contentEncoding).length > 0 ||
    (out.status !== 206 && out.contentLength === undefined)
  ) {
    return readWhole(object, out, options);
  }
  let contentRange = parseContentRange(out.contentRange);
  if (range && out.status === 206 && contentRange?.start !== undefined && contentRange.total !== undefined) {
    const { start: want, end } = resolveRange(range, contentRange.total);
    if (contentRange.start !== want) {
      await discardSource(out.body);
      const meta = metaOf(object.key, out, contentRange.total);
      if (want >= end) return bytesResult(meta, new Uint8Array(0), { start: want, end: want });
      out = await object.get(`bytes=${want}-${end - 1}`, out.etag ?? options.ifMatch);
      contentRange = parseContentRange(out.contentRange);
      if (out.status !== 206 || contentRange?.start !== want) {
        await discardSource(out.body);
        throw new BackendError(`read ${object.uri}: the server does not honour byte ranges`, {
          key: object.key,
          uri: object.uri,
          backend: object.backend,
          status: out.status,
        });
      }
    }
  }
  let size = contentRange?.total ?? (out.status === 206 ? undefined : out.contentLength);
  // Neither Content-Range nor Content-Length told the size (a streamed body): ask for it.
  if (size === undefined) size = (await object.head()).size;
  const meta = metaOf(object.key, out, size);
  const partial = out.status === 206 && contentRange?.start !== undefined && contentRange.end !== undefined;
  let chunks: AsyncGenerator<Uint8Array, void, undefined>;
  let taken: { start: number; end: number } | undefined;
  if (partial) {
    taken = { start: contentRange?.start as number, end: contentRange?.end as number };
    chunks = resumable(object, out, taken.start, taken.end, options);
  } else if (range) {
    // A 200 to a ranged request: the whole object is coming. Take the range and hang up after it.
    taken = resolveRange(range, size);
    chunks = sliceChunks(resumable(object, out, 0, taken.end, options), taken.start, taken.end);
  } else {
    chunks = resumable(object, out, 0, size, options);
  }
  const resultOptions: StreamResultOptions = { length: taken ? taken.end - taken.start : size };
  if (taken) resultOptions.range = taken;
  if (options.onProgress) resultOptions.onProgress = options.onProgress;
  if (options.signal) resultOptions.signal = options.signal;
  resultOptions.source = { uri: object.uri, backend: object.backend };
  return streamResult(meta, chunks, resultOptions);
}

/** The answer to a range that starts past the stored end: empty, unless the object is encoded. */
async function pastTheEnd(object: RemoteObject, options: ReadOptions): Promise<ReadResult> {
  let probe: RemoteResponse;
  try {
    probe = await object.get("bytes=0-0", options.ifMatch);
  } catch (err) {
    // An empty object has no byte 0 either.
    if (!(err instanceof AutoStoreError && err.status === 416)) throw err;
    const meta = await object.head();
    return bytesResult(meta, new Uint8Array(0), { start: meta.size, end: meta.size });
  }
  if (parseCodings(probe.contentEncoding).length > 0) return readWhole(object, probe, options);
  // A server that ignores Range sends everything: hang up after the headers.
  await discardSource(probe.body);
  const total = probe.status === 206 ? parseContentRange(probe.contentRange)?.total : probe.contentLength;
  const meta = metaOf(object.key, probe, total ?? (await object.head()).size);
  return bytesResult(meta, new Uint8Array(0), { start: meta.size, end: meta.size });
}

/** The object's metadata from a GET's answer, with `size` given (the headers may not tell it). */
export function metaOf(key: string, out: RemoteResponse, size: number): ObjectMeta {
  const meta: ObjectMeta = { key, size, modifiedTime: out.modifiedTime ?? new Date(0) };
  if (out.etag !== undefined) meta.etag = out.etag;
  if (out.contentType !== undefined) meta.contentType = out.contentType;
  return meta;
}

/** The body of `out` from `start` to `end`, resumed with ranged GETs pinned to its ETag. */
function resumable(
  object: RemoteObject,
  out: RemoteResponse,
  start: number,
  end: number,
  options: ReadOptions,
): AsyncGenerator<Uint8Array, void, undefined> {
  const etag = out.etag;
  const context = { key: object.key, uri: object.uri, backend: object.backend };
  const resume: ResumeOptions = {
    source: out.body,
    start,
    end,
    maxResumes: object.maxResumes,
    onResume: (offset, attempt, cause) =>
      object.logger?.info(
        `${object.backend}: resuming read of ${object.uri} at byte ${offset} (attempt ${attempt}): ${describeCause(cause)}`,
      ),
  };
  if (options.signal) resume.signal = options.signal;
  // Without an ETag nothing pins the object: a broken body is an error rather than a mix of versions.
  if (etag !== undefined) {
    resume.reopen = async (offset) => {
      const again = await object.get(`bytes=${offset}-${end - 1}`, etag);
      if (again.etag !== undefined && again.etag !== etag) {
        await discardSource(again.body);
        throw new BackendError(`read ${object.uri}: the object changed while it was being read`, {
          ...context,
          status: 412,
          backendCode: "PreconditionFailed",
        });
      }
      const got = parseContentRange(again.contentRange);
      if (again.status === 206 && got?.start === offset) return again.body;
      if (again.status === 200) return sliceChunks(chunksOf(again.body), offset, end);
      await discardSource(again.body);
      throw new BackendError(`read ${object.uri}: the server answered a resumed read with another range`, {
        ...context,
        status: again.status,
      });
    };
  }
  return typedChunks(resumableChunks(resume), context, options.signal);
}

/**
 * The chunks, with any failure of the body (a connection reset, a stall, a length that does not
 * add up) as a {@link BackendError} naming the object; an abort stays the signal's reason.
 */
async function* typedChunks(
  chunks: AsyncGenerator<Uint8Array, void, undefined>,
  context: { key: string; uri: string; backend: string },
  signal: AbortSignal | undefined,
): AsyncGenerator<Uint8Array, void, undefined> {
  try {
    yield* chunks;
  } catch (err) {
    if (signal?.aborted) throw abortReason(signal);
    if (isAutoStoreError(err)) throw err;
    const code = (err as { code?: unknown } | null)?.code;
    throw new BackendError(`read ${context.uri}: the download failed: ${describeCause(err)}`, {
      ...context,
      cause: err,
      ...(typeof code === "string" ? { backendCode: code } : {}),
    });
  }
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
