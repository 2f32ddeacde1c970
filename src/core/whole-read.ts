/**
 * Reading a remote object whose size its answer does not tell: a body with a `Content-Encoding`
 * (its headers give the stored, encoded size; the value is the decoded bytes) or one sent without
 * any length (chunked). Such a body is read whole into memory and its metadata gets the size read,
 * so what callers see (`meta.size`, progress totals, the bytes) is the value, never the encoding.
 *
 * Ranges of an encoded object are ranges of its decoded bytes: HTTP ranges count stored bytes, so
 * the whole object is fetched, decoded and sliced. A body that breaks midway is fetched again (pinned
 * to its ETag) and the bytes already read are skipped: decoded offsets name no stored range.
 */
import { bytesResult, concatBytes, type ReadOptions, type ReadResult, resolveRange } from "./backend.js";
import { decodeChunks, parseCodings } from "./encoding.js";
import { BackendError, describeCause, isAutoStoreError } from "./errors.js";
import {
  metaOf,
  type RemoteObject,
  type RemoteResponse,
  type ResumeOptions,
  resumableChunks,
} from "./remote-body.js";
import { chunksOf, discardSource, sliceChunks } from "./transfer.js";

/** Reads `first` (the answer to a GET of `object`) whole; see the module comment. */
export async function readWhole(
  object: RemoteObject,
  first: RemoteResponse,
  options: ReadOptions,
): Promise<ReadResult> {
  const context = { key: object.key, uri: object.uri, backend: object.backend };
  let out = first;
  if (out.status === 206) {
    // A range of the stored bytes, which decode to nothing on their own: fetch the whole object.
    await discardSource(out.body);
    out = await object.get(undefined, out.etag ?? options.ifMatch);
  }
  const body = (answer: RemoteResponse): AsyncIterable<Uint8Array> => {
    const codings = parseCodings(answer.contentEncoding);
    const chunks = chunksOf(answer.body);
    return codings.length === 0 || answer.decoded ? chunks : decodeChunks(chunks, codings, context);
  };
  const etag = out.etag;
  const resume: ResumeOptions = {
    source: body(out),
    start: 0,
    maxResumes: object.maxResumes,
    onResume: (offset, attempt, cause) =>
      object.logger?.info(
        `${object.backend}: reading ${object.uri} again to resume at byte ${offset} (attempt ${attempt}): ${describeCause(cause)}`,
      ),
  };
  if (options.signal) resume.signal = options.signal;
  // Without an ETag nothing pins the object: a broken body is an error rather than a mix of versions.
  if (etag !== undefined) {
    resume.reopen = async (offset) => {
      const again = await object.get(undefined, etag);
      if (again.etag !== undefined && again.etag !== etag) {
        await discardSource(again.body);
        throw new BackendError(`read ${object.uri}: the object changed while it was being read`, {
          ...context,
          status: 412,
          backendCode: "PreconditionFailed",
        });
      }
      return sliceChunks(body(again), offset, Number.POSITIVE_INFINITY);
    };
  }
  const parts: Uint8Array[] = [];
  let loaded = 0;
  try {
    for await (const chunk of resumableChunks(resume)) {
      parts.push(chunk);
      loaded += chunk.length;
      options.onProgress?.({ loaded });
    }
  } catch (err) {
    if (isAutoStoreError(err) || options.signal?.aborted) throw err;
    throw new BackendError(`read ${object.uri}: ${describeCause(err)}`, { ...context, cause: err });
  }
  const data = concatBytes(parts, loaded);
  options.onProgress?.({ loaded, total: loaded });
  const meta = metaOf(object.key, out, data.length);
  if (!options.range) return bytesResult(meta, data);
  const taken = resolveRange(options.range, data.length);
  return bytesResult(meta, data.subarray(taken.start, taken.end), taken);
}
