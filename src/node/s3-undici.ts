/**
 * The signed S3 request path on Node, over `undici`: one keep-alive `Pool` per origin and its
 * `request()` API, which skips the WHATWG layers of `fetch` (Request/Response/Headers objects, web
 * streams) and costs a fraction of it per request; SigV4 hashes through `node:crypto`, which answers
 * synchronously where `crypto.subtle` goes through promises and a key import per HMAC. Loaded on the
 * first request of a backend that uses it (`s3.ts`), so neither undici nor this module is in any
 * other build.
 */
import { createHash, createHmac } from "node:crypto";
import { pipeline, type Readable } from "node:stream";
import { constants, createBrotliDecompress, createGunzip, createInflate } from "node:zlib";
import { type Dispatcher, Pool } from "undici";
import { fetchDecodes, parseCodings } from "../core/encoding.js";
import { abortReason } from "../core/errors.js";
import { progressViews, timeoutError } from "../core/transfer.js";
import { FetchTransport } from "../s3/fetch-transport.js";
import type { HttpAnswer, HttpRequest, S3HttpFactory } from "../s3/http.js";
import type { SigV4Crypto } from "../s3/sigv4.js";
import type { TransportConfig } from "../s3/transport.js";

/** SigV4's hashes over `node:crypto`. */
export const nodeCrypto: SigV4Crypto = {
  hmac: (key, data) => createHmac("sha256", key).update(data).digest(),
  sha256Hex: (data) => createHash("sha256").update(data).digest("hex"),
  // A raw key measures faster here than a cached KeyObject (Node 20).
  hmacHex: (key, data) => createHmac("sha256", key).update(data).digest("hex"),
};

/** An S3 HTTP client over undici pools, one per origin (virtual-hosted buckets each have theirs). */
export const undiciHttp: S3HttpFactory = ({ maxSockets }) => {
  const pools = new Map<string, Pool>();
  const poolOf = (origin: string): Pool => {
    let pool = pools.get(origin);
    if (pool === undefined) {
      pool = new Pool(origin, { connections: maxSockets });
      pools.set(origin, pool);
    }
    return pool;
  };
  return {
    async send(request) {
      const ms = request.timeoutMs;
      try {
        const answer = await poolOf(request.origin).request({
          method: request.method as "GET",
          path: request.path,
          headers: headersOf(request),
          // undici sends async iterables (its docs say so; `request()`'s types leave them out).
          body: bodyOf(request) as Uint8Array | string | undefined,
          signal: request.signal ?? null,
          // undici's own timers, on the connection: no AbortController and timer per request.
          headersTimeout: ms,
          bodyTimeout: ms,
        });
        return new UndiciAnswer(answer.statusCode, answer.headers, answer.body, ms);
      } catch (err) {
        throw asTimeout(err, ms);
      }
    },
    async close() {
      const all = [...pools.values()];
      pools.clear();
      // As the SDK's client does on destroy: connections (and anything still on them) end now.
      await Promise.all(all.map((pool) => pool.destroy().catch(() => undefined)));
    },
  };
};

/** The signed request path over {@link undiciHttp} and {@link nodeCrypto}: Node's `transport: "fetch"`. */
export class PooledTransport extends FetchTransport {
  constructor(config: TransportConfig) {
    super(config, undiciHttp, nodeCrypto);
  }
}

function headersOf(request: HttpRequest): Record<string, string> {
  if (typeof request.body !== "object" || request.onProgress === undefined) return request.headers;
  // A body given in pieces (for progress) would go out chunked without a length.
  return { ...request.headers, "content-length": String(request.body.length) };
}

/**
 * Bytes go out as they are (a socket write, no copy). With progress wanted, they go in views of
 * 1 MiB ({@link progressViews}), each reported once the connection asked for the next.
 */
function bodyOf(request: HttpRequest): Uint8Array | string | AsyncIterable<Uint8Array> | undefined {
  const { body, onProgress } = request;
  if (typeof body !== "object" || onProgress === undefined) return body;
  return (async function* () {
    yield* progressViews(body, onProgress);
  })();
}

type UndiciHeaders = Dispatcher.ResponseData["headers"];
type UndiciBody = Dispatcher.ResponseData["body"];

class UndiciAnswer implements HttpAnswer {
  readonly status: number;
  readonly #headers: UndiciHeaders;
  readonly #body: UndiciBody;
  readonly #timeoutMs: number;

  constructor(status: number, headers: UndiciHeaders, body: UndiciBody, timeoutMs: number) {
    this.status = status;
    this.#headers = headers;
    this.#body = body;
    this.#timeoutMs = timeoutMs;
  }

  header(name: string): string | undefined {
    const value = this.#headers[name];
    return Array.isArray(value) ? value.join(", ") : value;
  }

  text(): Promise<string> {
    return this.#body.text().catch((err: unknown) => Promise.reject(asTimeout(err, this.#timeoutMs)));
  }

  async bytes(): Promise<Uint8Array> {
    try {
      return new Uint8Array(await this.#body.arrayBuffer());
    } catch (err) {
      throw asTimeout(err, this.#timeoutMs);
    }
  }

  async discard(): Promise<void> {
    // `dump` reads a short rest so the connection is kept, and destroys a long one.
    await this.#body.dump().catch(() => undefined);
  }

  body(idleMs: number, signal?: AbortSignal): AsyncIterable<Uint8Array> & { destroy(): void } {
    const encoding = this.header("content-encoding");
    if (encoding === undefined || !this.decodes(encoding)) return watchReadable(this.#body, idleMs, signal);
    // Undone in the order opposite to the one they were applied in.
    const decoders = parseCodings(encoding).reverse().map(decoderOf);
    const decoded = pipeline([this.#body, ...decoders], () => undefined) as unknown as Readable;
    return watchReadable(decoded, idleMs, signal);
  }

  /**
   * `request()` hands over the bytes as stored, and the store decodes gzip and deflate itself; br it
   * cannot on Node 20 (no `DecompressionStream("br")`), so a body with br is decoded here with
   * `node:zlib`, all its codings, as `fetch` would have.
   */
  decodes(encoding: string): boolean {
    const codings = parseCodings(encoding);
    return codings.includes("br") && fetchDecodes(codings);
  }
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
function watchReadable(
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
          let next: IteratorResult<Uint8Array>;
          try {
            next = await chunks.next();
          } catch (err) {
            throw asTimeout(err, idleMs);
          }
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

/** undici's timeouts as the `TimeoutError` the retry policy knows. */
function asTimeout(err: unknown, ms: number): unknown {
  const code = (err as { code?: unknown } | null)?.code;
  return code === "UND_ERR_HEADERS_TIMEOUT" || code === "UND_ERR_BODY_TIMEOUT" ? timeoutError(ms, err) : err;
}

/** Ends a body nobody reads: undici fails an unfinished body on destroy, and nobody listens. */
function drop(body: Readable): void {
  if (body.destroyed) return;
  body.on("error", () => undefined);
  body.destroy();
}
