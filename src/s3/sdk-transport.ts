/**
 * The S3 request path on `@aws-sdk/client-s3`. This module is imported by the backend on its first
 * request, so a store that never touches S3 never loads the SDK; `@aws-sdk/lib-storage` and
 * `@aws-sdk/s3-request-presigner` load later still, on the first multipart upload or presigned URL.
 */
import {
  AbortMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  type GetObjectCommandOutput,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { CorsRefusal, corsRefusal } from "../core/cors.js";
import { fetchDecodes, parseCodings } from "../core/encoding.js";
import { ConfigError, describeCause } from "../core/errors.js";
import { type ByteSource, emptyStream } from "../core/transfer.js";
import { normalizeCredentials } from "./credentials.js";
import { RetryPolicy } from "./retry.js";
import { type UploadReports, xhrRequestHandler } from "./sdk-xhr.js";
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
import { HAS_XHR } from "./xhr-send.js";

// Commands whose output gets the service's `Date` header (see `WriteOutput.serverTime`).
const DATED_COMMANDS = new Set(["PutObjectCommand", "CompleteMultipartUploadCommand"]);
const SERVER_DATE = Symbol("serverDate");

type Dated = { [SERVER_DATE]?: Date };

/** {@link S3Transport} over the AWS SDK v3 client. */
export class SdkTransport implements S3Transport {
  readonly #client: S3Client;
  readonly #config: TransportConfig;
  #xhr: S3Client | undefined;
  readonly #xhrReports: UploadReports = new WeakMap();
  /** Aborted by {@link SdkTransport.destroy}: every request in flight ends with the client. */
  readonly #closing = new AbortController();

  constructor(config: TransportConfig) {
    this.#config = config;
    this.#client = withMiddleware(new S3Client(clientConfig(config)), config);
  }

  /** The caller's signal joined with the transport's own, which `destroy` aborts. */
  #signal(signal: AbortSignal | undefined): AbortSignal {
    return signal ? anySignal(signal, this.#closing.signal) : this.#closing.signal;
  }

  /**
   * A second client over XHR for a page's single PUTs with progress (see sdk-xhr.ts), made on the
   * first; the reporters of its requests in flight are in {@link SdkTransport.#xhrReports}.
   */
  #xhrClient(): S3Client {
    this.#xhr ??= withMiddleware(
      new S3Client({ ...clientConfig(this.#config), requestHandler: xhrRequestHandler(this.#xhrReports) }),
      this.#config,
    );
    return this.#xhr;
  }

  async getObject(input: GetObjectInput): Promise<GetObjectOutput> {
    let out: GetObjectCommandOutput;
    try {
      out = await this.#client.send(
        new GetObjectCommand({
          Bucket: input.bucket,
          Key: input.key,
          Range: input.range,
          IfMatch: input.ifMatch,
          IfNoneMatch: input.ifNoneMatch,
        }),
        { abortSignal: this.#signal(input.signal) },
      );
    } catch (err) {
      // The SDK throws a 304 as an error (named `Unknown`, or NotModified): for us it is an answer.
      const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      if (input.ifNoneMatch !== undefined && status === 304) return { status: 304, body: emptyStream() };
      throw err;
    }
    const body = out.Body as unknown;
    const result: GetObjectOutput = {
      status: out.$metadata.httpStatusCode ?? 200,
      body: (body instanceof Blob ? body.stream() : body) as ByteSource,
    };
    if (out.ContentLength !== undefined) result.contentLength = out.ContentLength;
    if (out.ContentRange !== undefined) result.contentRange = out.ContentRange;
    if (out.ETag !== undefined) result.etag = out.ETag;
    if (out.LastModified !== undefined) result.modifiedTime = out.LastModified;
    if (out.ContentType !== undefined) result.contentType = out.ContentType;
    if (out.ContentEncoding !== undefined) {
      result.contentEncoding = out.ContentEncoding;
      // Over node:http the body is the stored bytes; the browser's handler reads it with fetch,
      // which decodes it (its body is a web stream or a Blob).
      result.decoded =
        (body instanceof Blob || body instanceof ReadableStream) &&
        fetchDecodes(parseCodings(out.ContentEncoding));
    }
    return result;
  }

  async headObject(input: ObjectAddress): Promise<S3ObjectInfo> {
    const out = await this.#client.send(new HeadObjectCommand({ Bucket: input.bucket, Key: input.key }), {
      abortSignal: this.#signal(input.signal),
    });
    const info: S3ObjectInfo = { size: out.ContentLength ?? 0 };
    if (out.LastModified !== undefined) info.modifiedTime = out.LastModified;
    if (out.ETag !== undefined) info.etag = out.ETag;
    if (out.ContentType !== undefined) info.contentType = out.ContentType;
    return info;
  }

  /**
   * The body one attempt of a PUT sends, reporting the bytes the connection has taken; absent where
   * the runtime's HTTP handler cannot tell (the SDK's fetch handler sends a body in one piece). The
   * Node build's subclass streams it (`src/node/s3-sdk.ts`).
   */
  protected progressBody?(bytes: Uint8Array, report: (loaded: number) => void): unknown;

  async putObject(input: PutObjectInput): Promise<WriteOutput> {
    const body = input.body;
    const command = new PutObjectCommand({
      Bucket: input.bucket,
      Key: input.key,
      Body: body,
      ContentLength: body.length,
      ContentType: input.contentType,
      IfNoneMatch: input.ifNoneMatch,
    });
    const onProgress = input.onProgress;
    const progressBody = this.progressBody?.bind(this);
    if (onProgress && !progressBody && HAS_XHR) {
      return this.#putOverXhr(command, forwardOnly(onProgress), input.signal);
    }
    if (onProgress && progressBody) {
      // A fresh body over the same bytes for each attempt, so a retry sends them whole again.
      const report = forwardOnly(onProgress);
      onEachAttempt(command, "autostoreUploadProgress", (request) => {
        request.body = progressBody(body, report);
      });
    }
    const out = await this.#client.send(command, { abortSignal: this.#signal(input.signal) });
    return written(out.ETag, (out as Dated)[SERVER_DATE]);
  }

  /** A page's single PUT with progress: through XHR, which reports the body leaving (sdk-xhr.ts). */
  async #putOverXhr(
    command: PutObjectCommand,
    report: (loaded: number) => void,
    signal: AbortSignal | undefined,
  ): Promise<WriteOutput> {
    const reports = this.#xhrReports;
    onEachAttempt(command, "autostoreXhrUploadProgress", (request) => {
      reports.set(request, report);
    });
    const out = await this.#xhrClient().send(command, { abortSignal: this.#signal(signal) });
    return written(out.ETag, (out as Dated)[SERVER_DATE]);
  }

  async upload(input: UploadInput): Promise<WriteOutput> {
    const { Upload } = await importPackage(() => import("@aws-sdk/lib-storage"), "@aws-sdk/lib-storage");
    const client = this.#client;
    const logger = this.#config.logger;
    const where = `${this.#config.scheme}://${input.bucket}/${input.key}`;
    let uploadId: string | undefined;
    // lib-storage sends its requests without our signal and forgets its upload id when aborted; a
    // client that adds the signal to every request and notes the id lets us abort both the requests in
    // flight and the upload itself.
    const scoped = Object.create(client) as S3Client;
    const send = async (command: unknown, options?: object): Promise<unknown> => {
      const out = (await client.send(command as GetObjectCommand, {
        ...options,
        abortSignal: this.#signal(input.signal),
      })) as unknown as { UploadId?: string };
      if (command instanceof CreateMultipartUploadCommand) {
        uploadId = out.UploadId;
        logger?.info(
          `${this.#config.scheme}: multipart upload of ${where} started (parts of ${input.partSize} bytes)`,
        );
      } else if (command instanceof UploadPartCommand) {
        logger?.debug(`${this.#config.scheme}: part ${command.input.PartNumber} of ${where} uploaded`);
      }
      return out;
    };
    (scoped as unknown as { send: typeof send }).send = send;
    const upload = new Upload({
      client: scoped,
      params: {
        Bucket: input.bucket,
        Key: input.key,
        Body: input.body,
        ContentType: input.contentType,
        IfNoneMatch: input.ifNoneMatch,
        ...(input.size === undefined ? {} : { ContentLength: input.size }),
      },
      partSize: input.partSize,
      queueSize: input.queueSize,
      // We abort the upload ourselves: lib-storage skips it when aborted through its own signal.
      leavePartsOnError: true,
    });
    const onProgress = input.onProgress;
    if (onProgress) upload.on("httpUploadProgress", (p) => onProgress(p.loaded ?? 0, p.total));
    try {
      const out = await upload.done();
      return written(out.ETag, (out as Dated)[SERVER_DATE]);
    } catch (err) {
      if (uploadId !== undefined) {
        const cleanUp = this.#abortUpload(input.bucket, input.key, uploadId, where);
        // An aborted call settles now; the clean-up (which never rejects) goes on without it.
        if (!input.signal?.aborted) await cleanUp;
      }
      throw err;
    }
  }

  async #abortUpload(bucket: string, key: string, uploadId: string, where: string): Promise<void> {
    const logger = this.#config.logger;
    try {
      // A signal of its own: the caller's may be the reason we are here, and already aborted.
      await this.#client.send(
        new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId }),
        {
          abortSignal: AbortSignal.timeout(this.#config.timeoutMs),
        },
      );
      logger?.info(`${this.#config.scheme}: multipart upload of ${where} aborted`);
    } catch (err) {
      // The upload's own failure matters more; a lifecycle rule on the bucket removes what is left.
      logger?.warn(
        `${this.#config.scheme}: could not abort multipart upload ${uploadId} of ${where}: ${describeCause(err)}`,
      );
    }
  }

  async listObjects(input: ListInput): Promise<ListOutput> {
    const out = await this.#client.send(
      new ListObjectsV2Command({
        Bucket: input.bucket,
        Prefix: input.prefix,
        Delimiter: input.delimiter,
        ContinuationToken: input.continuationToken,
        MaxKeys: input.maxKeys,
      }),
      { abortSignal: this.#signal(input.signal) },
    );
    const result: ListOutput = {
      objects: (out.Contents ?? []).flatMap((o) =>
        o.Key === undefined ? [] : [{ key: o.Key, size: o.Size, modifiedTime: o.LastModified, etag: o.ETag }],
      ),
      prefixes: (out.CommonPrefixes ?? []).flatMap((p) => (p.Prefix === undefined ? [] : [p.Prefix])),
    };
    if (out.IsTruncated && out.NextContinuationToken) result.nextToken = out.NextContinuationToken;
    return result;
  }

  async deleteObject(input: ObjectAddress): Promise<void> {
    await this.#client.send(new DeleteObjectCommand({ Bucket: input.bucket, Key: input.key }), {
      abortSignal: this.#signal(input.signal),
    });
  }

  async copyObject(input: CopyInput): Promise<CopyOutput> {
    const out = await this.#client.send(
      new CopyObjectCommand({
        Bucket: input.bucket,
        Key: input.key,
        CopySource: input.copySource,
        CopySourceIfMatch: input.ifMatch,
      }),
      { abortSignal: this.#signal(input.signal) },
    );
    const result: CopyOutput = {};
    if (out.CopyObjectResult?.ETag !== undefined) result.etag = out.CopyObjectResult.ETag;
    if (out.CopyObjectResult?.LastModified !== undefined)
      result.modifiedTime = out.CopyObjectResult.LastModified;
    return result;
  }

  async presign(input: PresignInput): Promise<string> {
    const { getSignedUrl } = await importPackage(
      () => import("@aws-sdk/s3-request-presigner"),
      "@aws-sdk/s3-request-presigner",
    );
    const command =
      input.method === "PUT"
        ? new PutObjectCommand({ Bucket: input.bucket, Key: input.key })
        : new GetObjectCommand({ Bucket: input.bucket, Key: input.key });
    return getSignedUrl(this.#client, command, { expiresIn: input.expiresIn });
  }

  destroy(): void {
    this.#closing.abort(new Error("the backend was closed"));
    this.#client.destroy();
    this.#xhr?.destroy();
  }
}

