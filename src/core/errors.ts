/**
 * The error hierarchy. Every error autostore-js throws extends {@link AutoStoreError} and carries a
 * stable `code`; use {@link isAutoStoreError} rather than `instanceof` when two copies of the library
 * may share one bundle.
 */

/** Stable machine-readable codes, one per error class. */
export type AutoStoreErrorCode =
  | "AUTOSTORE_ERROR"
  | "KEY_NOT_FOUND"
  | "AMBIGUOUS_KEY"
  | "INVALID_KEY"
  | "UNSUPPORTED_FORMAT"
  | "DECODE_ERROR"
  | "CONFIG_ERROR"
  | "PERMISSION_DENIED"
  | "READ_ONLY"
  | "UNSUPPORTED_OPERATION"
  | "SCHEMA_VALIDATION"
  | "ALREADY_EXISTS"
  | "NOT_A_DIRECTORY"
  | "IS_A_DIRECTORY"
  | "DIRECTORY_NOT_EMPTY"
  | "CORS_REFUSED"
  | "BACKEND_ERROR";

/** Context that errors carry: where and with what the failure happened. */
export interface ErrorContext {
  /** The key as the caller named it. */
  key?: string;
  /** The full location, e.g. `s3://bucket/data/x.json` or `file:///srv/data/x.json`. */
  uri?: string;
  /** The backend's scheme, e.g. `s3`, `file`, `memory`. */
  backend?: string;
  /** HTTP status, where a service answered. */
  status?: number;
  /** The underlying error. */
  cause?: unknown;
}

// A brand shared across copies of the library (Symbol.for is realm- and bundle-global).
const BRAND = Symbol.for("autostore-js.error");

/** The base of every error autostore-js throws. */
export class AutoStoreError extends Error {
  /** A stable code naming the kind of failure. */
  readonly code: AutoStoreErrorCode;
  readonly key?: string;
  readonly uri?: string;
  readonly backend?: string;
  readonly status?: number;

  constructor(message: string, context: ErrorContext = {}, code: AutoStoreErrorCode = "AUTOSTORE_ERROR") {
    super(message, context.cause === undefined ? undefined : { cause: context.cause });
    // The library's classes carry their name on the prototype (see the end of this module), which
    // survives minification; a user's subclass gets its own class name.
    if (!Object.hasOwn(new.target.prototype, "name")) this.name = new.target.name;
    this.code = code;
    if (context.key !== undefined) this.key = context.key;
    if (context.uri !== undefined) this.uri = context.uri;
    if (context.backend !== undefined) this.backend = context.backend;
    if (context.status !== undefined) this.status = context.status;
    Object.defineProperty(this, BRAND, { value: true });
  }
}

/** The key (or every representation of a bare key) does not exist. */
export class KeyNotFoundError extends AutoStoreError {
  constructor(message: string, context: ErrorContext = {}) {
    super(message, context, "KEY_NOT_FOUND");
  }
}

/** A bare key matches several files (e.g. `config.json` and `config.yaml`). */
export class AmbiguousKeyError extends AutoStoreError {
  /** Every file the bare key matches, with extensions. */
  readonly candidates: readonly string[];
  constructor(message: string, candidates: readonly string[], context: ErrorContext = {}) {
    super(message, context, "AMBIGUOUS_KEY");
    this.candidates = candidates;
  }
}

/** The key breaks the key rules (empty, `..`, absolute, control characters, backslash, too long). */
export class InvalidKeyError extends AutoStoreError {
  constructor(message: string, context: ErrorContext = {}) {
    super(message, context, "INVALID_KEY");
  }
}

/** No handler reads or writes this format, or the format is refused on purpose (pickle). */
export class UnsupportedFormatError extends AutoStoreError {
  constructor(message: string, context: ErrorContext = {}) {
    super(message, context, "UNSUPPORTED_FORMAT");
  }
}

/** A file could not be decoded (or a value encoded) in its format; the store stays usable. */
export class DecodeError extends AutoStoreError {
  /** The format that failed, e.g. `json`. */
  readonly format?: string;
  constructor(message: string, context: ErrorContext & { format?: string } = {}) {
    super(message, context, "DECODE_ERROR");
    if (context.format !== undefined) this.format = context.format;
  }
}

