/**
 * How an {@link HttpBackend} reads, loaded with its first request: GETs and HEADs with retries of
 * transient failures, CORS diagnosis, and metadata from headers. See `http.ts` for the behaviour.
 */
import type { CallOptions, ObjectMeta, ReadOptions, ReadResult } from "../backend.js";
import { corsError, corsRefusal, redactUrl } from "../cors.js";
import { fetchDecodes, parseCodings } from "../encoding.js";
import {
  AutoStoreError,
  abortReason,
  BackendError,
  KeyNotFoundError,
  PermissionDeniedError,
  throwIfAborted,
} from "../errors.js";
import type { Logger } from "../options.js";
import type { RemoteResponse } from "../remote-body.js";
import { permanentTlsFailure } from "../tls-failure.js";
import {
  attemptSignal,
  backoffDelay,
  chunksOf,
  discardSource,
  emptyStream,
  headerFields,
  parseContentRange,
  sleep,
  timeoutError,
  watchIdle,
} from "../transfer.js";
import type { HttpBackend } from "./http.js";

/** What the request code needs of an {@link HttpBackend}. @internal */
export interface HttpConnection {
  readonly scheme: string;
  readonly urlKeys: boolean;
  readonly timeoutMs: number;
  readonly maxRetries: number;
  readonly retryDelayMs: number;
  readonly headers: Record<string, string>;
  readonly logger: Logger | undefined;
  readonly fetch: typeof fetch;
  /** The URL a key names. */
  url(key: string): URL;
  uri(key: string): string;
}

/** {@link HttpBackend.read}, the key checked; `head` is the backend's own. */
export async function httpRead(
  conn: HttpConnection,
  key: string,
  options: ReadOptions,
  head: () => Promise<ObjectMeta>,
): Promise<ReadResult> {
  const signal = options.signal;
  // The read path (resumption, whole-body checks) loads with the first read, not with the backend.
  const { remoteRead } = await import("../remote-read.js");
  return remoteRead(
    {
      key,
      uri: conn.uri(key),
      backend: conn.scheme,
      maxResumes: conn.maxRetries,
      get: (range, ifMatch, ifNoneMatch) => get(conn, key, range, ifMatch, signal, ifNoneMatch),
      head,
      ...(conn.logger ? { logger: conn.logger } : {}),
    },
    options,
  );
}

async function get(
  conn: HttpConnection,
  key: string,
  range: string | undefined,
  ifMatch: string | undefined,
  signal: AbortSignal | undefined,
  ifNoneMatch?: string,
): Promise<RemoteResponse> {
  const headers: Record<string, string> = {};
  if (range !== undefined) headers.range = range;
  if (ifMatch !== undefined) headers["if-match"] = ifMatch;
  if (ifNoneMatch !== undefined) headers["if-none-match"] = ifNoneMatch;
  const response = await request(conn, "GET", key, headers, signal, ifNoneMatch !== undefined);
  const out: RemoteResponse = {
    status: response.status,
    body: watchIdle(response.body ?? emptyStream(), conn.timeoutMs, signal),
  };
  Object.assign(out, headerMeta(response.headers));
  const length = response.headers.get("content-length");
  if (length !== null) out.contentLength = Number(length);
  const contentRange = response.headers.get("content-range");
  if (contentRange !== null) out.contentRange = contentRange;
  const encoding = response.headers.get("content-encoding");
  if (encoding !== null) {
    out.contentEncoding = encoding;
    out.decoded = fetchDecodes(parseCodings(encoding));
  }
  return out;
}

/** {@link HttpBackend.head}, the key checked. */
export async function httpHead(conn: HttpConnection, key: string, options: CallOptions): Promise<ObjectMeta> {
  let response: Response;
  try {
    response = await request(conn, "HEAD", key, {}, options.signal);
  } catch (err) {
    // Presigned GET URLs refuse HEAD (403), and some servers do not implement it (405, 501).
    if (!(err instanceof AutoStoreError) || ![403, 405, 501].includes(err.status ?? 0)) throw err;
    return headByRange(conn, key, options.signal);
  }
  await discardSource(response.body ?? undefined);
  const length = response.headers.get("content-length");
  // A HEAD without a length (a chunked answer) says nothing about the size: ask for one byte.
  if (length === null) return headByRange(conn, key, options.signal);
  return { key, size: Number(length), ...headerMeta(response.headers) };
}

