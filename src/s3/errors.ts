/**
 * One mapping from what S3 (through the SDK or the fetch request path) reports onto autostore-js's
 * errors: a missing object is {@link KeyNotFoundError}, a refusal {@link PermissionDeniedError}, the
 * rest {@link BackendError} with the service's code, the HTTP status and the URI. The SDK's own
 * PascalCase shapes stay behind as `cause`, stripped of anything that could hold a secret.
 */
import { CorsRefusal, corsError } from "../core/cors.js";
import {
  abortReason,
  BackendError,
  ConfigError,
  isAutoStoreError,
  KeyNotFoundError,
  PermissionDeniedError,
} from "../core/errors.js";

/** What an S3 failure looks like, whichever request path produced it. */
export interface S3FailureShape {
  name?: string;
  message?: string;
  Code?: string;
  code?: string;
  $metadata?: { httpStatusCode?: number };
}

/** The service's HTTP status and error code, where the failure carries them. */
export function describeFailure(err: unknown): { status?: number; code?: string; message: string } {
  if (typeof err !== "object" || err === null) return { message: String(err) };
  const shape = err as S3FailureShape;
  const status = shape.$metadata?.httpStatusCode;
  // The SDK names errors it cannot parse (HEAD responses have no body) "Unknown" or "UnknownError".
  const named = shape.Code ?? shape.name;
  const code =
    named && !["Unknown", "UnknownError", "Error", "TypeError"].includes(named) ? named : shape.code;
  const message = shape.message && shape.message !== "UnknownError" ? shape.message : "";
  const out: { status?: number; code?: string; message: string } = { message };
  if (status !== undefined) out.status = status;
  if (code !== undefined) out.code = code;
  return out;
}

const DENIED_CODES = new Set([
  "AccessDenied",
  "AllAccessDisabled",
  "InvalidAccessKeyId",
  "SignatureDoesNotMatch",
  "ExpiredToken",
  "InvalidToken",
  "TokenRefreshRequired",
  "AccountProblem",
]);

/** Where a failure happened, for the message and the error's fields. */
export interface FailureContext {
  /** What was being done: `read`, `write`, `list`… */
  action: string;
  key?: string;
  uri: string;
  scheme: string;
  bucket: string;
  signal?: AbortSignal;
}

/** Maps any failure of an S3 request onto an autostore-js error (or the abort reason). */
export function toStoreError(err: unknown, context: FailureContext): unknown {
  if (context.signal?.aborted) return abortReason(context.signal);
  if (isAutoStoreError(err)) return err;
  if (err instanceof Error && err.name === "AbortError") return err;
  if (err instanceof CorsRefusal) {
    return corsError({
      action: context.action,
      uri: context.uri,
      server: `the bucket '${context.bucket}'`,
      methods: "GET, HEAD, PUT, POST and DELETE",
      origin: err.origin,
      serverOrigin: err.serverOrigin,
      context: {
        backend: context.scheme,
        cause: safeCause(err.failure),
        ...(context.key === undefined ? {} : { key: context.key }),
      },
    });
  }
  const { status, code, message } = describeFailure(err);
  const where = {
    uri: context.uri,
    backend: context.scheme,
    cause: safeCause(err),
    ...(context.key === undefined ? {} : { key: context.key }),
  };
  const withStatus = status === undefined ? where : { ...where, status };
  const detail = [code, status === undefined ? undefined : String(status)].filter(Boolean).join(" ");
  const suffix = `${detail ? ` (${detail})` : ""}${message ? `: ${message}` : ""}`;
  if (code === "CredentialsProviderError") {
    return new PermissionDeniedError(
      `${context.action} ${context.uri}: no credentials found; give accessKeyId/secretAccessKey, credentials, a profile, or anonymous: true${message ? ` (${message})` : ""}`,
      withStatus,
    );
  }
  if (code === "NoSuchBucket") {
    return new BackendError(
      `${context.action} ${context.uri}: bucket '${context.bucket}' does not exist${suffix}`,
      {
        ...withStatus,
        backendCode: code,
      },
    );
  }
  if (status === 404 || code === "NoSuchKey" || code === "NotFound") {
    return new KeyNotFoundError(`not found: ${context.uri}`, withStatus);
  }
  if (status === 403 || (code !== undefined && DENIED_CODES.has(code))) {
    return new PermissionDeniedError(`${context.action} ${context.uri}: access denied${suffix}`, {
      ...withStatus,
      ...(code === undefined ? {} : { backendCode: code }),
    });
  }
  if (code === "InvalidEndpoint" || code === "ERR_INVALID_URL") {
    return new ConfigError(`${context.action} ${context.uri}: invalid endpoint${suffix}`, withStatus);
  }
  const extra = code === undefined ? {} : { backendCode: code };
  return new BackendError(`${context.action} ${context.uri} failed${suffix}`, { ...withStatus, ...extra });
}

/**
 * A copy of a failure that keeps what explains it (name, message, stack, code, status, request id)
 * and drops what could leak: the SDK's `$response` reaches the socket and the signed request, whose
 * headers carry the session token.
 */
export function safeCause(err: unknown, depth = 0): unknown {
  if (!(err instanceof Error)) return typeof err === "object" && err !== null ? String(err) : err;
  const copy = new Error(err.message) as Error & Record<string, unknown>;
  copy.name = err.name;
  if (err.stack !== undefined) copy.stack = err.stack;
  const source = err as Error & Record<string, unknown>;
  for (const field of ["Code", "code", "$fault", "errno", "syscall"]) {
    const value = source[field];
    if (typeof value === "string" || typeof value === "number") copy[field] = value;
  }
  const metadata = source.$metadata as Record<string, unknown> | undefined;
  if (metadata && typeof metadata === "object") {
    const kept: Record<string, unknown> = {};
    for (const field of ["httpStatusCode", "requestId", "extendedRequestId", "attempts", "totalRetryDelay"]) {
      if (metadata[field] !== undefined) kept[field] = metadata[field];
    }
    copy.$metadata = kept;
  }
  if (err.cause !== undefined && depth < 5) copy.cause = safeCause(err.cause, depth + 1);
  return copy;
}
