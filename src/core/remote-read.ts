/**
 * Reads of remote objects (HTTP, S3): a GET answered as a {@link ReadResult}, streamed where it can
 * be (resuming a broken body, pinned to the object's version) and read whole where it must (an
 * encoded or unsized body, see `whole-read.ts`).
 */
import {
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
import {
  metaOf,
  type RemoteObject,
  type RemoteResponse,
  type ResumeOptions,
  resumableChunks,
} from "./remote-body.js";
import { chunksOf, discardSource, parseContentRange, rangeHeader, sliceChunks } from "./transfer.js";
import { readWhole } from "./whole-read.js";

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
        // An empty body has no chunk to report: its end is still reported.
        if (total === 0) progress(0);
        return out;
      }
      const parts: Uint8Array[] = [];
      for await (const chunk of chunks) {
        parts.push(chunk);
        progress(chunk.length);
      }
      if (loaded === 0) progress(0);
      return concatBytes(parts, loaded);
    },
    stream: () => {
      take();
      return new ReadableStream<Uint8Array>({
        async pull(controller) {
          try {
            const next = await chunks.next();
            if (next.done) {
              if (loaded === 0) progress(0);
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
