/**
 * Credentials for the fetch request path, asked for as the AWS SDK asks for them: a provider function
 * is called on the first request and its answer kept; an answer with an `expiration` is asked for
 * again once it is within five minutes of expiring. Concurrent requests share one call, and a failed
 * call is not kept (the next request calls again).
 */
import type { S3Credentials } from "./options.js";

/** How long before `expiration` credentials are renewed (the AWS SDK's window). */
export const REFRESH_WINDOW_MS = 5 * 60_000;

/** Credentials the request path cannot sign with: the failure the backend reports as "no credentials". */
export function credentialsError(message: string): Error {
  const error = new Error(message);
  error.name = "CredentialsProviderError";
  return error;
}

/** The credentials provider the signer calls before each request; see the module comment. */
export function credentialsProvider(
  given: S3Credentials | (() => Promise<S3Credentials>) | undefined,
  now: () => number = Date.now,
): () => Promise<S3Credentials> {
  if (given === undefined) {
    return async () => {
      throw credentialsError(
        "the fetch request path has no default credential chain: give credentials, accessKeyId/secretAccessKey, or anonymous: true",
      );
    };
  }
  if (typeof given !== "function") return async () => given;
  let held: S3Credentials | undefined;
  let pending: Promise<S3Credentials> | undefined;
  const fresh = (c: S3Credentials) =>
    c.expiration === undefined || c.expiration.getTime() - now() > REFRESH_WINDOW_MS;
  return async () => {
    if (held !== undefined && fresh(held)) return held;
    pending ??= (async () => {
      try {
        const answer = normalizeCredentials(await given());
        held = answer;
        return answer;
      } finally {
        pending = undefined;
      }
    })();
    return pending;
  };
}

/**
 * A provider's answer checked, with an `expiration` given as a string or a number (as JSON from a
 * credentials endpoint brings it) made a `Date`.
 */
export function normalizeCredentials(answer: S3Credentials): S3Credentials {
  if (typeof answer?.accessKeyId !== "string" || typeof answer.secretAccessKey !== "string") {
    throw credentialsError("the credentials provider gave no accessKeyId and secretAccessKey");
  }
  const expiration = answer.expiration as Date | string | number | undefined | null;
  if (expiration === undefined || expiration === null || expiration instanceof Date) return answer;
  const date = new Date(expiration);
  if (Number.isNaN(date.getTime())) {
    throw credentialsError(
      `the credentials provider gave an expiration that is not a date: ${String(expiration)}`,
    );
  }
  return { ...answer, expiration: date };
}