/** A reporter that passes on only progress that moves forward (a retried attempt starts again at 0). */
function forwardOnly(onProgress: (loaded: number) => void): (loaded: number) => void {
  let reported = 0;
  return (loaded) => {
    if (loaded <= reported) return;
    reported = loaded;
    onProgress(loaded);
  };
}

/**
 * Runs `step` on each attempt's request: at the deserialize step, which runs inside the retry loop
 * and after signing, so it sees the very request object the handler is given.
 */
function onEachAttempt(
  command: PutObjectCommand,
  name: string,
  step: (request: { body?: unknown }) => void,
): void {
  command.middlewareStack.add(
    (next) => async (args) => {
      step(args.request as { body?: unknown });
      return next(args);
    },
    { step: "deserialize", name },
  );
}

/** The client with this transport's middleware: the service's date, CORS diagnosis, the request log. */
function withMiddleware(client: S3Client, config: TransportConfig): S3Client {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      if (DATED_COMMANDS.has(context.commandName ?? "")) {
        const date = (result.response as { headers?: Record<string, string> }).headers?.date;
        const output = result.output as Dated | undefined;
        if (date && output) output[SERVER_DATE] = new Date(date);
      }
      return result;
    },
    { step: "deserialize", name: "autostoreServerDate" },
  );
  // In a page, a CORS refusal looks like a network failure: tell them apart on each attempt, so
  // that a refusal is not retried (the retry policy takes an error with no status as final).
  client.middlewareStack.add(
    (next) => async (args) => {
      try {
        return await next(args);
      } catch (err) {
        const url = requestUrl(args.request);
        const origin = url === undefined ? undefined : await corsRefusal(err, url);
        if (origin !== undefined && url !== undefined) throw new CorsRefusal(origin, url.origin, err);
        throw err;
      }
    },
    { step: "finalizeRequest", priority: "low", name: "autostoreCorsRefusal" },
  );
  const logger = config.logger;
  if (logger) {
    // Inside the retry loop, so every attempt is one line; only the method and path are shown
    // (headers carry the signature and the session token).
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const request = args.request as { method?: string; path?: string; hostname?: string };
        logger.debug(`${config.scheme}: ${context.commandName} ${request.method} ${request.path}`);
        return next(args);
      },
      { step: "finalizeRequest", priority: "low", name: "autostoreRequestLog" },
    );
  }
  return client;
}

