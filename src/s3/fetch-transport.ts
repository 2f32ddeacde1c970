/**
 * The S3 request path on plain `fetch`: SigV4 over Web Crypto (`sigv4.ts`) and a small XML reader
 * (`xml.ts`). It serves edge runtimes, where the AWS SDK cannot parse XML (it wants a `DOMParser`),
 * and any runtime where the SDK's per-request cost matters. Retries run here (there is no SDK loop to
 * hand them to), with the same policy as the SDK path; multipart uploads are done by hand, in the way
 * `@aws-sdk/lib-storage` does them: parts of `partSize`, `queueSize` in flight, abort on failure.
 */

import { PROGRESS_STEP } from "../core/backend.js";
import { CorsRefusal, corsRefusal } from "../core/cors.js";
import { fetchDecodes, parseCodings } from "../core/encoding.js";
import { abortReason, describeCause } from "../core/errors.js";
import {
  attemptSignal,
  emptyStream,
  headerFields,
  sleep,
  timeoutError,
  watchIdle,
} from "../core/transfer.js";
import { credentialsProvider } from "./credentials.js";
import { RetryPolicy } from "./retry.js";
import { encodeKeyPath, SigV4Signer } from "./sigv4.js";
import type {
  CopyInput,
  CopyOutput,
  GetObjectInput,
  GetObjectOutput,
  ListInput,
  ListOutput,
  ObjectAddress,
  PresignInput,
  PutObjectInput,
  S3ObjectInfo,
  S3Transport,
  TransportConfig,
  UploadInput,
  WriteOutput,
} from "./transport.js";
import { HAS_XHR, xhrSend } from "./xhr-send.js";
import { decodeXml, elements, escapeXml, text } from "./xml.js";

const THROTTLING_CODES = new Set([
  "SlowDown",
  "Throttling",
  "ThrottlingException",
  "RequestLimitExceeded",
  "TooManyRequestsException",
]);
const TRANSIENT_CODES = new Set([
  "RequestTimeout",
  "RequestTimeoutException",
  "InternalError",
  "ServiceUnavailable",
]);

/** A failure the service reported, in the SDK's shape so one mapping serves both request paths. */
export class S3ServiceError extends Error {
  readonly $metadata: { httpStatusCode?: number };
  readonly Code?: string;
  readonly retryAfterMs?: number;

  constructor(status: number, code: string | undefined, message: string, retryAfterMs?: number) {
    super(message || `HTTP ${status}`);
    this.name = code ?? (status === 404 ? "NotFound" : "Unknown");
    this.$metadata = { httpStatusCode: status };
    if (code !== undefined) this.Code = code;
    if (retryAfterMs !== undefined) this.retryAfterMs = retryAfterMs;
  }
}

interface Call {
  method: string;
  bucket: string;
  key?: string;
  query?: Record<string, string | undefined>;
  headers?: Record<string, string | undefined>;
  body?: Uint8Array | string;
  signal?: AbortSignal;
  /** Bytes of `body` handed to the connection so far, every {@link PROGRESS_STEP} (where bodies stream). */
  onProgress?: (loaded: number) => void;
  /** Statuses that are answers, not failures (e.g. 206). 2xx always are. */
  ok?: (status: number) => boolean;
  /** Name for log lines. */
  operation: string;
}

/** {@link S3Transport} over `fetch`; see the module comment. */
export class FetchTransport implements S3Transport {
  readonly #config: TransportConfig;
  readonly #signer: SigV4Signer | undefined;
  readonly #policy: RetryPolicy;
  readonly #endpoint: URL;
  readonly #region: string;

