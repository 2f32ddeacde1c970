/**
 * The signed S3 request path: SigV4 (`sigv4.ts`) and a small XML reader (`xml.ts`) over an
 * {@link S3Http}: the global `fetch` by default (browsers, edge runtimes, where the AWS SDK cannot
 * parse XML: it wants a `DOMParser`), keep-alive `node:http` agents on Node (`src/node/s3-node-http.ts`).
 * Retries run here (there is no SDK loop to hand them to), with the same policy as the SDK path;
 * multipart uploads are done by hand, in the way `@aws-sdk/lib-storage` does them: parts of
 * `partSize`, `queueSize` in flight, abort on failure.
 */

import { CorsRefusal, corsRefusal } from "../core/cors.js";
import { abortReason, describeCause } from "../core/errors.js";
import { sleep } from "../core/transfer.js";
import {
  classify,
  discardBody,
  etagOf,
  headerFields,
  listingBody,
  S3ServiceError,
  serviceError,
  writeOutput,
  xmlBody,
} from "./answers.js";
import { credentialsProvider } from "./credentials.js";
import { fetchHttp, type HttpAnswer, type S3Http, type S3HttpFactory } from "./http.js";
import { uploadInParts } from "./multipart.js";
import { RetryPolicy } from "./retry.js";
import { canonicalQueryOf, encodeKeyPath, type SigV4Crypto, SigV4Signer } from "./sigv4.js";
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
import { WholeBody } from "./transport.js";
import { decodeXml, elements, escapeXml, text } from "./xml.js";

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

/** Where one request goes: as sent, and as signed. */
interface Address {
  origin: string;
  host: string;
  /** The encoded path, without the query. */
  pathname: string;
  /** The query in canonical form (empty when none). */
  query: string;
}

/** {@link S3Transport} over signed requests; see the module comment. */
export class FetchTransport implements S3Transport {
  readonly #config: TransportConfig;
  readonly #signer: SigV4Signer | undefined;
  readonly #policy: RetryPolicy;
  readonly #http: S3Http;
  #closed = false;
  readonly #protocol: string;
  readonly #host: string;
  readonly #basePath: string;
  readonly #region: string;