/** An option has a wrong type, a value out of range, or an unknown name. */
export class ConfigError extends AutoStoreError {
  /** The option at fault. */
  readonly field?: string;
  constructor(message: string, context: ErrorContext & { field?: string } = {}) {
    super(message, context, "CONFIG_ERROR");
    if (context.field !== undefined) this.field = context.field;
  }
}

/** The backend refused access (HTTP 403, EACCES, unknown credentials). */
export class PermissionDeniedError extends AutoStoreError {
  /** The service's own reason, where it gave one, e.g. `AccessDenied`, `InvalidAccessKeyId`, `EACCES`. */
  readonly backendCode?: string;
  constructor(message: string, context: ErrorContext & { backendCode?: string } = {}) {
    super(message, context, "PERMISSION_DENIED");
    if (context.backendCode !== undefined) this.backendCode = context.backendCode;
  }
}

/** A write to a backend that only reads (HTTP). */
export class ReadOnlyError extends AutoStoreError {
  constructor(message: string, context: ErrorContext = {}) {
    super(message, context, "READ_ONLY");
  }
}

/** The backend cannot do this at all (e.g. presign on local disk). */
export class UnsupportedOperationError extends AutoStoreError {
  constructor(message: string, context: ErrorContext = {}) {
    super(message, context, "UNSUPPORTED_OPERATION");
  }
}

/** Something already exists where it was to be made (`mkdir` without `existOk` on a folder). */
export class AlreadyExistsError extends AutoStoreError {
  constructor(message: string, context: ErrorContext = {}) {
    super(message, context, "ALREADY_EXISTS");
  }
}

/** A folder operation (`iterdir`, `rmdir`) on a file. */
export class NotADirectoryError extends AutoStoreError {
  constructor(message: string, context: ErrorContext = {}) {
    super(message, context, "NOT_A_DIRECTORY");
  }
}

/** A file operation (reading, `unlink`) on a folder. */
export class IsADirectoryError extends AutoStoreError {
  constructor(message: string, context: ErrorContext = {}) {
    super(message, context, "IS_A_DIRECTORY");
  }
}

/** `rmdir` on a folder with something in it (use `delete()` to remove it with its contents). */
export class DirectoryNotEmptyError extends AutoStoreError {
  constructor(message: string, context: ErrorContext = {}) {
    super(message, context, "DIRECTORY_NOT_EMPTY");
  }
}

/** One problem a Standard Schema reported. */
export interface SchemaIssue {
  message: string;
  path?: readonly (PropertyKey | { key: PropertyKey })[];
}

/** A value failed its Standard Schema (after decoding on `get`, before writing on `set`). */
export class SchemaValidationError extends AutoStoreError {
  readonly issues: readonly SchemaIssue[];
  constructor(message: string, issues: readonly SchemaIssue[], context: ErrorContext = {}) {
    super(message, context, "SCHEMA_VALIDATION");
    this.issues = issues;
  }
}

/**
 * A browser refused a cross-origin answer: the server (an S3 bucket, an HTTP server) answered, but its
 * answer lacks the CORS headers that let this page's origin read it. The bucket or server needs a CORS
 * rule allowing the page's origin, the methods and headers the store sends, and exposing `ETag`; see
 * the README's "S3 from a web page". Never retried: the same request fails the same way.
 */
export class CorsError extends AutoStoreError {
  /** The page's origin, which the rule must allow (e.g. `https://app.example.com`). */
  readonly origin?: string;
  /** The origin of the server that answered (e.g. `https://bucket.s3.eu-west-1.amazonaws.com`). */
  readonly serverOrigin?: string;
  constructor(message: string, context: ErrorContext & { origin?: string; serverOrigin?: string } = {}) {
    super(message, context, "CORS_REFUSED");
    if (context.origin !== undefined) this.origin = context.origin;
    if (context.serverOrigin !== undefined) this.serverOrigin = context.serverOrigin;
  }
}

/** Any other failure of a backend; carries the backend's own code and the HTTP status. */
export class BackendError extends AutoStoreError {
  /** The service's own error code, e.g. `SlowDown`, `EIO`. */
  readonly backendCode?: string;
  constructor(message: string, context: ErrorContext & { backendCode?: string } = {}) {
    super(message, context, "BACKEND_ERROR");
    if (context.backendCode !== undefined) this.backendCode = context.backendCode;
  }
}

