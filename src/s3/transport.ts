/**
 * The request path of the S3 backend: the few S3 operations it needs, with plain shapes in and out.
 * The backend (keys, ranges, resumption, listing order, error mapping) is written once over this; two
 * request paths implement it:
 * - `sdk-transport.ts`: `@aws-sdk/client-s3` with `@aws-sdk/lib-storage` (Node, browsers);
 * - `fetch-transport.ts`: SigV4-signed requests with a small XML reader, over the global `fetch` (edge
 *   runtimes, where the SDK's XML parser needs a `DOMParser` they lack; browsers) or `node:http`
 *   (Node, `src/node/s3-node-http.ts`), wherever the SDK's per-request cost matters.
 *
 * Failures are thrown in the SDK's shape (`name` = the service's code, `$metadata.httpStatusCode`)
 * so that `errors.ts` maps both paths alike.
 */
import type { Logger } from "../core/options.js";
import type { RemoteResponse } from "../core/remote-body.js";
import type { S3Credentials } from "./options.js";

/** An object's metadata as the service reports it. */
export interface S3ObjectInfo {
  size: number;
  modifiedTime?: Date;
  etag?: string;
  contentType?: string;
}

export interface ObjectAddress {
  bucket: string;
  /** The full key in the bucket (the backend's prefix included). */
  key: string;
  signal?: AbortSignal;
}

export interface GetObjectInput extends ObjectAddress {
  /** A `Range` header value, e.g. `bytes=0-99`. */
  range?: string;
  ifMatch?: string;
  /** An ETag: the answer is a 304 with no body when the object still has it. */
  ifNoneMatch?: string;
}

/** One answer to a GET: the shape the shared remote-read logic takes (status 304 when `ifNoneMatch` matched). */
export type GetObjectOutput = RemoteResponse;

/**
 * A GET body the request path read whole already (a small object): the backend hands its bytes over
 * as they are, without the stream machinery a long body needs.
 */
export class WholeBody implements AsyncIterable<Uint8Array> {
  constructor(readonly bytes: Uint8Array) {}

  async *[Symbol.asyncIterator](): AsyncGenerator<Uint8Array, void, undefined> {
    if (this.bytes.length > 0) yield this.bytes;
  }

  destroy(): void {}
}

export interface PutObjectInput extends ObjectAddress {
  body: Uint8Array;
  contentType?: string;
  /** `*`: fail with 412 when the key exists. */
  ifNoneMatch?: string;
  /**
   * Bytes sent so far, every 1 MiB, where the request path can tell (signed fetch on Node streams
   * the body); a path that cannot tell reports nothing, and the caller reports the end.
   */
  onProgress?: (loaded: number) => void;
}

export interface UploadInput extends ObjectAddress {
  body: Uint8Array | ReadableStream<Uint8Array>;
  size?: number;
  contentType?: string;
  partSize: number;
  /** Parts in flight at once. */
  queueSize: number;
  /** `*`: fail with 412 when the key exists (checked when the upload completes). */
  ifNoneMatch?: string;
  onProgress?: (loaded: number, total?: number) => void;
}

export interface WriteOutput {
  etag?: string;
  /** The service's clock at the write (its `Date` header), comparable with `Last-Modified`. */
  serverTime?: Date;
}

export interface ListInput {
  bucket: string;
  prefix: string;
  delimiter?: string;
  continuationToken?: string;
  maxKeys?: number;
  signal?: AbortSignal;
}

export interface ListOutput {
  objects: Array<{ key: string; size?: number; modifiedTime?: Date; etag?: string }>;
  /** Common prefixes (full keys ending in the delimiter). */
  prefixes: string[];
  nextToken?: string;
}

export interface CopyInput extends ObjectAddress {
  /** The `x-amz-copy-source` header value, already encoded. */
  copySource: string;
  /** Copy only while the source still has this ETag. */
  ifMatch?: string;
}

export interface CopyOutput {
  etag?: string;
  modifiedTime?: Date;
}

export interface PresignInput {
  bucket: string;
  key: string;
  method: "GET" | "PUT";
  /** Seconds. */
  expiresIn: number;
}

/** The request path the S3 backend runs on; see the module comment. */
export interface S3Transport {
  getObject(input: GetObjectInput): Promise<GetObjectOutput>;
  headObject(input: ObjectAddress): Promise<S3ObjectInfo>;
  putObject(input: PutObjectInput): Promise<WriteOutput>;
  /** Uploads in parts of `partSize` (one PUT when the body fits in one); aborts the upload on failure. */
  upload(input: UploadInput): Promise<WriteOutput>;
  listObjects(input: ListInput): Promise<ListOutput>;
  deleteObject(input: ObjectAddress): Promise<void>;
  copyObject(input: CopyInput): Promise<CopyOutput>;
  presign(input: PresignInput): Promise<string>;
  destroy(): void;
}

/** Everything a request path needs to reach one service, resolved from `S3Options`. */
export interface TransportConfig {
  /** The scheme served (`s3`, `minio`…), for log lines. */
  scheme: string;
  endpoint?: string;
  region?: string;
  forcePathStyle: boolean;
  /** Resolved credentials or a provider; undefined: the runtime's default chain (Node). */
  credentials?: S3Credentials | (() => Promise<S3Credentials>);
  profile?: string;
  anonymous: boolean;
  requestChecksumCalculation: "WHEN_SUPPORTED" | "WHEN_REQUIRED";
  responseChecksumValidation: "WHEN_SUPPORTED" | "WHEN_REQUIRED";
  /** Milliseconds one attempt may take. */
  timeoutMs: number;
  maxRetries: number;
  retryDelayMs: number;
  /** Connections kept per host. */
  maxSockets: number;
  logger?: Logger;
}
