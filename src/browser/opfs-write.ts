/**
 * Moving bytes between a caller and OPFS files: a body into a writable (aborted, so the file keeps
 * what it had, on any failure), and a file's bytes out, whole, in slices, or as a stream.
 */
import {
  bytesResult,
  type ObjectMeta,
  PROGRESS_STEP,
  type ReadOptions,
  type ReadResult,
  type WriteOptions,
} from "../core/backend.js";
import { raceAbort, throwIfAborted } from "../core/errors.js";
import { openWritable } from "./opfs-files.js";

// Up to this many bytes a read takes the file's bytes at once; larger bodies are taken when asked for.
const EAGER_READ_LIMIT = 8 * 1024 * 1024;

/** Writes a body into a file through a fresh writable, which replaces the file only when it closes. */
export async function writeBody(
  file: FileSystemFileHandle,
  body: Uint8Array | ReadableStream<Uint8Array> | Blob,
  options: WriteOptions,
): Promise<void> {
  const writable = await openWritable(file);
  try {
    if (body instanceof Uint8Array) {
      // With a watcher, in steps of 1 MiB: progress moves while a large value is written.
      const step = options.onProgress ? PROGRESS_STEP : body.length || 1;
      for (let at = 0; at < body.length; at += step) {
        throwIfAborted(options.signal);
        await raceAbort(
          writable.write(body.subarray(at, at + step) as Uint8Array<ArrayBuffer>),
          options.signal,
        );
        if (at + step < body.length) options.onProgress?.({ loaded: at + step, total: body.length });
      }
      options.onProgress?.({ loaded: body.length, total: body.length });
    } else if (body instanceof Blob) {
      await raceAbort(writable.write(body), options.signal);
      options.onProgress?.({ loaded: body.size, total: body.size });
    } else {
      await writeStream(writable, body, options);
    }
    throwIfAborted(options.signal);
    await writable.close();
  } catch (err) {
    // The swap file is dropped; the file keeps what it had.
    await writable.abort().catch(() => undefined);
    throw err;
  }
}

async function writeStream(
  writable: FileSystemWritableFileStream,
  body: ReadableStream<Uint8Array>,
  options: WriteOptions,
): Promise<void> {
  const reader = body.getReader();
  let loaded = 0;
  try {
    for (;;) {
      throwIfAborted(options.signal);
      // A source that stalls cannot hold the call past its signal.
      const { done, value } = await raceAbort(reader.read(), options.signal);
      if (done) break;
      await raceAbort(writable.write(value as Uint8Array<ArrayBuffer>), options.signal);
      loaded += value.length;
      options.onProgress?.({ loaded, total: options.size });
    }
  } catch (err) {
    await reader.cancel(err).catch(() => undefined);
    throw err;
  } finally {
    reader.releaseLock();
  }
}

/**
 * The body of a read of `range` of `file`: read at once up to {@link EAGER_READ_LIMIT} bytes (so a
 * replaced file shows as `NotReadableError` here, where the read can start again), else when taken.
 */
export async function readBody(
  file: File,
  meta: ObjectMeta,
  range: { start: number; end: number },
  options: ReadOptions,
  mapError: (err: unknown) => unknown,
): Promise<ReadResult> {
  const length = range.end - range.start;
  const ranged = options.range ? range : undefined;
  if (length <= EAGER_READ_LIMIT) {
    const data = await readSlices(file, range, options);
    return bytesResult(meta, data, ranged);
  }
  let taken = false;
  const take = () => {
    if (taken) throw new TypeError(`the body of ${meta.key} was already read`);
    taken = true;
  };
  const result: ReadResult = {
    meta,
    notModified: false,
    bytes: async () => {
      take();
      try {
        return await readSlices(file, range, options);
      } catch (err) {
        throw mapError(err);
      }
    },
    stream: () => {
      take();
      let loaded = 0;
      const count = new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          throwIfAborted(options.signal);
          loaded += chunk.length;
          options.onProgress?.({ loaded, total: length });
          controller.enqueue(chunk);
        },
      });
      return file
        .slice(range.start, range.end)
        .stream()
        .pipeThrough(count, options.signal ? { signal: options.signal } : {});
    },
  };
  if (ranged) result.range = ranged;
  return result;
}

/** Reads a range through `Blob.slice`: in 1 MiB slices when someone watches progress. */
async function readSlices(
  file: File,
  range: { start: number; end: number },
  options: ReadOptions,
): Promise<Uint8Array> {
  const length = range.end - range.start;
  if (!options.onProgress) {
    throwIfAborted(options.signal);
    const data = new Uint8Array(
      await raceAbort(file.slice(range.start, range.end).arrayBuffer(), options.signal),
    );
    return data;
  }
  const data = new Uint8Array(length);
  for (let done = 0; done < length; ) {
    throwIfAborted(options.signal);
    const end = Math.min(length, done + PROGRESS_STEP);
    const part = await raceAbort(
      file.slice(range.start + done, range.start + end).arrayBuffer(),
      options.signal,
    );
    data.set(new Uint8Array(part), done);
    done = end;
    if (done < length) options.onProgress({ loaded: done, total: length });
  }
  options.onProgress({ loaded: length, total: length });
  return data;
}
