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
import { ConfigError, ReadOnlyError, UnsupportedOperationError } from "../errors.js";
import { validateKey, validatePrefix } from "../keys.js";
import type { Logger, Options } from "../options.js";
import type { BackendFactory } from "../schemes.js";
import type { HttpConnection } from "./http-request.js";

// The request code (retries, CORS diagnosis, the read path) loads with the first request: a web app
// ships this class with every build, since it is exported, but reads over HTTP only when it does.
const loadRequest = () => import("./http-request.js");

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
  readonly #headers: Record<string, string>;
  readonly #conn: HttpConnection;

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
    this.#headers = { ...init.headers };
    const given = init.fetch ?? (globalThis as { fetch?: typeof fetch }).fetch;
    if (!given) throw new ConfigError("the HTTP backend needs fetch, which this runtime lacks");
    this.urlKeys = init.keys === "urls";
    this.#conn = {
      scheme: this.scheme,
      urlKeys: this.urlKeys,
      timeoutMs: Math.round((init.timeout ?? 30) * 1000),
      maxRetries: init.maxRetries ?? 3,
      retryDelayMs: Math.round((init.retryDelay ?? 1) * 1000),
      headers: this.#headers,
      logger: init.logger,
      // Called detached: a browser's fetch throws "Illegal invocation" when called as a method of ours.
      fetch: (input, request) => given(input, request),
      url: (key) => this.#url(key),
      uri: (key) => this.uri(key),
    };
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
    const { httpRead } = await loadRequest();
    return httpRead(this.#conn, key, options, () =>
      this.head(key, options.signal ? { signal: options.signal } : {}),
    );
  }

  async head(key: string, options: CallOptions = {}): Promise<ObjectMeta> {
    validateKey(key);
    return (await loadRequest()).httpHead(this.#conn, key, options);
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
