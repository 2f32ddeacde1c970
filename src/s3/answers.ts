/**
 * What the signed request path reads from S3's answers: the service's failures (in the SDK's shape, so
 * one mapping in `errors.ts` serves both request paths) and whether a retry may help, the XML body of
 * an answer that can hold an error with a 200 status, and the fields of an answer's headers.
 */
import { concatBytes } from "../core/backend.js";
import { permanentTlsFailure } from "../core/tls-failure.js";
import { chunksOf } from "../core/transfer.js";
import type { HttpAnswer } from "./http.js";
import type { WriteOutput } from "./transport.js";
import { elements, text } from "./xml.js";

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

export function discardBody(answer: HttpAnswer): Promise<void> {
  return answer.discard();
}

/** An XML answer's text; S3 can answer 200 and put the error in the body (CopyObject, CompleteMultipartUpload). */
export async function xmlBody(response: HttpAnswer): Promise<string> {
  const xml = await response.text();
  const error = elements(xml, "Error")[0];
  if (error !== undefined) throw new S3ServiceError(500, text(error, "Code"), text(error, "Message") ?? "");
  return xml;
}

/**
 * A listing's XML. A 200 holding `<Error>` is the service's error (retried when it is transient); any
 * other answer without `<ListBucketResult>` (an HTML page, JSON: an endpoint that is not S3) is an
 * error too, never an empty listing.
 */
export async function listingBody(response: HttpAnswer): Promise<string> {
  const xml = await xmlBody(response);
  if (!xml.includes("<ListBucketResult")) {
    const start = xml.slice(0, 80).replace(/\s+/g, " ");
    throw new S3ServiceError(response.status, "NotAListing", `the answer is not an S3 listing: ${start}`);
  }
  return xml;
}

export function etagOf(etag: string | undefined): { etag?: string } {
  return etag === undefined ? {} : { etag };
}

export function writeOutput(response: HttpAnswer): WriteOutput {
  const out: WriteOutput = etagOf(response.header("etag"));
  const date = response.header("date");
  if (date !== undefined) {
    const time = new Date(date);
    if (!Number.isNaN(time.getTime())) out.serverTime = time;
  }
  return out;
}

/** ETag, modification time and content type from an answer's headers, added to `out`. */
export function headerFields<T extends { etag?: string; modifiedTime?: Date; contentType?: string }>(
  answer: HttpAnswer,
  out: T,
): T {
  const etag = answer.header("etag");
  if (etag !== undefined) out.etag = etag;
  const modified = answer.header("last-modified");
  if (modified !== undefined) {
    const time = new Date(modified);
    if (!Number.isNaN(time.getTime())) out.modifiedTime = time;
  }
  const type = answer.header("content-type");
  if (type !== undefined) out.contentType = type;
  return out;
}

/** S3's error documents are a few hundred bytes: of a longer body this much is read, the rest dropped. */
const ERROR_BODY_LIMIT = 64 * 1024;

/**
 * The service's failure from an answer that is not a success. The body is read up to
 * {@link ERROR_BODY_LIMIT} (a server that never ends its error body cannot hold the call or fill the
 * memory), each wait for bytes bounded by `idleMs`.
 */
export async function serviceError(response: HttpAnswer, idleMs: number): Promise<S3ServiceError> {
  const body =
    response.status === 304 || response.status === 204
      ? ""
      : await errorText(response, idleMs).catch(() => "");
  const retryAfter = response.header("retry-after");
  const retryAfterMs =
    retryAfter !== undefined && /^\d+$/.test(retryAfter) ? Number(retryAfter) * 1000 : undefined;
  return new S3ServiceError(response.status, text(body, "Code"), text(body, "Message") ?? "", retryAfterMs);
}

async function errorText(response: HttpAnswer, idleMs: number): Promise<string> {
  if (Number(response.header("content-length")) <= ERROR_BODY_LIMIT) return response.text();
  // Of unknown length (chunked, as S3 often sends errors) or long: read up to the limit.
  const body = response.body(idleMs);
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for await (const chunk of chunksOf(body)) {
      chunks.push(chunk);
      size += chunk.length;
      if (size >= ERROR_BODY_LIMIT) break;
    }
  } finally {
    body.destroy();
  }
  return new TextDecoder().decode(concatBytes(chunks, size).subarray(0, ERROR_BODY_LIMIT));
}

/** Whether a failure is worth another attempt, and how to name it in the log. */
export function classify(err: unknown): { transient: boolean; reason: string; retryAfterMs?: number } {
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
  const tls = permanentTlsFailure(err);
  if (tls !== undefined) return { transient: false, reason: tls };
  // fetch rejects with a TypeError for resets, refused connections and DNS failures; timeouts are ours.
  return { transient: true, reason: err instanceof Error ? `${err.name}: ${err.message}` : String(err) };
}
