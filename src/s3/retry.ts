/**
 * Retries of S3 requests: which failures are transient, and how long to wait before the next attempt.
 * The SDK request path hands {@link RetryPolicy} to the SDK as its retry strategy (the SDK keeps the
 * only loop); the fetch request path runs its own loop with the same policy.
 */
import type { Logger } from "../core/options.js";
import { backoffDelay } from "../core/transfer.js";

/** The error classes the SDK's retry middleware hands to a strategy. */
export type RetryErrorType = "TRANSIENT" | "THROTTLING" | "SERVER_ERROR" | "CLIENT_ERROR";

/** What the SDK tells a retry strategy about a failed attempt. */
export interface RetryErrorInfo {
  errorType: RetryErrorType;
  error?: { name?: string; $metadata?: { httpStatusCode?: number } };
  retryAfterHint?: Date;
}

/** A retry token as the SDK's retry middleware expects it. */
export interface RetryToken {
  getRetryCount(): number;
  getRetryDelay(): number;
}

function token(count: number, delay: number): RetryToken {
  return { getRetryCount: () => count, getRetryDelay: () => delay };
}

/**
 * The SDK's `RetryStrategyV2`, with our backoff and no retry quota. The SDK's standard strategy
 * shares a bucket of 500 "retry tokens" per client and stops retrying once it is spent: 200
 * concurrent requests through a flaky link exhaust it and fail although each request is within its
 * own retry count. Each request here gets its `maxRetries`, whatever its neighbours do.
 */
export class RetryPolicy {
  readonly mode = "standard";
  readonly #maxRetries: number;
  readonly #baseMs: number;
  readonly #logger: Logger | undefined;

  constructor(options: { maxRetries: number; retryDelayMs: number; logger?: Logger }) {
    this.#maxRetries = options.maxRetries;
    this.#baseMs = options.retryDelayMs;
    this.#logger = options.logger;
  }

  async acquireInitialRetryToken(_scope: string): Promise<RetryToken> {
    return token(0, 0);
  }

  async refreshRetryTokenForRetry(previous: RetryToken, info: RetryErrorInfo): Promise<RetryToken> {
    const retry = previous.getRetryCount() + 1;
    const reason = describeRetryReason(info);
    if (info.errorType === "CLIENT_ERROR" || retry > this.#maxRetries) {
      // Throwing tells the SDK to give up and surface the last error.
      throw new Error(`not retried: ${reason}`);
    }
    const hintMs = info.retryAfterHint ? info.retryAfterHint.getTime() - Date.now() : undefined;
    const delay = backoffDelay(retry, this.#baseMs, hintMs);
    this.#logger?.info(`s3: retry ${retry} of ${this.#maxRetries} after ${reason}, in ${delay} ms`);
    return token(retry, delay);
  }

  recordSuccess(_token: RetryToken): void {}

  /** The same decision for the fetch request path: the delay before retry `retry`, or undefined to stop. */
  next(retry: number, transient: boolean, reason: string, retryAfterMs?: number): number | undefined {
    if (!transient || retry > this.#maxRetries) return undefined;
    const delay = backoffDelay(retry, this.#baseMs, retryAfterMs);
    this.#logger?.info(`s3: retry ${retry} of ${this.#maxRetries} after ${reason}, in ${delay} ms`);
    return delay;
  }
}

function describeRetryReason(info: RetryErrorInfo): string {
  const name = info.error?.name ?? "error";
  const status = info.error?.$metadata?.httpStatusCode;
  return status === undefined ? name : `${name} (${status})`;
}