  constructor(config: TransportConfig) {
    this.#config = config;
    this.#region = config.region ?? "us-east-1";
    this.#endpoint = new URL(config.endpoint ?? `https://s3.${this.#region}.amazonaws.com`);
    this.#policy = new RetryPolicy({
      maxRetries: config.maxRetries,
      retryDelayMs: config.retryDelayMs,
      ...(config.logger ? { logger: config.logger } : {}),
    });
    if (!config.anonymous) {
      const credentials = credentialsProvider(config.credentials);
      this.#signer = new SigV4Signer({ region: this.#region, credentials });
    }
  }

  #url(bucket: string, key: string | undefined, query: Record<string, string | undefined> = {}): URL {
    const path = key === undefined ? "" : encodeKeyPath(key);
    const base = this.#endpoint;
    // Virtual-hosted style needs a bucket name that is a valid host label (no dots, for TLS).
    const pathStyle = this.#config.forcePathStyle || bucket.includes(".");
    const basePath = base.pathname.replace(/\/+$/, "");
    const url = pathStyle
      ? new URL(`${base.protocol}//${base.host}${basePath}/${encodeURIComponent(bucket)}/${path}`)
      : new URL(`${base.protocol}//${bucket}.${base.host}${basePath}/${path}`);
    for (const [name, value] of Object.entries(query))
      if (value !== undefined) url.searchParams.set(name, value);
    return url;
  }

  /**
   * One S3 request with retries. `consume` reads the answer inside the attempt, so a body that breaks
   * or stalls is retried like a failed request, and the caller's signal and the attempt's timeout
   * reach the body as well as the headers. A consumer that hands the body on (GetObject) must bound
   * it itself ({@link watchIdle}).
   */
  async #request<T>(call: Call, consume: (response: Response) => Promise<T>): Promise<T> {
    const url = this.#url(call.bucket, call.key, call.query);
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(call.headers ?? {}))
      if (value !== undefined) headers[name] = value;
    const streamed = typeof call.body === "object" && STREAMS_FIXED_LENGTH_BODIES;
    if (streamed) headers["content-length"] = String((call.body as Uint8Array).length);
    const logger = this.#config.logger;
    // Across attempts, progress only moves forward: a retry re-sends bytes already counted.
    let reported = 0;
    const report = call.onProgress
      ? (loaded: number) => {
          if (loaded <= reported) return;
          reported = loaded;
          call.onProgress?.(loaded);
        }
      : undefined;
    for (let retry = 0; ; retry++) {
      if (call.signal?.aborted) throw abortReason(call.signal);
      logger?.debug(`${this.#config.scheme}: ${call.operation} ${call.method} ${url.pathname}${url.search}`);
      let response: Response | undefined;
      let failure: unknown;
      let unanswered = false;
      const attempt = attemptSignal(call.signal, this.#config.timeoutMs);
      try {
        const signed = this.#signer
          ? await this.#signer.sign({ method: call.method, url, headers })
          : headers;
        const init: RequestInit & { duplex?: "half" } = {
          method: call.method,
          headers: signed,
          signal: attempt.signal,
          // Freshness is the store's business (its cache, ETags, `ignoreCache`): a browser's HTTP
          // cache must not answer for the bucket.
          cache: "no-store",
        };
        if (streamed) {
          init.body = bytesStream(call.body as Uint8Array, report);
          init.duplex = "half";
        } else if (call.body !== undefined) init.body = call.body as BodyInit;
        unanswered = true;
        // A page can watch a one-shot upload leave only through XHR (see xhr-send.ts).
        response =
          report && HAS_XHR && call.body instanceof Uint8Array && !streamed
            ? await xhrSend(
                url,
                { method: call.method, headers: signed, body: call.body, signal: attempt.signal },
                report,
              )
            : await fetch(url, init);
        unanswered = false;
        if (response.ok || call.ok?.(response.status)) return await consume(response);
        failure = await serviceError(response);
      } catch (err) {
        failure = attempt.timedOut() ? timeoutError(this.#config.timeoutMs, err) : err;
        // A body left unread holds its connection.
        await response?.body?.cancel().catch(() => undefined);
      } finally {
        attempt.clear();
      }
      if (call.signal?.aborted) throw abortReason(call.signal);
      // In a page, a CORS refusal looks like a network failure; it is not transient.
      const origin = unanswered ? await corsRefusal(failure, url) : undefined;
      if (origin !== undefined) throw new CorsRefusal(origin, url.origin, failure);
      const { transient, reason, retryAfterMs } = classify(failure);
      const delay = this.#policy.next(retry + 1, transient, reason, retryAfterMs);
      if (delay === undefined) throw failure;
      await sleep(delay, call.signal);
    }
  }

  async getObject(input: GetObjectInput): Promise<GetObjectOutput> {
    const response = await this.#request(
      {
        operation: "GetObject",
        method: "GET",
        bucket: input.bucket,
        key: input.key,
        headers: { range: input.range, "if-match": input.ifMatch, "if-none-match": input.ifNoneMatch },
        signal: input.signal,
        ...(input.ifNoneMatch === undefined ? {} : { ok: (status: number) => status === 304 }),
      },
      async (r) => r,
    );
    const h = response.headers;
    const out: GetObjectOutput = {
      status: response.status,
      // The body outlives the attempt: the idle timer and the caller's signal follow it from here.
      body: watchIdle(response.body ?? emptyStream(), this.#config.timeoutMs, input.signal),
    };
    const length = h.get("content-length");
    if (length !== null) out.contentLength = Number(length);
    const range = h.get("content-range");
    if (range !== null) out.contentRange = range;
    // An object stored with a Content-Encoding: fetch decodes gzip, deflate and br on the way.
    const encoding = h.get("content-encoding");
    if (encoding !== null) {
      out.contentEncoding = encoding;
      out.decoded = fetchDecodes(parseCodings(encoding));
    }
    return Object.assign(out, headerFields(h));
  }

  async headObject(input: ObjectAddress): Promise<S3ObjectInfo> {
    return this.#request(
      { operation: "HeadObject", method: "HEAD", bucket: input.bucket, key: input.key, signal: input.signal },
      async (response) => {
        const h = response.headers;
        return { size: Number(h.get("content-length") ?? 0), ...headerFields(h) };
      },
    );
  }

  async putObject(input: PutObjectInput): Promise<WriteOutput> {
    return this.#request(
      {
        operation: "PutObject",
        method: "PUT",
        bucket: input.bucket,
        key: input.key,
        headers: { "content-type": input.contentType, "if-none-match": input.ifNoneMatch },
        body: input.body,
        signal: input.signal,
        ...(input.onProgress ? { onProgress: input.onProgress } : {}),
      },
      async (response) => {
        await response.body?.cancel();
        return writeOutput(response);
      },
    );
  }

  async upload(input: UploadInput): Promise<WriteOutput> {
    const scheme = this.#config.scheme;
    const logger = this.#config.logger;
    const where = `${scheme}://${input.bucket}/${input.key}`;
    // A stream is cut into buffers of our own, used again once their part is up: memory stays at the
    // parts in flight, where fresh buffers would pile up until the next full garbage collection.
    const spare: Uint8Array[] = [];
    const pooled = !ArrayBuffer.isView(input.body);
    const parts = partsOf(input.body, input.partSize, input.signal, () => spare.pop());
    const first = await parts.next();
    const firstPart = first.done ? new Uint8Array(0) : first.value;
    const second = first.done ? undefined : await parts.next();
    if (second === undefined || second.done) {
      // One part: a plain PUT.
      const out = await this.putObject({
        bucket: input.bucket,
        key: input.key,
        body: firstPart,
        ...(input.contentType ? { contentType: input.contentType } : {}),
        ...(input.ifNoneMatch ? { ifNoneMatch: input.ifNoneMatch } : {}),
        ...(input.signal ? { signal: input.signal } : {}),
      });
      input.onProgress?.(firstPart.length, firstPart.length);
      return out;
    }
    const uploadId = await this.#request(
      {
        operation: "CreateMultipartUpload",
        method: "POST",
        bucket: input.bucket,
        key: input.key,
        query: { uploads: "" },
        headers: { "content-type": input.contentType },
        signal: input.signal,
      },
      async (created) => {
        const id = text(await created.text(), "UploadId");
        if (!id)
          throw new S3ServiceError(
            created.status,
            "InvalidResponse",
            "CreateMultipartUpload returned no UploadId",
          );
        return id;
      },
    );
    logger?.info(`${scheme}: multipart upload of ${where} started (parts of ${input.partSize} bytes)`);
    const etags: string[] = [];
    let loaded = 0;
    let number = 0;
    let stopped = false;
    // The two parts already read come first; the rest are read as workers free up.
    const pending: Uint8Array[] = [firstPart, second.value];
    const nextPart = async (): Promise<{ number: number; data: Uint8Array } | undefined> => {
      // Numbered before the await: the generator answers requests in order, so part n is the nth.
      const partNumber = ++number;
      const data = pending.shift() ?? (await parts.next()).value;
      return data === undefined || stopped ? undefined : { number: partNumber, data };
    };
    const worker = async (): Promise<void> => {
      for (;;) {
        const part = await nextPart();
        if (!part) return;
        try {
          await uploadPart(part);
        } catch (err) {
          // The other workers finish the part they hold and take no more.
          stopped = true;
          throw err;
        }
      }
    };
    const uploadPart = async (part: { number: number; data: Uint8Array }): Promise<void> => {
      const etag = await this.#request(
        {
          operation: "UploadPart",
          method: "PUT",
          bucket: input.bucket,
          key: input.key,
          query: { partNumber: String(part.number), uploadId },
          body: part.data,
          signal: input.signal,
        },
        async (response) => {
          await response.body?.cancel();
          const tag = response.headers.get("etag");
          if (!tag)
            throw new S3ServiceError(
              response.status,
              "InvalidResponse",
              `part ${part.number} has no ETag (is ETag exposed by CORS?)`,
            );
          return tag;
        },
      );
      etags[part.number - 1] = etag;
      loaded += part.data.length;
      if (pooled) spare.push(new Uint8Array(part.data.buffer, 0, input.partSize));
      logger?.debug(`${scheme}: part ${part.number} of ${where} uploaded`);
      input.onProgress?.(loaded, input.size);
    };
    try {
      const workers = Array.from({ length: Math.max(1, input.queueSize) }, () => worker());
      // allSettled first: no part may still be in flight when the upload is aborted.
      const settled = await Promise.allSettled(workers);
      const failed = settled.find((s): s is PromiseRejectedResult => s.status === "rejected");
      if (failed) throw failed.reason;
      const body = `<CompleteMultipartUpload>${etags
        .map((etag, i) => `<Part><PartNumber>${i + 1}</PartNumber><ETag>${escapeXml(etag)}</ETag></Part>`)
        .join("")}</CompleteMultipartUpload>`;
      const out = await this.#request(
        {
          operation: "CompleteMultipartUpload",
          method: "POST",
          bucket: input.bucket,
          key: input.key,
          query: { uploadId },
          headers: { "content-type": "application/xml", "if-none-match": input.ifNoneMatch },
          body,
          signal: input.signal,
        },
        async (completed) => {
          const xml = await xmlBody(completed);
          return { ...writeOutput(completed), ...etagOf(text(xml, "ETag")) };
        },
      );
      logger?.info(`${scheme}: multipart upload of ${where} completed (${etags.length} parts)`);
      return out;
    } catch (err) {
      const cleanUp = this.#abortUpload(input.bucket, input.key, uploadId, where);
      // An aborted call settles now; the clean-up (which never rejects) goes on without it.
      if (!input.signal?.aborted) await cleanUp;
      throw err;
    } finally {
      await parts.return(undefined);
    }
  }

  async #abortUpload(bucket: string, key: string, uploadId: string, where: string): Promise<void> {
    try {
      await this.#request(
        {
          operation: "AbortMultipartUpload",
          method: "DELETE",
          bucket,
          key,
          query: { uploadId },
          // A signal of its own: the caller's may be the reason we are here, and already aborted.
          signal: AbortSignal.timeout(this.#config.timeoutMs),
        },
        discardBody,
      );
      this.#config.logger?.info(`${this.#config.scheme}: multipart upload of ${where} aborted`);
    } catch (err) {
      this.#config.logger?.warn(
        `${this.#config.scheme}: could not abort multipart upload ${uploadId} of ${where}: ${describeCause(err)}`,
      );
    }
  }

  async listObjects(input: ListInput): Promise<ListOutput> {
    const xml = await this.#request(
      {
        operation: "ListObjectsV2",
        method: "GET",
        bucket: input.bucket,
        query: {
          "list-type": "2",
          prefix: input.prefix,
          delimiter: input.delimiter,
          "continuation-token": input.continuationToken,
          "max-keys": input.maxKeys === undefined ? undefined : String(input.maxKeys),
        },
        signal: input.signal,
      },
      (response) => response.text(),
    );
    const out: ListOutput = {
      objects: elements(xml, "Contents").map((entry) => {
        const object: ListOutput["objects"][number] = { key: text(entry, "Key") ?? "" };
        const size = text(entry, "Size");
        if (size !== undefined) object.size = Number(size);
        const modified = text(entry, "LastModified");
        if (modified !== undefined) object.modifiedTime = new Date(modified);
        const etag = text(entry, "ETag");
        if (etag !== undefined) object.etag = etag;
        return object;
      }),
      prefixes: elements(xml, "CommonPrefixes").flatMap((p) => elements(p, "Prefix").map(decodeXml)),
    };
    const token = text(xml, "NextContinuationToken");
    if (text(xml, "IsTruncated") === "true" && token) out.nextToken = token;
    return out;
  }

  async deleteObject(input: ObjectAddress): Promise<void> {
    await this.#request(
      {
        operation: "DeleteObject",
        method: "DELETE",
        bucket: input.bucket,
        key: input.key,
        signal: input.signal,
      },
      discardBody,
    );
  }

  async copyObject(input: CopyInput): Promise<CopyOutput> {
    const xml = await this.#request(
      {
        operation: "CopyObject",
        method: "PUT",
        bucket: input.bucket,
        key: input.key,
        headers: { "x-amz-copy-source": input.copySource, "x-amz-copy-source-if-match": input.ifMatch },
        signal: input.signal,
      },
      xmlBody,
    );
    const out: CopyOutput = etagOf(text(xml, "ETag"));
    const modified = text(xml, "LastModified");
    if (modified !== undefined) out.modifiedTime = new Date(modified);
    return out;
  }

  async presign(input: PresignInput): Promise<string> {
    if (!this.#signer) throw new Error("anonymous access has no credentials to sign with");
    return this.#signer.presign(input.method, this.#url(input.bucket, input.key), input.expiresIn);
  }

  destroy(): void {}
}

