/**
 * What an {@link S3Backend} does, loaded with its first request: reads, writes (single PUT or
 * multipart), listings, deletes, server-side copies and presigned URLs over the request path the
 * backend names, with every failure mapped onto the store's errors. See `backend.ts` for how S3
 * services differ and how this copes.
 */
import {
  bytesResult,
  type CallOptions,
  type CommonPrefix,
  copyAcross,
  type DeleteOptions,
  type ListedObject,
  type ListOptions,
  type ObjectMeta,
  type ReadOptions,
  type ReadResult,
  sameEtag,
  type WriteOptions,
} from "../core/backend.js";
import {
  BackendError,
  ConfigError,
  KeyNotFoundError,
  throwIfAborted,
  UnsupportedOperationError,
} from "../core/errors.js";
import { validateKey, validatePrefix } from "../core/keys.js";
import { contentTypeFor, knownContentType } from "../core/mime.js";
import { metaOf, type RemoteObject, type RemoteResponse } from "../core/remote-body.js";
import { tapStream } from "../core/tap-stream.js";
import { peekStream } from "../core/transfer.js";
import type { S3Backend, TransportLoader } from "./backend.js";
import type { S3Credentials, S3Options } from "./options.js";
import {
  type ListOutput,
  type S3Transport,
  type TransportConfig,
  WholeBody,
  type WriteOutput,
} from "./transport.js";