  /**
   * @param http how requests reach the service (the global `fetch` by default).
   * @param crypto the hashes the signer uses (Web Crypto by default).
   */
  constructor(config: TransportConfig, http: S3HttpFactory = fetchHttp, crypto?: SigV4Crypto) {
    this.#config = config;
    this.#region = config.region ?? "us-east-1";
    const endpoint = new URL(config.endpoint ?? `https://s3.${this.#region}.amazonaws.com`);
    this.#protocol = endpoint.protocol;
    this.#host = endpoint.host;
    this.#basePath = endpoint.pathname.replace(/\/+$/, "");
    this.#http = http({ maxSockets: config.maxSockets });
    this.#policy = new RetryPolicy({
      maxRetries: config.maxRetries,
      retryDelayMs: config.retryDelayMs,
      ...(config.logger ? { logger: config.logger } : {}),
    });
    if (!config.anonymous) {
      const credentials = credentialsProvider(config.credentials);
      this.#signer = new SigV4Signer({ region: this.#region, credentials, ...(crypto ? { crypto } : {}) });
    }
  }

  #address(bucket: string, key: string | undefined, query?: Record<string, string | undefined>): Address {
    const path = key === undefined ? "" : encodeKeyPath(key);
    // Virtual-hosted style needs a bucket name that is a valid host label (no dots, for TLS).
    const pathStyle = this.#config.forcePathStyle || bucket.includes(".");
    const host = pathStyle ? this.#host : `${bucket}.${this.#host}`;
    return {
      origin: `${this.#protocol}//${host}`,
      host,
      pathname: pathStyle
        ? `${this.#basePath}/${encodeURIComponent(bucket)}/${path}`
        : `${this.#basePath}/${path}`,
      query: query === undefined ? "" : canonicalQueryOf(query),
    };
  }

  /**
   * One S3 request with retries. `consume` reads the answer inside the attempt, so a body that breaks
   * or stalls is retried like a failed request, and the caller's signal and the attempt's timeout
   * reach the body as well as the headers. A consumer that hands the body on (GetObject) must bound
   * it itself ({@link HttpAnswer.body}).
   */
  async #request<T>(call: Call, consume: (answer: HttpAnswer) => Promise<T>): Promise<T> {
    const address = this.#address(call.bucket, call.key, call.query);
    const path = address.query === "" ? address.pathname : `${address.pathname}?${address.query}`;
    const headers: Record<string, string> = {};
    if (call.headers) {
      for (const name in call.headers) {
        const value = call.headers[name];
        if (value !== undefined) headers[name] = value;
      }
    }
    const logger = this.#config.logger;
    // Across attempts, progress only moves forward: a retry re-sends bytes already counted.
    let reported = 0;
    let lastFailure: unknown;
    const report = call.onProgress
      ? (loaded: number) => {
          if (loaded <= reported) return;
          reported = loaded;
          call.onProgress?.(loaded);
        }
      : undefined;
    for (let retry = 0; ; retry++) {
      if (call.signal?.aborted) throw abortReason(call.signal);
      // Closed meanwhile: no new attempt (its connection would outlive the backend).
      if (this.#closed) throw closedError(lastFailure);
      logger?.debug(`${this.#config.scheme}: ${call.operation} ${call.method} ${path}`);
      let answer: HttpAnswer | undefined;
      let failure: unknown;
      let unanswered = false;
      try {
        const signed = this.#signer
          ? await this.#signer.sign({ method: call.method, url: address, headers })
          : headers;
        unanswered = true;
        answer = await this.#http.send({
          method: call.method,
          origin: address.origin,
          path,
          headers: signed,
          ...(call.body === undefined ? {} : { body: call.body }),
          ...(report ? { onProgress: report } : {}),
          ...(call.signal ? { signal: call.signal } : {}),
          timeoutMs: this.#config.timeoutMs,
        });
        unanswered = false;
        const status = answer.status;
        if ((status >= 200 && status < 300) || call.ok?.(status)) return await consume(answer);
        failure = await serviceError(answer, this.#config.timeoutMs);
      } catch (err) {
        failure = err;
        // A body left unread holds its connection.
        await answer?.discard();
      }
      if (call.signal?.aborted) throw abortReason(call.signal);
      // In a page, a CORS refusal looks like a network failure; it is not transient.
      const url = address.origin + path;
      const origin = unanswered ? await corsRefusal(failure, url) : undefined;
      if (origin !== undefined) throw new CorsRefusal(origin, address.origin, failure);
      const { transient, reason, retryAfterMs } = classify(failure);
      const delay = this.#policy.next(retry + 1, transient, reason, retryAfterMs);
      if (delay === undefined) throw failure;
      lastFailure = failure;
      await sleep(delay, call.signal);
    }
  }

  async getObject(input: GetObjectInput): Promise<GetObjectOutput> {
    const got = await this.#request(
      {
        operation: "GetObject",
        method: "GET",
        bucket: input.bucket,
        key: input.key,
        headers: { range: input.range, "if-match": input.ifMatch, "if-none-match": input.ifNoneMatch },
        signal: input.signal,
        ...(input.ifNoneMatch === undefined ? {} : { ok: (status: number) => status === 304 }),
      },
      async (answer) => {
        // A small body is read inside the attempt (a break is retried like any failed request): one
        // buffer, without the stream machinery a long body needs.
        const small =
          Number(answer.header("content-length")) <= SMALL_BODY &&
          answer.header("content-encoding") === undefined;
        return { answer, bytes: small ? await answer.bytes() : undefined };
      },
    );
    const { answer: response, bytes } = got;
    const out: GetObjectOutput = {
      status: response.status,
      // A long body outlives the attempt: the idle timer and the caller's signal follow it from here.
      body: bytes ? new WholeBody(bytes) : response.body(this.#config.timeoutMs, input.signal),
    };
    const length = response.header("content-length");
    if (length !== undefined) out.contentLength = Number(length);
    const range = response.header("content-range");
    if (range !== undefined) out.contentRange = range;
    // An object stored with a Content-Encoding: fetch decodes gzip, deflate and br on the way.
    const encoding = response.header("content-encoding");
    if (encoding !== undefined) {
      out.contentEncoding = encoding;
      out.decoded = response.decodes(encoding);
    }
    return headerFields(response, out);
  }

  async headObject(input: ObjectAddress): Promise<S3ObjectInfo> {
    return this.#request(
      { operation: "HeadObject", method: "HEAD", bucket: input.bucket, key: input.key, signal: input.signal },
      async (response) => {
        await response.discard();
        return headerFields<S3ObjectInfo>(response, { size: Number(response.header("content-length") ?? 0) });
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
        await response.discard();
        return writeOutput(response);
      },
    );
  }

  async upload(input: UploadInput): Promise<WriteOutput> {
    const where = `${this.#config.scheme}://${input.bucket}/${input.key}`;
    const { bucket, key, signal } = input;
    return uploadInParts(input, {
      where,
      ...(this.#config.logger ? { logger: this.#config.logger } : {}),
      create: () => this.#createUpload(input),
      abort: (uploadId) => this.#abortUpload(bucket, key, uploadId, where),
      put: (body, onProgress) =>
        this.putObject({
          bucket,
          key,
          body,
          ...(onProgress ? { onProgress } : {}),
          ...(input.contentType ? { contentType: input.contentType } : {}),
          ...(input.ifNoneMatch ? { ifNoneMatch: input.ifNoneMatch } : {}),
          ...(signal ? { signal } : {}),
        }),
      part: (uploadId, number, data, onProgress) =>
        this.#request(
          {
            operation: "UploadPart",
            method: "PUT",
            bucket,
            key,
            query: { partNumber: String(number), uploadId },
            body: data,
            signal,
            ...(onProgress ? { onProgress } : {}),
          },
          async (response) => {
            await response.discard();
            const tag = response.header("etag");
            if (!tag)
              throw new S3ServiceError(
                response.status,
                "InvalidResponse",
                `part ${number} has no ETag (is ETag exposed by CORS?)`,
              );
            return tag;
          },
        ),
      complete: (uploadId, etags) =>
        this.#request(
          {
            operation: "CompleteMultipartUpload",
            method: "POST",
            bucket,
            key,
            query: { uploadId },
            headers: { "content-type": "application/xml", "if-none-match": input.ifNoneMatch },
            body: `<CompleteMultipartUpload>${etags
              .map(
                (etag, i) => `<Part><PartNumber>${i + 1}</PartNumber><ETag>${escapeXml(etag)}</ETag></Part>`,
              )
              .join("")}</CompleteMultipartUpload>`,
            signal,
          },
          async (completed) => {
            const xml = await xmlBody(completed);
            return { ...writeOutput(completed), ...etagOf(text(xml, "ETag")) };
          },
        ),
    });
  }

  /** CreateMultipartUpload: the upload's id. */
  #createUpload(input: UploadInput): Promise<string> {
    return this.#request(
      {
        operation: "CreateMultipartUpload",
        method: "POST",
        bucket: input.bucket,
        key: input.key,
        query: { uploads: "" },
        headers: { "content-type": input.contentType },
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
      listingBody,
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
    const address = this.#address(input.bucket, input.key);
    return this.#signer.presign(input.method, new URL(address.origin + address.pathname), input.expiresIn);
  }

  destroy(): void {
    this.#closed = true;
    this.#http.close().catch(() => undefined);
  }
}

/** A call cut short by `close()`: its requests end, and none is sent again. */
function closedError(cause: unknown): Error {
  return new Error("the backend was closed while the call was in flight", { cause });
}

/** Bodies up to this size are read whole by GetObject. */
const SMALL_BODY = 64 * 1024;