// ---- helpers ----

/**
 * Node's `fetch` (undici) copies a byte body before sending it: a 64 MiB PUT held twice. A stream over
 * the same bytes, with its length declared, goes out as it is. Browsers stream request bodies only
 * over HTTP/2 (or not at all), so elsewhere the bytes are given as they are.
 */
const STREAMS_FIXED_LENGTH_BODIES =
  typeof (globalThis as { process?: { versions?: { undici?: unknown } } }).process?.versions?.undici ===
  "string";

/**
 * The bytes as a stream, without a copy: one chunk, or with `report` views of {@link PROGRESS_STEP}
 * pulled one at a time (no read-ahead), each reported once the connection took it.
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
  let offset = 0;
  return new ReadableStream(
    {
      pull(controller) {
        if (offset > 0) report(offset);
        if (offset >= bytes.length) {
          controller.close();
          return;
        }
        const end = Math.min(offset + PROGRESS_STEP, bytes.length);
        controller.enqueue(bytes.subarray(offset, end));
        offset = end;
      },
    },
    { highWaterMark: 0 },
  );
}

async function discardBody(response: Response): Promise<void> {
  await response.body?.cancel();
}

/** An XML answer's text; S3 can answer 200 and put the error in the body (CopyObject, CompleteMultipartUpload). */
async function xmlBody(response: Response): Promise<string> {
  const xml = await response.text();
  const error = elements(xml, "Error")[0];
  if (error !== undefined) throw new S3ServiceError(500, text(error, "Code"), text(error, "Message") ?? "");
  return xml;
}

