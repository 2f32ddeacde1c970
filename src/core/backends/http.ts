/**
 * A read-only backend over `fetch` for `http://` and `https://` roots: static file servers, CDNs,
 * public buckets and presigned URLs, in every runtime.
 *
 * - A key is a name: each segment is percent-encoded into the URL (everything but RFC 3986's
 *   unreserved characters), so `scan?1.json` asks for `scan%3F1.json`, `100%.json` for `100%25.json`
 *   and `a%2Fb.json` for `a%252Fb.json`. Full-URI keys (`https://host/a%20b.json?X-Amz-Signature=…`)
 *   are URLs: the store opens them with `keys: "urls"`, which keeps their escapes and query (so a
 *   presigned URL works as a key); `#` is taken literally there.
 * - A body with a `Content-Encoding` (pre-compressed files, CDNs) is the decoded value: fetch decodes
 *   gzip, deflate and br, and the read takes its size from the decoded bytes (see `whole-read.ts`).
 * - `read` does ranges (suffix ranges too), conditional reads and resumes a broken download with a
 *   ranged GET pinned to the ETag; a server that ignores `Range` is read only up to the range's end.
 * - `head` uses HEAD, and where HEAD is refused (presigned GET URLs answer 403: the signature covers
 *   the method) a one-byte ranged GET (`Range: bytes=0-0`), whose `Content-Range` tells the size.
 * - `list` cannot work over plain HTTP (there is no listing) and throws
 *   {@link UnsupportedOperationError}; the store then finds only exactly named files (so
 *   `store.get(presignedUrl, { format: "json" })` reads a presigned URL whose path has no extension).
 * - `write`, `delete` and `copy` throw {@link ReadOnlyError}.
 * - Transient failures (5xx, 429, resets, timeouts) are retried `maxRetries` times with backoff.
 */
import type {
  Backend,
  CallOptions,
  Capabilities,
  CommonPrefix,
  ListedObject,
  ListOptions,
  ObjectMeta,
  ReadOptions,
  ReadResult,
  WriteOptions,
} from "../backend.js";
import { sha256Hex } from "../cache/storage.js";
import { corsError, corsRefusal, redactUrl } from "../cors.js";
import { fetchDecodes, parseCodings } from "../encoding.js";
import {
  AutoStoreError,
  abortReason,
  BackendError,
  ConfigError,
  KeyNotFoundError,
  PermissionDeniedError,
  ReadOnlyError,
  throwIfAborted,
  UnsupportedOperationError,
} from "../errors.js";
import { validateKey, validatePrefix } from "../keys.js";
import type { Logger, Options } from "../options.js";
import type { RemoteResponse } from "../remote-body.js";
import type { BackendFactory } from "../schemes.js";
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

/** How an {@link HttpBackend} is made. */
export interface HttpBackendInit {
  /** `http` or `https`. @default the root URL's */
  scheme?: string;
  /** Seconds one attempt may wait for an answer (and a body may stall). @default 30 */
  timeout?: number;
  /** Retries of a transient failure. @default 3 */
  maxRetries?: number;
  /** Base of the exponential backoff, in seconds. @default 1 */
  retryDelay?: number;
  /** Headers sent with every request (e.g. `authorization`). */
  headers?: Record<string, string>;
  logger?: Logger;
  /** The `fetch` to use. @default globalThis.fetch */
  fetch?: typeof fetch;
  /**
   * What a key is. `"names"`: a file name under the root, each segment percent-encoded into the URL.
   * `"urls"`: a URL path relative to the root as a URL spells it, escapes and query kept (full-URI
   * keys and presigned URLs arrive so).
   * @default "names"
   */
  keys?: "names" | "urls";
}

const READ_ONLY_CAPABILITIES: Capabilities = {
  rangeRead: true,
  presign: false,
  multipart: false,
  writable: false,
  conditionalWrite: false,
};

/** Files under an HTTP(S) URL, read-only; see the module comment. */
export class HttpBackend implements Backend {
  readonly scheme: string;
  readonly root: string;
  readonly capabilities: Capabilities = { ...READ_ONLY_CAPABILITIES };
  /** True when keys are URL references (`keys: "urls"`), false when they are names. */
  readonly urlKeys: boolean;
  readonly #base: URL;
  readonly #timeoutMs: number;
  readonly #maxRetries: number;
  readonly #retryDelayMs: number;
  readonly #headers: Record<string, string>;
  readonly #logger: Logger | undefined;
  readonly #fetch: typeof fetch;

