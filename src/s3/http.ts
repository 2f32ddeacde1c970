/**
 * How the signed request path (`fetch-transport.ts`) puts requests on the wire: an {@link S3Http}.
 * Every runtime has {@link fetchHttp} (the global `fetch`); the Node build injects a client over
 * `node:http` keep-alive agents (`src/node/s3-node-http.ts`), which costs far less per request than
 * `fetch` and needs no WebAssembly parser. Keeping the choice behind this interface keeps `node:http`
 * out of the browser and edge bundles.
 */
import { fetchDecodes, parseCodings } from "../core/encoding.js";
import {
  attemptSignal,
  type ByteSource,
  emptyStream,
  progressViews,
  timeoutError,
  watchIdle,
} from "../core/transfer.js";
import { HAS_XHR, xhrSend } from "./xhr-send.js";

/** One request, signed and ready to send. */
export interface HttpRequest {
  method: string;
  /** `http://host[:port]` or `https://…`, no trailing slash. */
  origin: string;
  /** The encoded path and query, as signed (`/bucket/key?list-type=2`). */
  path: string;
  /** Lower-case names; no `host` (the client sets it from `origin`). */
  headers: Record<string, string>;
  /** Fixed bytes; sent with a `content-length` and without a copy where the client can. */
  body?: Uint8Array | string;
  /** Bytes of `body` handed to the connection so far, every 1 MiB, where the client can tell. */
  onProgress?: (loaded: number) => void;
  /** The caller's: ends the request, and the body while it is read through {@link HttpAnswer}, with its reason. */
  signal?: AbortSignal;
  /**
   * How long to wait for the answer's headers, and (reading a body with `text`/`bytes`) for each
   * piece of it; past it, the request fails with an error named `TimeoutError`.
   */
  timeoutMs: number;
}

/** The answer's status and headers; the body is read (or dropped) once, by one of the methods. */
export interface HttpAnswer {
  readonly status: number;
  /** A header's value (`name` in lower case), or undefined. */
  header(name: string): string | undefined;
  /** The whole body as text. */
  text(): Promise<string>;
  /** The whole body's bytes (as stored: use it for bodies without a `Content-Encoding`). */
  bytes(): Promise<Uint8Array>;
  /** Drops the body, so its connection is free again. Never throws. */
  discard(): Promise<void>;
  /**
   * The body to hand on: fails with a `TimeoutError` when a read waits more than `idleMs`, and ends
   * with the signal's reason when `signal` aborts (the request's signal no longer reaches it).
   */
  body(idleMs: number, signal?: AbortSignal): ByteSource & { destroy(): void };
  /** Whether the body of an object stored with `Content-Encoding` arrives decoded. */
  decodes(encoding: string): boolean;
}

/** Sends requests; one per backend, closed with it. */
export interface S3Http {
  send(request: HttpRequest): Promise<HttpAnswer>;
  close(): Promise<void>;
}

/** Makes the {@link S3Http} of one backend; `maxSockets` is the connections kept per host. */
export type S3HttpFactory = (options: { maxSockets: number }) => S3Http;

/**
 * Node's `fetch` (undici) copies a byte body before sending it: a 64 MiB PUT held twice. A stream over
 * the same bytes, with its length declared, goes out as it is. Browsers stream request bodies only
 * over HTTP/2 (or not at all), so elsewhere the bytes are given as they are.
 */
const STREAMS_FIXED_LENGTH_BODIES =
  typeof (globalThis as { process?: { versions?: { undici?: unknown } } }).process?.versions?.undici ===
  "string";

/** {@link S3Http} over the global `fetch`: browsers, edge runtimes, and Node when nothing else is injected. */
export const fetchHttp: S3HttpFactory = () => ({
  async send(request) {
    // The timer runs until the body is read (or handed on): fetch's signal reaches the body too.
    const attempt = attemptSignal(request.signal, request.timeoutMs);
    const init: RequestInit & { duplex?: "half" } = {
      method: request.method,
      headers: request.headers,
      signal: attempt.signal,
      // Freshness is the store's business (its cache, ETags, `ignoreCache`): a browser's HTTP
      // cache must not answer for the bucket.
      cache: "no-store",
    };
    const body = request.body;
    // A page can watch a one-shot upload leave only through XHR (see xhr-send.ts).
    const onUpload =
      typeof body === "object" && HAS_XHR && !STREAMS_FIXED_LENGTH_BODIES ? request.onProgress : undefined;
    if (typeof body === "object" && STREAMS_FIXED_LENGTH_BODIES) {
      init.headers = { ...request.headers, "content-length": String(body.length) };
      init.body = bytesStream(body, request.onProgress);
      init.duplex = "half";
    } else if (body !== undefined) init.body = body as BodyInit;
    try {
      const url = request.origin + request.path;
      const response =
        onUpload && typeof body === "object"
          ? await xhrSend(new URL(url), { ...request, body, signal: attempt.signal }, onUpload)
          : await fetch(url, init);
      return fetchAnswer(response, attempt, request.timeoutMs);
    } catch (err) {
      attempt.clear();
      throw attempt.timedOut() ? timeoutError(request.timeoutMs, err) : err;
    }
  },
  async close() {},
});

function fetchAnswer(
  response: Response,
  attempt: ReturnType<typeof attemptSignal>,
  timeoutMs: number,
): HttpAnswer {
  const read = async <T>(how: () => Promise<T>): Promise<T> => {
    try {
      return await how();
    } catch (err) {
      throw attempt.timedOut() ? timeoutError(timeoutMs, err) : err;
    } finally {
      attempt.clear();
    }
  };
  return {
    status: response.status,
    header: (name) => response.headers.get(name) ?? undefined,
    text: () => read(() => response.text()),
    bytes: () => read(async () => new Uint8Array(await response.arrayBuffer())),
    discard: () => read(async () => response.body?.cancel()).catch(() => undefined),
    body: (idleMs, signal) => {
      // From here the idle watch bounds the body, and the caller's signal reaches it through `signal`.
      attempt.clear();
      return watchIdle(response.body ?? emptyStream(), idleMs, signal);
    },
    decodes: (encoding) => fetchDecodes(parseCodings(encoding)),
  };
}

/**
 * The bytes as a stream, without a copy: one chunk, or with `report` the views of
 * {@link progressViews} pulled one at a time (no read-ahead), each reported once the connection took it.
 */
function bytesStream(bytes: Uint8Array, report?: (loaded: number) => void): ReadableStream<Uint8Array> {
  if (!report) {
    return new ReadableStream({
      start(controller) {
        if (bytes.length > 0) controller.enqueue(bytes);
        controller.close();
      },
    });
  }
  const views = progressViews(bytes, report);
  return new ReadableStream(
    {
      pull(controller) {
        const next = views.next();
        if (next.done) controller.close();
        else controller.enqueue(next.value);
      },
    },
    { highWaterMark: 0 },
  );
}
