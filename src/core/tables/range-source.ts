/**
 * A stored object seen as a `Blob` whose bytes are fetched on demand with ranged reads. parquet-wasm's
 * async reader takes any object with `size`, `slice()` and `arrayBuffer()`, so handing it one of these
 * makes it read the footer and then only the column chunks a query needs.
 *
 * - Ranges are always explicit `{ offset, length }` from the size the listing gave: suffix ranges are
 *   answered wrongly by some S3-compatible servers.
 * - The first read near the end fetches the last `tailSize` bytes once, so the footer (magic, length,
 *   metadata) costs one request instead of three.
 * - parquet-wasm 0.8.0's async reader aborts its WASM task on some corrupt column chunks: the promise
 *   it returned then never settles. {@link RangeSource.guard} turns that silence into an error: all of
 *   the reader's work after a fetch runs in microtasks, so a read still pending with no fetch in flight
 *   two timer turns later has stopped for good.
 */
import type { Backend } from "../backend.js";

/** The part of the `Blob` interface parquet-wasm uses. */
export interface BlobLike {
  readonly size: number;
  slice(start?: number, end?: number): BlobLike;
  arrayBuffer(): Promise<ArrayBuffer>;
}

/** Options of a {@link RangeSource}. */
export interface RangeSourceOptions {
  signal?: AbortSignal;
  /** Bytes fetched from the end on the first footer read. @default 65536 */
  tailSize?: number;
  /** The object's last bytes, already fetched (a footer read earlier): served without a request. */
  tail?: { start: number; bytes: Uint8Array } | undefined;
}

/** The error a guarded operation fails with when the reader stopped without an answer. */
export class StalledReadError extends Error {
  constructor() {
    super("the Parquet reader stopped without an answer (corrupt column data?)");
    this.name = "StalledReadError";
  }
}

export class RangeSource {
  readonly #backend: Backend;
  readonly #key: string;
  readonly size: number;
  readonly #signal: AbortSignal | undefined;
  #tailSize: number;
  #tail: Promise<{ start: number; bytes: Uint8Array }> | undefined;
  #inFlight = 0;
  #activity = 0;

  constructor(backend: Backend, key: string, size: number, options: RangeSourceOptions = {}) {
    this.#backend = backend;
    this.#key = key;
    this.size = size;
    this.#signal = options.signal;
    this.#tailSize = options.tailSize ?? 64 * 1024;
    if (options.tail) {
      this.#tailSize = this.size - options.tail.start;
      this.#tail = Promise.resolve(options.tail);
    }
  }

  /** The whole object as a lazy blob. */
  blob(): BlobLike {
    return this.#slice(0, this.size);
  }

  /** Bytes `[start, end)`; never fewer than asked (a short read is an error, not a short buffer). */
  async read(start: number, end: number): Promise<Uint8Array> {
    if (start < 0 || end > this.size || start > end) {
      throw new RangeError(`range ${start}-${end} lies outside the ${this.size}-byte object ${this.#key}`);
    }
    if (end === start) return new Uint8Array(0);
    this.#inFlight++;
    this.#activity++;
    try {
      const tailStart = Math.max(0, this.size - this.#tailSize);
      if (start >= tailStart) {
        this.#tail ??= this.#fetch(tailStart, this.size).then((bytes) => ({ start: tailStart, bytes }));
        const tail = await this.#tail.catch((err: unknown) => {
          this.#tail = undefined; // a failed fetch is not kept
          throw err;
        });
        return tail.bytes.subarray(start - tail.start, end - tail.start);
      }
      return await this.#fetch(start, end);
    } finally {
      this.#inFlight--;
      this.#activity++;
    }
  }

  /**
   * Runs an operation of parquet-wasm's async reader over this source and fails it with
   * {@link StalledReadError} if it stops answering (see the module comment), or when the signal aborts.
   */
  guard<T>(operation: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let done = false;
      let timer: ReturnType<typeof setTimeout> | undefined;
      let seen = -1;
      let quietTurns = 0;
      const finish = () => {
        done = true;
        if (timer !== undefined) clearTimeout(timer);
        this.#signal?.removeEventListener("abort", onAbort);
      };
      const onAbort = () => {
        if (done) return;
        finish();
        reject(this.#signal?.reason ?? new DOMException("The operation was aborted.", "AbortError"));
      };
      const check = () => {
        if (done) return;
        if (this.#inFlight > 0 || this.#activity !== seen) {
          seen = this.#activity;
          quietTurns = 0;
        } else if (++quietTurns >= 2) {
          finish();
          reject(new StalledReadError());
          return;
        }
        timer = setTimeout(check, this.#inFlight > 0 ? 50 : 10);
      };
      operation.then(
        (value) => {
          if (done) return;
          finish();
          resolve(value);
        },
        (err: unknown) => {
          if (done) return;
          finish();
          reject(err);
        },
      );
      if (this.#signal?.aborted) {
        onAbort();
        return;
      }
      this.#signal?.addEventListener("abort", onAbort, { once: true });
      timer = setTimeout(check, 10);
    });
  }

  async #fetch(start: number, end: number): Promise<Uint8Array> {
    const result = await this.#backend.read(this.#key, {
      range: { offset: start, length: end - start },
      signal: this.#signal,
    });
    const bytes = await result.bytes();
    if (bytes.length !== end - start) {
      throw new RangeError(
        `read ${this.#backend.uri(this.#key)}: asked for bytes ${start}-${end - 1}, got ${bytes.length} bytes (the object changed?)`,
      );
    }
    return bytes;
  }

  #slice(start: number, end: number): BlobLike {
    return {
      size: end - start,
      slice: (a = 0, b = end - start) => {
        const len = end - start;
        const from = Math.min(len, a < 0 ? Math.max(0, len + a) : a);
        const to = Math.min(len, b < 0 ? Math.max(0, len + b) : b);
        return this.#slice(start + from, start + Math.max(from, to));
      },
      arrayBuffer: async () => {
        const bytes = await this.read(start, end);
        // parquet-wasm copies out of the buffer it is given: a view's bytes must start at offset 0.
        return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength
          ? (bytes.buffer as ArrayBuffer)
          : (bytes.slice().buffer as ArrayBuffer);
      },
    };
  }
}
