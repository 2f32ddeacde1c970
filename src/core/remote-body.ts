/**
 * What a remote object's body is made of, shared by whole and streamed reads: one GET's answer
 * ({@link RemoteResponse}), how to ask again ({@link RemoteObject}), and a body that resumes where a
 * broken connection left it ({@link resumableChunks}).
 */
import type { ObjectMeta } from "./backend.js";
import { abortReason, BackendError, isAutoStoreError, throwIfAborted } from "./errors.js";
import type { Logger } from "./options.js";
import { type ByteSource, chunksOf } from "./transfer.js";

/** One answer to a GET, as {@link remoteRead} needs it. */
export interface RemoteResponse {
  /** 200, 206 for a range, or 304 (no body) when the request had `If-None-Match` and it matched. */
  status: number;
  contentLength?: number;
  contentRange?: string;
  etag?: string;
  modifiedTime?: Date;
  contentType?: string;
  /** The `Content-Encoding` header: the body's codings, if any (`gzip`…). */
  contentEncoding?: string;
  /** True when the body was decoded on the way (fetch undoes gzip, deflate and br by itself). */
  decoded?: boolean;
  body: ByteSource;
}

/** How {@link remoteRead} reaches one object. */
export interface RemoteObject {
  key: string;
  uri: string;
  /** The backend's scheme, for errors. */
  backend: string;
  /**
   * GETs the object, with a `Range` header value and an `If-Match`, when given. Failures are thrown
   * as autostore-js errors; a range past the end as a {@link BackendError} with status 416.
   */
  get(range: string | undefined, ifMatch: string | undefined, ifNoneMatch?: string): Promise<RemoteResponse>;
  head(): Promise<ObjectMeta>;
  /** How many times a broken body may be resumed. */
  maxResumes: number;
  logger?: Logger;
}

/** How {@link resumableChunks} continues a body after its connection broke. */
export interface ResumeOptions {
  /** The first response's body. */
  source: ByteSource;
  /** Offset in the object of the first byte of `source`. */
  start: number;
  /** Offset in the object just past the last byte wanted, when known (a short body is then a failure). */
  end?: number;
  /**
   * Opens the object again from an offset, pinned to the same version (an `If-Match` on its ETag),
   * and returns the body from there. Without it, a broken body is an error.
   */
  reopen?: (offset: number) => Promise<ByteSource>;
  /** How many times a body may be resumed. */
  maxResumes: number;
  signal?: AbortSignal;
  /** Told about each resumption (for logs). */
  onResume?: (offset: number, attempt: number, cause: unknown) => void;
}

/**
 * The chunks of a body that, when the connection breaks midway, carries on with a ranged request
 * from the first missing byte instead of starting over.
 */
export async function* resumableChunks(options: ResumeOptions): AsyncGenerator<Uint8Array, void, undefined> {
  let offset = options.start;
  let source: ByteSource = options.source;
  let resumes = 0;
  for (;;) {
    try {
      for await (const chunk of chunksOf(source)) {
        throwIfAborted(options.signal);
        yield chunk;
        offset += chunk.length;
      }
      if (options.end !== undefined && offset < options.end) {
        throw new Error(`the body ended after ${offset} of ${options.end} bytes`);
      }
      return;
    } catch (err) {
      if (options.signal?.aborted) throw abortReason(options.signal);
      if (!options.reopen || resumes >= options.maxResumes || isAutoStoreError(err)) throw err;
      resumes++;
      options.onResume?.(offset, resumes, err);
      source = await options.reopen(offset);
    }
  }
}

/** The object's metadata from a GET's answer, with `size` given (the headers may not tell it). */
export function metaOf(key: string, out: RemoteResponse, size: number): ObjectMeta {
  const meta: ObjectMeta = { key, size, modifiedTime: out.modifiedTime ?? new Date(0) };
  if (out.etag !== undefined) meta.etag = out.etag;
  if (out.contentType !== undefined) meta.contentType = out.contentType;
  return meta;
}