  /**
   * @param root `https://host/base/`, or what follows `scheme://` (`host/base/`) with `init.scheme`.
   */
  constructor(root: string, init: HttpBackendInit = {}) {
    const match = /^(https?):\/\/(.*)$/is.exec(root);
    this.scheme = (init.scheme ?? match?.[1] ?? "https").toLowerCase();
    const rest = match ? (match[2] as string) : root;
    let base: URL;
    try {
      base = new URL(`${this.scheme}://${rest}`);
    } catch (err) {
      throw new ConfigError(`${this.scheme}://${rest}: not a valid URL`, { cause: err });
    }
    // A base that does not end in `/` would lose its last segment when keys are resolved against it.
    if (!base.pathname.endsWith("/")) base.pathname += "/";
    base.search = "";
    base.hash = "";
    this.#base = base;
    this.root = base.href;
    this.#timeoutMs = Math.round((init.timeout ?? 30) * 1000);
    this.#maxRetries = init.maxRetries ?? 3;
    this.#retryDelayMs = Math.round((init.retryDelay ?? 1) * 1000);
    this.#headers = { ...init.headers };
    this.#logger = init.logger;
    const given = init.fetch ?? (globalThis as { fetch?: typeof fetch }).fetch;
    if (!given) throw new ConfigError("the HTTP backend needs fetch, which this runtime lacks");
    // Called detached: a browser's fetch throws "Illegal invocation" when called as a method of ours.
    this.#fetch = (input, request) => given(input, request);
    this.urlKeys = init.keys === "urls";
  }