/** Metadata from a one-byte GET: `Content-Range` carries the size. */
async function headByRange(
  conn: HttpConnection,
  key: string,
  signal: AbortSignal | undefined,
): Promise<ObjectMeta> {
  let response: Response;
  try {
    response = await request(conn, "GET", key, { range: "bytes=0-0" }, signal);
  } catch (err) {
    // An empty object has no byte 0: 416 with `Content-Range: bytes */0`.
    if (err instanceof AutoStoreError && err.status === 416)
      return { key, size: 0, modifiedTime: new Date(0) };
    throw err;
  }
  const total = parseContentRange(response.headers.get("content-range"))?.total;
  const length = response.headers.get("content-length");
  const size = response.status === 206 ? total : length === null ? undefined : Number(length);
  if (size !== undefined) {
    // A server that ignores Range sends everything: hang up after the headers.
    await discardSource(response.body ?? undefined);
    return { key, size, ...headerMeta(response.headers) };
  }
  // Neither a range nor a length (a chunked answer from a server that ignores Range): only the
  // body itself tells its size.
  let counted = 0;
  try {
    for await (const chunk of chunksOf(watchIdle(response.body ?? emptyStream(), conn.timeoutMs, signal))) {
      throwIfAborted(signal);
      counted += chunk.length;
    }
  } catch (err) {
    if (signal?.aborted) throw abortReason(signal);
    throw new BackendError(
      `head ${conn.uri(key)}: the server tells no size, and its body broke: ${describe(err)}`,
      {
        key,
        uri: conn.uri(key),
        backend: conn.scheme,
        status: response.status,
        cause: err,
      },
    );
  }
  return { key, size: counted, ...headerMeta(response.headers) };
}

/** One request with retries of transient failures; resolves with a 2xx answer, else throws ours. */
async function request(
  conn: HttpConnection,
  method: "GET" | "HEAD",
  key: string,
  headers: Record<string, string>,
  signal: AbortSignal | undefined,
  accept304 = false,
): Promise<Response> {
  const url = conn.url(key);
  // A presigned URL's query is a credential: messages and logs show the URL without it.
  const context = {
    key: conn.urlKeys ? redactUrl(key) : key,
    uri: redactUrl(url.href),
    backend: conn.scheme,
  };
  for (let retry = 0; ; retry++) {
    throwIfAborted(signal);
    conn.logger?.debug(
      `${conn.scheme}: ${method} ${context.uri}${headers.range ? ` (${headers.range})` : ""}`,
    );
    const attempt = attemptSignal(signal, conn.timeoutMs);
    let response: Response | undefined;
    let failure: unknown;
    try {
      response = await conn.fetch(url, {
        method,
        headers: { ...conn.headers, ...headers },
        signal: attempt.signal,
        // Freshness is the store's business (its cache, ETags, `ignoreCache`): a browser's HTTP
        // cache must not answer for the server.
        cache: "no-store",
      });
    } catch (err) {
      failure = attempt.timedOut() ? timeoutError(conn.timeoutMs, err) : err;
    } finally {
      attempt.clear();
    }
    if (signal?.aborted) {
      await discardSource(response?.body ?? undefined);
      throw abortReason(signal);
    }
    // In a page, a CORS refusal looks like a network failure; it is not transient.
    const origin = response ? undefined : await corsRefusal(failure, url, conn.fetch);
    if (origin !== undefined) {
      throw corsError({
        action: method,
        uri: url.href,
        server: `the server ${url.origin}`,
        methods: "GET and HEAD",
        origin,
        serverOrigin: url.origin,
        context: { ...context, cause: failure },
      });
    }
    // An untrusted certificate or a plain-HTTP port stays so: no retry.
    let transient = response !== undefined || permanentTlsFailure(failure) === undefined;
    let retryAfterMs: number | undefined;
    if (response) {
      if (response.ok || (accept304 && response.status === 304)) return response;
      await discardSource(response.body ?? undefined);
      failure = statusError(method, response, context);
      transient = response.status >= 500 || response.status === 429;
      const retryAfter = response.headers.get("retry-after");
      if (retryAfter !== null && /^\d+$/.test(retryAfter)) retryAfterMs = Number(retryAfter) * 1000;
    }
    if (!transient || retry >= conn.maxRetries) {
      if (failure instanceof AutoStoreError) throw failure;
      throw new BackendError(`${method} ${context.uri} failed: ${describe(failure)}`, {
        ...context,
        cause: failure,
      });
    }
    const delay = backoffDelay(retry + 1, conn.retryDelayMs, retryAfterMs);
    conn.logger?.info(
      `${conn.scheme}: retry ${retry + 1} of ${conn.maxRetries} after ${describe(failure)}, in ${delay} ms`,
    );
    await sleep(delay, signal);
  }
}

function describe(failure: unknown): string {
  if (failure instanceof Error) {
    const cause = failure.cause instanceof Error ? ` (${failure.cause.message})` : "";
    return `${failure.message}${cause}`;
  }
  return String(failure);
}

/** Header metadata, with the epoch for a server that sends no (or no readable) `Last-Modified`. */
function headerMeta(headers: Headers): { modifiedTime: Date; etag?: string; contentType?: string } {
  return { modifiedTime: new Date(0), ...headerFields(headers) };
}

function statusError(
  method: string,
  response: Response,
  context: { key: string; uri: string; backend: string },
) {
  const status = response.status;
  const where = { ...context, status };
  if (status === 404 || status === 410) return new KeyNotFoundError(`not found: ${context.uri}`, where);
  if (status === 401 || status === 403) {
    return new PermissionDeniedError(`${method} ${context.uri}: access denied (${status})`, where);
  }
  return new BackendError(
    `${method} ${context.uri} failed: HTTP ${status} ${response.statusText}`.trimEnd(),
    {
      ...where,
      backendCode: `HTTP ${status}`,
    },
  );
}