/** S3 copies at most 5 GiB in one request; larger objects are copied by streaming them. */
const MAX_COPY_SIZE = 5 * 1024 ** 3;
/** SigV4 presigned URLs live at most 7 days. */
const MAX_PRESIGN_SECONDS = 7 * 24 * 3600;
// Characters `encodeURI` leaves as they are but `encodeURIComponent` escapes: a key with one of them
// has two different `CopySource` spellings.
const RESERVED_IN_COPY_SOURCE = /[;,?:@&=+$#]/;

// Loaded with the first request and kept: an `import()` per request costs a module-map lookup and
// promise jobs (and a round trip to the loader thread under a loader such as tsx).
let remoteReadModule: typeof import("../core/remote-read.js") | undefined;
let errorsModule: typeof import("./errors.js") | undefined;

/** The request code of one {@link S3Backend}, holding its transport. @internal */
export class S3Requests {
  readonly #backend: S3Backend;
  readonly #options: S3Options;
  readonly #loader: TransportLoader;
  readonly #isClosed: () => boolean;
  #transport: Promise<S3Transport> | undefined;
  /** The transport once made (and the error mapping loaded): requests skip the promise. */
  #ready: S3Transport | undefined;

  constructor(backend: S3Backend, options: S3Options, loader: TransportLoader, isClosed: () => boolean) {
    this.#backend = backend;
    this.#options = options;
    this.#loader = loader;
    this.#isClosed = isClosed;
  }

  /** Destroys the transport, if one was made. */
  async close(): Promise<void> {
    const transport = this.#transport;
    this.#transport = undefined;
    this.#ready = undefined;
    if (transport) (await transport.catch(() => undefined))?.destroy();
  }

  // ---- reading ----

  async read(key: string, options: ReadOptions = {}): Promise<ReadResult> {
    validateKey(key);
    const signal = options.signal;
    const object: RemoteObject = {
      key,
      uri: this.#backend.uri(key),
      backend: this.#backend.scheme,
      maxResumes: this.#options.maxRetries,
      get: (range, ifMatch, ifNoneMatch) =>
        this.#call("read", key, signal, (t) =>
          t.getObject({
            bucket: this.#backend.bucket,
            key: this.#backend.prefix + key,
            range,
            ifMatch,
            ifNoneMatch,
            signal,
          }),
        ),
      head: () => this.#backend.head(key, signal ? { signal } : {}),
    };
    if (this.#options.logger) object.logger = this.#options.logger;
    if (options.range === undefined && options.onProgress === undefined) {
      // A whole small object the request path read in one buffer is the answer as it is; anything
      // else (a long body, a 304, an encoded one) goes through the shared read path, which then takes
      // this first answer instead of asking again.
      const out = await object.get(undefined, options.ifMatch, options.ifNoneMatch);
      if (
        out.status === 200 &&
        out.body instanceof WholeBody &&
        out.contentEncoding === undefined &&
        out.contentLength === out.body.bytes.length
      ) {
        return bytesResult(metaOf(key, out, out.contentLength), out.body.bytes);
      }
      const get = object.get;
      let first: RemoteResponse | undefined = out;
      object.get = (range, ifMatch, ifNoneMatch) => {
        const answer = first;
        first = undefined;
        return answer ? Promise.resolve(answer) : get(range, ifMatch, ifNoneMatch);
      };
    }
    // The read path (resumption, whole-body checks) loads with the first read, not with the build.
    remoteReadModule ??= await import("../core/remote-read.js");
    return remoteReadModule.remoteRead(object, options);
  }

  async head(key: string, options: CallOptions = {}): Promise<ObjectMeta> {
    validateKey(key);
    const info = await this.#call("head", key, options.signal, (t) =>
      t.headObject({ bucket: this.#backend.bucket, key: this.#backend.prefix + key, signal: options.signal }),
    );
    const meta: ObjectMeta = { key, size: info.size, modifiedTime: info.modifiedTime ?? new Date(0) };
    if (info.etag !== undefined) meta.etag = info.etag;
    if (info.contentType !== undefined) meta.contentType = info.contentType;
    return meta;
  }

  // ---- writing ----

  async write(
    key: string,
    body: Uint8Array | ReadableStream<Uint8Array>,
    options: WriteOptions = {},
  ): Promise<ObjectMeta> {
    validateKey(key);
    throwIfAborted(options.signal);
    const create = options.mode === "create";
    if (create && !this.#backend.capabilities.conditionalWrite && (await this.#exists(key, options.signal))) {
      throw this.#alreadyExists(key);
    }
    // The common types answer without an await.
    const contentType = options.contentType ?? knownContentType(key) ?? (await contentTypeFor(key));
    const threshold = this.#options.multipartThreshold;
    let data: Uint8Array | undefined;
    let stream: ReadableStream<Uint8Array> | undefined;
    // Not `instanceof`: bytes made in another realm (an iframe, a vm context) are bytes too.
    if (ArrayBuffer.isView(body)) data = body;
    // Known to need parts (a streamed copy): holding the first `threshold` bytes would only cost memory.
    else if (options.size !== undefined && options.size > threshold) stream = body;
    else {
      // Read up to the threshold: a stream that ends within it goes up in one PUT (which the SDK can
      // retry, having the bytes), a longer one in parts.
      const peeked = await peekStream(body, threshold, options.signal);
      if (peeked.done) data = peeked.bytes;
      else stream = peeked.rest;
    }
    let out: WriteOutput;
    let size: number;
    try {
      if (data !== undefined && data.length <= threshold) {
        size = data.length;
        const bytes = data;
        const total = size;
        const onProgress = options.onProgress;
        out = await this.#call("write", key, options.signal, (t) =>
          t.putObject({
            bucket: this.#backend.bucket,
            key: this.#backend.prefix + key,
            body: bytes,
            contentType,
            ...(create ? { ifNoneMatch: "*" } : {}),
            signal: options.signal,
            ...(onProgress
              ? {
                  onProgress: (loaded: number) => {
                    // The whole body is reported below, once the object is stored.
                    if (loaded < total) onProgress({ loaded, total });
                  },
                }
              : {}),
          }),
        );
        onProgress?.({ loaded: total, total });
      } else {
        let counted = 0;
        const source =
          data ??
          // A tap, not a TransformStream: a byte source (a local file) stays one, so the upload
          // reads it straight into its part buffers.
          tapStream(stream as ReadableStream<Uint8Array>, {
            onChunk: (length) => {
              counted += length;
            },
          });
        const total = data?.length ?? options.size;
        const onProgress = options.onProgress;
        out = await this.#call("write", key, options.signal, (t) =>
          t.upload({
            bucket: this.#backend.bucket,
            key: this.#backend.prefix + key,
            body: source,
            ...(total === undefined ? {} : { size: total }),
            contentType,
            ...(create ? { ifNoneMatch: "*" } : {}),
            partSize: this.#options.multipartChunkSize,
            queueSize: this.#options.maxConcurrency,
            signal: options.signal,
            ...(onProgress ? { onProgress: (loaded: number) => onProgress({ loaded, total }) } : {}),
          }),
        );
        size = data?.length ?? counted;
      }
    } catch (err) {
      if (create && err instanceof BackendError && err.status === 412) throw this.#alreadyExists(key, err);
      throw err;
    }
    const meta: ObjectMeta = { key, size, modifiedTime: out.serverTime ?? new Date(), contentType };
    if (out.etag !== undefined) meta.etag = out.etag;
    return meta;
  }

  async #exists(key: string, signal: AbortSignal | undefined): Promise<boolean> {
    try {
      await this.#backend.head(key, signal ? { signal } : {});
      return true;
    } catch (err) {
      if (err instanceof KeyNotFoundError) return false;
      throw err;
    }
  }

  #alreadyExists(key: string, cause?: unknown): BackendError {
    return new BackendError(`write ${this.#backend.uri(key)}: already exists`, {
      key,
      uri: this.#backend.uri(key),
      backend: this.#backend.scheme,
      status: 412,
      backendCode: "PreconditionFailed",
      cause,
    });
  }

  // ---- listing ----

  async *list(prefix: string, options: ListOptions = {}): AsyncIterable<ListedObject | CommonPrefix> {
    validatePrefix(prefix);
    const root = this.#backend.prefix;
    let token: string | undefined;
    do {
      const continuation = token;
      const page = await this.#call("list", prefix, options.signal, (t) =>
        t.listObjects({
          bucket: this.#backend.bucket,
          prefix: root + prefix,
          ...(options.delimiter ? { delimiter: "/" } : {}),
          ...(continuation === undefined ? {} : { continuationToken: continuation }),
          signal: options.signal,
        }),
      );
      for (const entry of mergePage(page.objects, page.prefixes)) {
        if ("prefix" in entry) {
          yield { prefix: entry.prefix.slice(root.length) };
          continue;
        }
        const key = entry.key.slice(root.length);
        // Zero-byte "folder" markers that consoles create are not files of the store; folder checks
        // and recursive deletes ask for them. The root's own marker is the root, never listed.
        if (key === "" || (key.endsWith("/") && !options.markers)) continue;
        const listed: ListedObject = { key };
        if (entry.size !== undefined) listed.size = entry.size;
        if (entry.modifiedTime !== undefined) listed.modifiedTime = entry.modifiedTime;
        if (entry.etag !== undefined) listed.etag = entry.etag;
        yield listed;
      }
      token = page.nextToken;
    } while (token !== undefined);
  }

  // ---- deleting and copying ----

  /** Deletes an object, or a folder marker (`folder/`, as `list` with `markers` names them). */
  async delete(key: string, options: DeleteOptions = {}): Promise<void> {
    validateKey(key, { allowTrailingSlash: true });
    // S3 deletes a missing key without complaint; the contract says KeyNotFoundError. The same HEAD
    // checks `ifMatch` (two requests: not every S3-compatible service has conditional deletes).
    const info = await this.#call("head", key, options.signal, (t) =>
      t.headObject({ bucket: this.#backend.bucket, key: this.#backend.prefix + key, signal: options.signal }),
    );
    if (options.ifMatch !== undefined && !sameEtag(info.etag, options.ifMatch)) return;
    await this.#call("delete", key, options.signal, (t) =>
      t.deleteObject({
        bucket: this.#backend.bucket,
        key: this.#backend.prefix + key,
        signal: options.signal,
      }),
    );
  }

  /** {@link S3Backend.copy} and {@link S3Backend.copyFrom}: a server-side copy (CopyObject), pinned to the source's version; over 5 GiB, a streamed one. */
  async serverCopy(source: S3Backend, from: string, to: string, options: CallOptions): Promise<ObjectMeta> {
    validateKey(to);
    const original = await source.head(from, options);
    if (original.size > MAX_COPY_SIZE) return copyAcross(source, from, this.#backend, to, options);
    const fullFrom = source.prefix + from;
    const attempt = (copySource: string) =>
      this.#call("copy", to, options.signal, (t) =>
        t.copyObject({
          bucket: this.#backend.bucket,
          key: this.#backend.prefix + to,
          copySource,
          ...(original.etag === undefined ? {} : { ifMatch: original.etag }),
          signal: options.signal,
        }),
      );
    let out: Awaited<ReturnType<typeof attempt>>;
    try {
      out = await attempt(
        `${encodeURIComponent(source.bucket)}/${fullFrom.split("/").map(encodeURIComponent).join("/")}`,
      );
    } catch (err) {
      // The HEAD just found the source: "no such key" here means the server decoded the name
      // differently (s3rver decodes CopySource with decodeURI).
      if (!(err instanceof KeyNotFoundError) || !RESERVED_IN_COPY_SOURCE.test(fullFrom)) throw err;
      out = await attempt(encodeURI(`${source.bucket}/${fullFrom}`));
    }
    const meta: ObjectMeta = { key: to, size: original.size, modifiedTime: out.modifiedTime ?? new Date() };
    const etag = out.etag ?? original.etag;
    if (etag !== undefined) meta.etag = etag;
    if (original.contentType !== undefined) meta.contentType = original.contentType;
    return meta;
  }

  /** A presigned URL that grants `method` on `key` for `expiresIn` seconds (at most 7 days). */
  async presign(key: string, options: { expiresIn: number; method: "GET" | "PUT" }): Promise<string> {
    validateKey(key);
    if (!this.#backend.capabilities.presign) {
      throw new UnsupportedOperationError(
        `presign ${this.#backend.uri(key)}: anonymous access has no credentials to sign with`,
        {
          key,
          uri: this.#backend.uri(key),
          backend: this.#backend.scheme,
        },
      );
    }
    const expiresIn = options.expiresIn;
    if (!Number.isInteger(expiresIn) || expiresIn < 1 || expiresIn > MAX_PRESIGN_SECONDS) {
      throw new ConfigError(
        `presign ${this.#backend.uri(key)}: expiresIn must be whole seconds from 1 to ${MAX_PRESIGN_SECONDS}`,
        {
          field: "expiresIn",
        },
      );
    }
    return this.#call("presign", key, undefined, (t) =>
      t.presign({
        bucket: this.#backend.bucket,
        key: this.#backend.prefix + key,
        method: options.method,
        expiresIn,
      }),
    );
  }

  // ---- internals ----

  /** Runs one request on the transport, mapping its failure onto our errors. */
  async #call<T>(
    action: string,
    key: string,
    signal: AbortSignal | undefined,
    request: (transport: S3Transport) => Promise<T>,
  ): Promise<T> {
    throwIfAborted(signal);
    const transport =
      this.#ready !== undefined && !this.#isClosed() ? this.#ready : await this.#getTransport();
    try {
      return await request(transport);
    } catch (err) {
      // Ended by close(), on either request path: one error that says so.
      if (this.#isClosed() && !signal?.aborted) {
        throw new BackendError(
          `${action} ${this.#backend.uri(key)}: the backend was closed while the call was in flight`,
          { backend: this.#backend.scheme, key, uri: this.#backend.uri(key), cause: err },
        );
      }
      throw (errorsModule as typeof import("./errors.js")).toStoreError(err, {
        action,
        key,
        uri: this.#backend.uri(key),
        scheme: this.#backend.scheme,
        bucket: this.#backend.bucket,
        ...(signal ? { signal } : {}),
      });
    }
  }

  #getTransport(): Promise<S3Transport> {
    if (this.#isClosed()) {
      return Promise.reject(
        new BackendError(`${this.#backend.root}: the backend is closed`, { backend: this.#backend.scheme }),
      );
    }
    // Never cache a failure: the next request tries again.
    this.#transport ??= this.#createTransport().catch((err: unknown) => {
      this.#transport = undefined;
      throw err;
    });
    return this.#transport;
  }

  async #createTransport(): Promise<S3Transport> {
    // The error mapping loads with the transport, before any request: a failure (offline) needs it
    // at hand, not behind another load.
    const [Transport, errors] = await Promise.all([
      this.#loader.load(this.#backend.transport),
      import("./errors.js"),
    ]);
    errorsModule = errors;
    const transport = new Transport(this.#transportConfig());
    this.#ready = transport;
    return transport;
  }

  #transportConfig(): TransportConfig {
    const o = this.#options;
    const custom = o.endpoint !== undefined;
    const checksums = custom ? "WHEN_REQUIRED" : "WHEN_SUPPORTED";
    const config: TransportConfig = {
      scheme: this.#backend.scheme,
      forcePathStyle: o.forcePathStyle ?? custom,
      anonymous: o.anonymous,
      requestChecksumCalculation: o.requestChecksumCalculation ?? checksums,
      responseChecksumValidation: o.responseChecksumValidation ?? checksums,
      timeoutMs: Math.round(o.timeout * 1000),
      maxRetries: o.maxRetries,
      retryDelayMs: Math.round(o.retryDelay * 1000),
      maxSockets: Math.max(50, o.maxConcurrency * 2),
    };
    if (o.endpoint !== undefined) config.endpoint = o.endpoint;
    // Region: given, else the environment's, else the profile's (the SDK reads it), else us-east-1.
    const region = o.region ?? environmentRegion() ?? (o.profile === undefined ? "us-east-1" : undefined);
    if (region !== undefined) config.region = region;
    if (o.profile !== undefined) config.profile = o.profile;
    const credentials = o.credentials ?? staticCredentials(o);
    if (credentials !== undefined) config.credentials = credentials;
    if (o.logger !== undefined) config.logger = o.logger;
    return config;
  }
}

