/**
 * What an IndexedDB failure means to a user of the browser cache: each DOMException the browser
 * throws becomes a {@link BackendError} that names the cached object, the database and what to do.
 */
import { BackendError } from "../core/errors.js";

/** The explanation of a DOMException's name; the browser's own message follows it. */
const REASONS: Record<string, string> = {
  QuotaExceededError: "the browser's storage quota for this site is full (set cacheMaxBytes, or free space)",
  NotFoundError:
    "the database has no object store for the cache: another library uses this name (choose another cacheDir)",
  VersionError: "the database was made by another library with a newer version (choose another cacheDir)",
  InvalidStateError: "IndexedDB is unavailable here (private browsing, or storage blocked for this site)",
  SecurityError: "IndexedDB is not allowed here (storage blocked for this site, or an opaque origin)",
  UnknownError: "IndexedDB failed in the browser (a full disk, or a damaged browser profile)",
  AbortError: "the transaction was aborted (the database was closed or deleted meanwhile)",
};

/** The name of a DOMException (or any error), for matching. */
export function errorName(err: unknown): string | undefined {
  return typeof err === "object" && err !== null && "name" in err && typeof err.name === "string"
    ? err.name
    : undefined;
}

/** The object's URI from an entry id: ids are a URI behind an optional 32-digit service hash. */
export function uriOfId(id: string): string {
  return /^[0-9a-f]{32} /.test(id) ? id.slice(33) : id;
}

/** The typed error for an IndexedDB failure while doing `action` on `id` (undefined: the whole cache). */
export function idbError(
  action: string,
  id: string | undefined,
  database: string,
  err: unknown,
): BackendError {
  const name = errorName(err) ?? "Error";
  const detail = err instanceof Error ? err.message : String(err);
  const reason = REASONS[name] ?? name;
  const what = id === undefined ? "" : ` ${uriOfId(id)}`;
  return new BackendError(`cache: ${action}${what} in IndexedDB '${database}': ${reason}: ${detail}`, {
    ...(id === undefined ? {} : { uri: uriOfId(id) }),
    backend: "indexeddb",
    backendCode: name,
    cause: err,
  });
}