function etagOf(etag: string | undefined): { etag?: string } {
  return etag === undefined ? {} : { etag };
}

function writeOutput(response: Response): WriteOutput {
  const out: WriteOutput = etagOf(response.headers.get("etag") ?? undefined);
  const date = response.headers.get("date");
  if (date !== null) {
    const time = new Date(date);
    if (!Number.isNaN(time.getTime())) out.serverTime = time;
  }
  return out;
}

async function serviceError(response: Response): Promise<S3ServiceError> {
  const body =
    response.status === 304 || response.status === 204 ? "" : await response.text().catch(() => "");
  const retryAfter = response.headers.get("retry-after");
  const retryAfterMs =
    retryAfter !== null && /^\d+$/.test(retryAfter) ? Number(retryAfter) * 1000 : undefined;
  return new S3ServiceError(response.status, text(body, "Code"), text(body, "Message") ?? "", retryAfterMs);
}

/** Whether a failure is worth another attempt, and how to name it in the log. */
function classify(err: unknown): { transient: boolean; reason: string; retryAfterMs?: number } {
  if (err instanceof S3ServiceError) {
    const status = err.$metadata.httpStatusCode ?? 0;
    const code = err.Code ?? "";
    const transient =
      status >= 500 || status === 429 || THROTTLING_CODES.has(code) || TRANSIENT_CODES.has(code);
    const out: { transient: boolean; reason: string; retryAfterMs?: number } = {
      transient,
      reason: `${err.name} (${status})`,
    };
    if (err.retryAfterMs !== undefined) out.retryAfterMs = err.retryAfterMs;
    return out;
  }
  if (err instanceof Error && err.name === "CredentialsProviderError")
    return { transient: false, reason: err.name };
  // fetch rejects with a TypeError for resets, refused connections and DNS failures; timeouts are ours.
  return { transient: true, reason: err instanceof Error ? `${err.name}: ${err.message}` : String(err) };
}