type PageEntry = ListOutput["objects"][number] | { prefix: string };

/**
 * One page's objects and folders in one lexicographic order. S3 sends two sorted lists; some servers
 * (s3rver walks its folders) send them in another order, which a sort of the page repairs.
 */
function mergePage(objects: ListOutput["objects"], prefixes: string[]): PageEntry[] {
  const entries: PageEntry[] = [...objects, ...prefixes.map((prefix) => ({ prefix }))];
  const name = (e: PageEntry) => ("prefix" in e ? e.prefix : e.key);
  let sorted = true;
  for (let i = 1; i < entries.length && sorted; i++) {
    if (name(entries[i - 1] as PageEntry) > name(entries[i] as PageEntry)) sorted = false;
  }
  if (!sorted) entries.sort((a, b) => (name(a) < name(b) ? -1 : name(a) > name(b) ? 1 : 0));
  return entries;
}

function staticCredentials(o: S3Options): S3Credentials | undefined {
  if (o.accessKeyId === undefined || o.secretAccessKey === undefined) return undefined;
  const credentials: S3Credentials = { accessKeyId: o.accessKeyId, secretAccessKey: o.secretAccessKey };
  if (o.sessionToken !== undefined) credentials.sessionToken = o.sessionToken;
  return credentials;
}

/** `AWS_REGION` or `AWS_DEFAULT_REGION`, where the runtime has an environment at all. */
function environmentRegion(): string | undefined {
  // Through globalThis: edge runtimes have no `process`, and a bare reference would throw there.
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  return env?.AWS_REGION || env?.AWS_DEFAULT_REGION || undefined;
}
