/**
 * Reading an S3 answer on Node (`s3-node-http.ts` sends the request): small bodies gathered whole,
 * long ones handed on bounded by an idle timer and the caller's signal ({@link watchReadable}), and an
 * object stored with `br` decoded with `node:zlib` (Node 20 has no `DecompressionStream("br")`).
 */
import type { ClientRequest, IncomingMessage } from "node:http";
import { pipeline, type Readable } from "node:stream";
import { constants, createBrotliDecompress, createGunzip, createInflate } from "node:zlib";
import { fetchDecodes, parseCodings } from "../core/encoding.js";
import { abortReason } from "../core/errors.js";
import { timeoutError } from "../core/transfer.js";
import type { HttpAnswer } from "../s3/http.js";

/** Bodies up to this length are read to their end by `discard`, so the connection is kept. */
const KEEP_AFTER_DISCARD = 64 * 1024;

const utf8 = new TextDecoder();

/**
 * An answer of `node:http`. Until the body is handed on with {@link NodeAnswer.body}, the request's
 * socket idle timer (`send` in `s3-node-http.ts`) bounds it.
 */
export class NodeAnswer implements HttpAnswer {
  readonly status: number;
  readonly #res: IncomingMessage;
  readonly #req: ClientRequest;
  readonly #method: string;
  /** Why the request was ended while its body was read here (the idle timeout, the caller's signal), if it was. */
  failure: Error | undefined;

  constructor(res: IncomingMessage, req: ClientRequest, method: string) {
    this.status = res.statusCode ?? 0;
    this.#res = res;
    this.#req = req;
    this.#method = method;
  }

  header(name: string): string | undefined {
    const value = this.#res.headers[name];
    return Array.isArray(value) ? value.join(", ") : value;
  }

  async text(): Promise<string> {
    return utf8.decode(await this.bytes());
  }

  /**
   * The whole body, gathered from `data` events: a small body is the common case, and an async
   * iterator with a timer of its own costs more than the request. The socket's idle timer bounds it.
   */
  bytes(): Promise<Uint8Array> {
    const stream = this.#res;
    return new Promise<Uint8Array>((resolve, reject) => {
      const chunks: Uint8Array[] = [];
      let length = 0;
      stream.on("data", (chunk: Uint8Array) => {
        chunks.push(chunk);
        length += chunk.length;
      });
      stream.once("end", () => resolve(concat(chunks, length)));
      stream.once("error", (err) => reject(this.failure ?? err));
      // Ended without its end (the connection closed early) and without an error: still a failure.
      stream.once("close", () => {
        if (!stream.readableEnded)
          reject(this.failure ?? new Error("the connection closed before the body ended"));
      });
    });
  }

  /** A short rest (or a HEAD's empty body) is read to its end so the connection is kept; a long one is dropped. */
  async discard(): Promise<void> {
    const stream = this.#res;
    if (stream.readableEnded || stream.destroyed) return;
    const length = Number(this.header("content-length") ?? Number.NaN);
    if (this.#method !== "HEAD" && !(length <= KEEP_AFTER_DISCARD)) {
      drop(stream);
      return;
    }
    await new Promise<void>((resolve) => {
      stream
        .once("end", resolve)
        .once("close", resolve)
        .once("error", () => resolve());
      stream.resume();
    });
  }