  /**
   * A hash of the request headers, which may carry credentials or choose what the server sends; see
   * {@link Backend.cacheIdentity}. Empty without headers: the URL alone names the object.
   */
  async cacheIdentity(): Promise<string> {
    const headers = Object.entries(this.#headers)
      .map(([name, value]) => [name.toLowerCase(), value])
      .sort(([a], [b]) => ((a as string) < (b as string) ? -1 : 1));
    return headers.length === 0 ? "" : `headers:${await sha256Hex(JSON.stringify(headers))}`;
  }

  /** The URL a key names. */
  uri(key: string): string {
    return this.#url(key).href;
  }

  #url(key: string): URL {
    if (!this.urlKeys) return new URL(this.#base.href + key.split("/").map(encodeSegment).join("/"));
    // `./` keeps a first segment with a colon from reading as a scheme; `#` can only mean itself here.
    return new URL(`./${key.replaceAll("#", "%23")}`, this.#base);
  }

  async read(key: string, options: ReadOptions = {}): Promise<ReadResult> {
    validateKey(key);
    const signal = options.signal;
    // The read path (resumption, whole-body checks) loads with the first read, not with the build.
    const { remoteRead } = await import("../remote-read.js");
    return remoteRead(
      {
        key,
        uri: this.uri(key),
        backend: this.scheme,
        maxResumes: this.#maxRetries,
        get: (range, ifMatch, ifNoneMatch) => this.#get(key, range, ifMatch, signal, ifNoneMatch),
        head: () => this.head(key, signal ? { signal } : {}),
        ...(this.#logger ? { logger: this.#logger } : {}),
      },
      options,
    );
  }

  async #get(
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
    const response = await this.#request("GET", key, headers, signal, ifNoneMatch !== undefined);
    const out: RemoteResponse = {
      status: response.status,
      body: watchIdle(response.body ?? emptyStream(), this.#timeoutMs, signal),
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

  async head(key: string, options: CallOptions = {}): Promise<ObjectMeta> {
    validateKey(key);
    let response: Response;
    try {
      response = await this.#request("HEAD", key, {}, options.signal);
    } catch (err) {
      // Presigned GET URLs refuse HEAD (403), and some servers do not implement it (405, 501).
      if (!(err instanceof AutoStoreError) || ![403, 405, 501].includes(err.status ?? 0)) throw err;
      return this.#headByRange(key, options.signal);
    }
    await discardSource(response.body ?? undefined);
    const length = response.headers.get("content-length");
    // A HEAD without a length (a chunked answer) says nothing about the size: ask for one byte.
    if (length === null) return this.#headByRange(key, options.signal);
    return { key, size: Number(length), ...headerMeta(response.headers) };
  }

  /** Metadata from a one-byte GET: `Content-Range` carries the size. */
  async #headByRange(key: string, signal: AbortSignal | undefined): Promise<ObjectMeta> {
    let response: Response;
    try {
      response = await this.#request("GET", key, { range: "bytes=0-0" }, signal);
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
      for await (const chunk of chunksOf(
        watchIdle(response.body ?? emptyStream(), this.#timeoutMs, signal),
      )) {
        throwIfAborted(signal);
        counted += chunk.length;
      }
    } catch (err) {
      if (signal?.aborted) throw abortReason(signal);
      throw new BackendError(
        `head ${this.uri(key)}: the server tells no size, and its body broke: ${describe(err)}`,
        {
          key,
          uri: this.uri(key),
          backend: this.scheme,
          status: response.status,
          cause: err,
        },
      );
    }
    return { key, size: counted, ...headerMeta(response.headers) };
  }

  /**
   * Plain HTTP has no listing: throws {@link UnsupportedOperationError}. (The store then finds only
   * exactly named files, such as a presigned URL.)
   */
  // biome-ignore lint/correctness/useYield: a generator, so the refusal comes when the listing is iterated, as every backend's errors do
  async *list(prefix: string, _options: ListOptions = {}): AsyncIterable<ListedObject | CommonPrefix> {
    validatePrefix(prefix);
    throw new UnsupportedOperationError(
      `list ${this.uri(prefix)}: HTTP has no listings; name files with their extension (a.json), or use a backend that lists`,
      { key: prefix, uri: this.uri(prefix), backend: this.scheme },
    );
  }

  async write(
    key: string,
    _body?: Uint8Array | ReadableStream<Uint8Array>,
    _options?: WriteOptions,
  ): Promise<ObjectMeta> {
    throw this.#readOnly("write", key);
  }

  async delete(key: string, _options?: CallOptions): Promise<void> {
    throw this.#readOnly("delete", key);
  }

  async copy(_from: string, to: string, _options?: CallOptions): Promise<ObjectMeta> {
    throw this.#readOnly("copy to", to);
  }

  toString(): string {
    return `HttpBackend(${this.root})`;
  }

  #readOnly(action: string, key: string): ReadOnlyError {
    return new ReadOnlyError(`${action} ${this.uri(key)}: the ${this.scheme} backend is read-only`, {
      key,
      uri: this.uri(key),
      backend: this.scheme,
    });
  }

  /** One request with retries of transient failures; resolves with a 2xx answer, else throws ours. */
  async #request(
    method: "GET" | "HEAD",
    key: string,
    headers: Record<string, string>,
    signal: AbortSignal | undefined,
    accept304 = false,
  ): Promise<Response> {
    const url = this.#url(key);
    // A presigned URL's query is a credential: messages and logs show the URL without it.
    const context = {
      key: this.urlKeys ? redactUrl(key) : key,
      uri: redactUrl(url.href),
      backend: this.scheme,
    };
    for (let retry = 0; ; retry++) {
      throwIfAborted(signal);
      this.#logger?.debug(
        `${this.scheme}: ${method} ${context.uri}${headers.range ? ` (${headers.range})` : ""}`,
      );
      const attempt = attemptSignal(signal, this.#timeoutMs);
      let response: Response | undefined;
      let failure: unknown;
      try {
        response = await this.#fetch(url, {
          method,
          headers: { ...this.#headers, ...headers },
          signal: attempt.signal,
          // Freshness is the store's business (its cache, ETags, `ignoreCache`): a browser's HTTP
          // cache must not answer for the server.
          cache: "no-store",
        });
      } catch (err) {
        failure = attempt.timedOut() ? timeoutError(this.#timeoutMs, err) : err;
      } finally {
        attempt.clear();
      }
      if (signal?.aborted) {
        await discardSource(response?.body ?? undefined);
        throw abortReason(signal);
      }
      // In a page, a CORS refusal looks like a network failure; it is not transient.
      const origin = response ? undefined : await corsRefusal(failure, url, this.#fetch);
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
      let transient = true;
      let retryAfterMs: number | undefined;
      if (response) {
        if (response.ok || (accept304 && response.status === 304)) return response;
        await discardSource(response.body ?? undefined);
        failure = statusError(method, response, context);
        transient = response.status >= 500 || response.status === 429;
        const retryAfter = response.headers.get("retry-after");
        if (retryAfter !== null && /^\d+$/.test(retryAfter)) retryAfterMs = Number(retryAfter) * 1000;
      }
      if (!transient || retry >= this.#maxRetries) {
        if (failure instanceof AutoStoreError) throw failure;
        throw new BackendError(`${method} ${context.uri} failed: ${describe(failure)}`, {
          ...context,
          cause: failure,
        });
      }
      const delay = backoffDelay(retry + 1, this.#retryDelayMs, retryAfterMs);
      this.#logger?.info(
        `${this.scheme}: retry ${retry + 1} of ${this.#maxRetries} after ${describe(failure)}, in ${delay} ms`,
      );
      await sleep(delay, signal);
    }
  }
}

/**
 * One segment of a name in a URL path: everything but RFC 3986's unreserved characters escaped,
 * `+`, `=`, `&` and `'` included (S3 and other servers read `+` in a path as a space).
 */
function encodeSegment(segment: string): string {
  return encodeURIComponent(segment).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
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

/** The HTTP(S) backend as a scheme factory (kind `"http"`), for `http://` and `https://`. */
export const httpBackendFactory: BackendFactory = {
  kind: "http",
  open: (root, { scheme, options, uriKeys }) =>
    new HttpBackend(root, { ...httpInit(scheme, options), keys: uriKeys ? "urls" : "names" }),
};

function httpInit(scheme: string, options: Options): HttpBackendInit {
  const init: HttpBackendInit = {
    scheme,
    timeout: options.timeout,
    maxRetries: options.maxRetries,
    retryDelay: options.retryDelay,
  };
  if (options.logger) init.logger = options.logger;
  return init;
}