function written(etag: string | undefined, serverTime: Date | undefined): WriteOutput {
  const out: WriteOutput = {};
  if (etag !== undefined) out.etag = etag;
  if (serverTime !== undefined && !Number.isNaN(serverTime.getTime())) out.serverTime = serverTime;
  return out;
}

/** The URL of an SDK request (an `HttpRequest`), where it has one. */
function requestUrl(request: unknown): URL | undefined {
  const r = request as { protocol?: string; hostname?: string; port?: number; path?: string };
  if (!r?.hostname || !r.protocol) return undefined;
  try {
    return new URL(`${r.protocol}//${r.hostname}${r.port ? `:${r.port}` : ""}${r.path ?? "/"}`);
  } catch {
    return undefined;
  }
}

function clientConfig(config: TransportConfig): S3ClientConfig {
  const out: S3ClientConfig = {
    forcePathStyle: config.forcePathStyle,
    maxAttempts: config.maxRetries + 1,
    retryStrategy: new RetryPolicy({
      maxRetries: config.maxRetries,
      retryDelayMs: config.retryDelayMs,
      logger: config.logger,
    }),
    requestChecksumCalculation: config.requestChecksumCalculation,
    responseChecksumValidation: config.responseChecksumValidation,
    // Plain options: the SDK builds its own handler for the runtime (node:http or fetch) from them.
    requestHandler: {
      connectionTimeout: config.timeoutMs,
      requestTimeout: config.timeoutMs,
      // A body that stalls this long mid-transfer fails, and the read resumes from where it stopped.
      socketTimeout: config.timeoutMs,
      throwOnRequestTimeout: true,
      httpAgent: { keepAlive: true, maxSockets: config.maxSockets },
      httpsAgent: { keepAlive: true, maxSockets: config.maxSockets },
      // In a browser (the SDK's fetch handler), as on the signed-fetch path: freshness is the
      // store's business, so the browser's HTTP cache never answers for the bucket.
      cache: "no-store",
    },
  };
  if (config.region !== undefined) out.region = config.region;
  if (config.endpoint !== undefined) out.endpoint = config.endpoint;
  if (config.profile !== undefined) out.profile = config.profile;
  if (config.anonymous) {
    // Unsigned requests: no identity to resolve, and a signer that leaves the request as it is.
    out.httpAuthSchemes = [
      {
        schemeId: "aws.auth#sigv4",
        identityProvider: () => async () => ({}),
        signer: { sign: async (request) => request },
      },
    ];
  } else if (config.credentials !== undefined) {
    const given = config.credentials;
    out.credentials = typeof given === "function" ? async () => normalizeCredentials(await given()) : given;
  }
  return out;
}

/** Imports an optional package, naming it (and how to install it) when it is missing. */
export async function importPackage<T>(load: () => Promise<T>, name: string): Promise<T> {
  try {
    return await load();
  } catch (err) {
    throw new ConfigError(
      `the S3 backend needs the package ${name}: npm install ${name} (${describeCause(err)})`,
      {
        cause: err,
      },
    );
  }
}

/**
 * A signal aborted when either is, with its reason: `AbortSignal.any` (Node 20.3, Chrome 116,
 * Safari 17.4). Without it, the caller's signal alone: a listener on the transport's long-lived
 * signal per call would pile up until `destroy`.
 */
function anySignal(caller: AbortSignal, closing: AbortSignal): AbortSignal {
  const any = (AbortSignal as { any?: (signals: AbortSignal[]) => AbortSignal }).any;
  return any ? any.call(AbortSignal, [caller, closing]) : caller;
}