  body(idleMs: number, signal?: AbortSignal): AsyncIterable<Uint8Array> & { destroy(): void } {
    // From here its reader's idle watch bounds the body: time the reader spends between reads is not idle.
    this.#req.setTimeout(0);
    const encoding = this.header("content-encoding");
    if (encoding === undefined || !this.decodes(encoding)) return watchReadable(this.#res, idleMs, signal);
    // Undone in the order opposite to the one they were applied in.
    const codings = parseCodings(encoding).reverse();
    const decoders = codings.map(decoderOf);
    const decoded = pipeline([this.#res, ...decoders], () => undefined) as unknown as Readable;
    // pipeline stops listening once the last decoder has taken all its input, and brotli finds a cut
    // body only after that, when it flushes: without a listener of ours that error would be uncaught
    // (the process exits). The stream keeps it; its reader's iterator throws it, named as gzip's are.
    // pipeline hands one failure to every stream of it: only the decoder it came from names it.
    const named = new WeakSet<Error>();
    decoders.forEach((decoder, i) => {
      decoder.on("error", (err: Error) => {
        if (named.has(err)) return;
        named.add(err);
        err.message = `the body is not valid ${codings[i]}: ${err.message}`;
      });
    });
    return watchReadable(decoded, idleMs, signal);
  }

  /**
   * Node's client hands over the bytes as stored, and the store decodes gzip and deflate itself; br it
   * cannot on Node 20 (no `DecompressionStream("br")`), so a body with br is decoded here with
   * `node:zlib`, all its codings, as `fetch` would have.
   */
  decodes(encoding: string): boolean {
    const codings = parseCodings(encoding);
    return codings.includes("br") && fetchDecodes(codings);
  }
}

/** The chunks as one plain `Uint8Array` (Node hands over `Buffer`s; a single one is viewed, not copied). */
function concat(chunks: Uint8Array[], length: number): Uint8Array {
  const only = chunks.length === 1 ? (chunks[0] as Uint8Array) : undefined;
  if (only) return new Uint8Array(only.buffer, only.byteOffset, only.length);
  const out = new Uint8Array(length);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}

function decoderOf(coding: string): NodeJS.ReadWriteStream {
  // As fetch: lenient about a body that ends without its final block.
  const lenient = { flush: constants.Z_SYNC_FLUSH, finishFlush: constants.Z_SYNC_FLUSH };
  if (coding === "br") return createBrotliDecompress();
  return coding === "deflate" ? createInflate(lenient) : createGunzip(lenient);
}

/**
 * A body that fails with a `TimeoutError` when a read waits more than `idleMs` for bytes, and ends
 * with the signal's reason when it aborts: `core/transfer.ts`'s `watchIdle` for a Node stream. One
 * timer per body, not per chunk; time the consumer spends between reads does not count. Kept apart
 * from `watchIdle`: a pending read of a Node stream ends only when the stream is destroyed (a web
 * reader is cancelled), and handing the body over as a web stream (`Readable.toWeb`) throws
 * ERR_INVALID_STATE on Node 20 when the consumer stops early (see `file-stream.ts`).
 */
export function watchReadable(
  body: Readable,
  idleMs: number,
  signal?: AbortSignal,
): AsyncIterable<Uint8Array> & { destroy(): void } {
  let waitingSince: number | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const onAbort = () => {
    clearTimeout(timer);
    body.destroy(abortReason(signal as AbortSignal) as Error);
  };
  const watch = (ms: number) => {
    timer = setTimeout(() => {
      const waited = waitingSince === undefined ? 0 : Date.now() - waitingSince;
      if (waited < idleMs) watch(idleMs - waited);
      else body.destroy(timeoutError(idleMs));
    }, ms);
    timer.unref?.();
  };
  return {
    async *[Symbol.asyncIterator]() {
      if (signal?.aborted) throw abortReason(signal);
      signal?.addEventListener("abort", onAbort, { once: true });
      watch(idleMs);
      const chunks = body[Symbol.asyncIterator]() as AsyncIterator<Uint8Array>;
      let done = false;
      try {
        for (;;) {
          waitingSince = Date.now();
          const next = await chunks.next();
          waitingSince = undefined;
          if (signal?.aborted) throw abortReason(signal);
          if (next.done) {
            done = true;
            return;
          }
          yield next.value;
        }
      } finally {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        if (!done) drop(body);
      }
    },
    destroy() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      drop(body);
    },
  };
}

/** Ends a body nobody reads: a client fails an unfinished body on destroy, and nobody listens. */
export function drop(body: Readable): void {
  if (body.destroyed) return;
  body.on("error", () => undefined);
  body.destroy();
}
