/**
 * Pieces the remote backends (HTTP, S3) share to move bodies: byte ranges as HTTP writes them,
 * bodies that resume where a broken connection left them, and {@link ReadResult}s over streamed
 * bodies. Runtime-agnostic: a body is a web `ReadableStream` or any async iterable of bytes (a Node
 * `Readable` is one).
 */
import type { ByteRange, ObjectMeta, Progress, ReadResult } from "./backend.js";
import { abortReason, isAutoStoreError, throwIfAborted } from "./errors.js";

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

/** Where a range must start in an object of `size` bytes (S3 and HTTP semantics, clamped). */
export function rangeStart(range: ByteRange, size: number): number {
  return "suffix" in range ? Math.max(0, size - range.suffix) : Math.min(Math.max(0, range.offset), size);
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
        const out = new Uint8Array(total);
        let offset = 0;
        for await (const chunk of chunks) {
          if (offset + chunk.length > total)
            throw new Error(`${meta.key}: the body is longer than ${total} bytes`);
          out.set(chunk, offset);
          offset += chunk.length;
          progress(chunk.length);
        }
        if (offset !== total)
          throw new Error(`${meta.key}: the body ended after ${offset} of ${total} bytes`);
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

/** Joins chunks into one array (no copy for a single chunk). */
export function concatBytes(parts: readonly Uint8Array[], length?: number): Uint8Array {
  if (parts.length === 1) return parts[0] as Uint8Array;
  const size = length ?? parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(size);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
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