/**
 * A body cut into parts of exactly `size` bytes (the last one shorter), read as they are needed. A
 * source that stalls does not hold up an abort: the signal cancels the pending read.
 */
async function* partsOf(
  body: Uint8Array | ReadableStream<Uint8Array>,
  size: number,
  signal?: AbortSignal,
  reuse?: () => Uint8Array | undefined,
): AsyncGenerator<Uint8Array, void, undefined> {
  if (ArrayBuffer.isView(body)) {
    for (let offset = 0; offset < body.length; offset += size) yield body.subarray(offset, offset + size);
    return;
  }
  const reader = body.getReader();
  const onAbort = () => reader.cancel(abortReason(signal as AbortSignal)).catch(() => undefined);
  signal?.addEventListener("abort", onAbort, { once: true });
  const fresh = () => reuse?.() ?? new Uint8Array(size);
  let buffer = fresh();
  let filled = 0;
  try {
    for (;;) {
      const next = await reader.read();
      if (signal?.aborted) throw abortReason(signal);
      if (next.done) break;
      let chunk = next.value;
      while (chunk.length > 0) {
        const take = Math.min(size - filled, chunk.length);
        buffer.set(chunk.subarray(0, take), filled);
        filled += take;
        chunk = chunk.subarray(take);
        if (filled === size) {
          yield buffer;
          buffer = fresh();
          filled = 0;
        }
      }
    }
    if (filled > 0) yield buffer.subarray(0, filled);
  } finally {
    signal?.removeEventListener("abort", onAbort);
    await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}