/** Maps each code to its class, for precise narrowing in {@link isAutoStoreError}. */
export interface AutoStoreErrorByCode {
  AUTOSTORE_ERROR: AutoStoreError;
  KEY_NOT_FOUND: KeyNotFoundError;
  AMBIGUOUS_KEY: AmbiguousKeyError;
  INVALID_KEY: InvalidKeyError;
  UNSUPPORTED_FORMAT: UnsupportedFormatError;
  DECODE_ERROR: DecodeError;
  CONFIG_ERROR: ConfigError;
  PERMISSION_DENIED: PermissionDeniedError;
  READ_ONLY: ReadOnlyError;
  UNSUPPORTED_OPERATION: UnsupportedOperationError;
  SCHEMA_VALIDATION: SchemaValidationError;
  ALREADY_EXISTS: AlreadyExistsError;
  NOT_A_DIRECTORY: NotADirectoryError;
  IS_A_DIRECTORY: IsADirectoryError;
  DIRECTORY_NOT_EMPTY: DirectoryNotEmptyError;
  CORS_REFUSED: CorsError;
  BACKEND_ERROR: BackendError;
}

// Literal names: a minifying bundler renames classes, and `err.name` must stay "KeyNotFoundError".
for (const [errorClass, name] of [
  [AutoStoreError, "AutoStoreError"],
  [KeyNotFoundError, "KeyNotFoundError"],
  [AmbiguousKeyError, "AmbiguousKeyError"],
  [InvalidKeyError, "InvalidKeyError"],
  [UnsupportedFormatError, "UnsupportedFormatError"],
  [DecodeError, "DecodeError"],
  [ConfigError, "ConfigError"],
  [PermissionDeniedError, "PermissionDeniedError"],
  [ReadOnlyError, "ReadOnlyError"],
  [UnsupportedOperationError, "UnsupportedOperationError"],
  [AlreadyExistsError, "AlreadyExistsError"],
  [NotADirectoryError, "NotADirectoryError"],
  [IsADirectoryError, "IsADirectoryError"],
  [DirectoryNotEmptyError, "DirectoryNotEmptyError"],
  [SchemaValidationError, "SchemaValidationError"],
  [CorsError, "CorsError"],
  [BackendError, "BackendError"],
] as const) {
  Object.defineProperty(errorClass.prototype, "name", { value: name, writable: true, configurable: true });
}

/**
 * True when `err` is an autostore-js error (of the given code, if any), across realms and copies of
 * the library.
 *
 * @example
 * if (isAutoStoreError(err, "KEY_NOT_FOUND")) console.log("missing:", err.key);
 */
export function isAutoStoreError(err: unknown): err is AutoStoreError;
export function isAutoStoreError<C extends AutoStoreErrorCode>(
  err: unknown,
  code: C,
): err is AutoStoreErrorByCode[C];
export function isAutoStoreError(err: unknown, code?: AutoStoreErrorCode): boolean {
  if (typeof err !== "object" || err === null || !(BRAND in err)) return false;
  return code === undefined || (err as unknown as AutoStoreError).code === code;
}

/** The reason an aborted signal carries, as an Error (an `AbortError` DOMException by default). */
export function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException("The operation was aborted.", "AbortError");
}

/**
 * Waits for a promise, but rejects with the signal's reason as soon as it fires: a stalled step (a
 * stream, a shared download) cannot hold a call. The promise itself is not cancelled.
 */
export function raceAbort<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortReason(signal));
    if (signal.aborted) {
      onAbort();
      return;
    }
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(err);
      },
    );
  });
}

/** Throws the signal's reason when it is aborted: call between the steps of an operation. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortReason(signal);
}

/**
 * What a public call rejects with: an {@link AutoStoreError} as it is; once the call's signal has
 * fired, the signal's reason; anything else wrapped, naming the action, the place and the cause.
 */
export function asCallError(
  err: unknown,
  call: { action: string; key: string; uri?: string; signal?: AbortSignal },
): unknown {
  if (call.signal?.aborted) return abortReason(call.signal);
  if (isAutoStoreError(err)) return err;
  return new AutoStoreError(`${call.action} ${call.uri ?? call.key}: ${describeCause(err)}`, {
    key: call.key,
    ...(call.uri ? { uri: call.uri } : {}),
    cause: err,
  });
}

/** A short description of an unknown thrown value, for messages. */
export function describeCause(cause: unknown): string {
  if (cause instanceof Error) return cause.message;
  return String(cause);
}
