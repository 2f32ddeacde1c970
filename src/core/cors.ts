/**
 * Telling a CORS refusal from an unreachable server, in a browser. Both make `fetch` reject with the
 * same bare `TypeError` ("Failed to fetch"), and the page may not see why. After such a failure on a
 * cross-origin request, a `no-cors` probe of the same server settles it: an opaque answer means the
 * server is up and answered, so the browser refused the CORS check; a rejection means the network
 * (or the server) is down. Outside a page or worker (Node, edge runtimes) there is no CORS, and
 * nothing is probed.
 */
import { CorsError, type ErrorContext } from "./errors.js";

/** Where the README explains the rule to set. */
export const CORS_HELP = "see the README, section 'S3 from a web page' (CORS)";

/** How long the probe may take: it only has to reach a server that just answered. */
const PROBE_TIMEOUT_MS = 5_000;

/**
 * The origin of the page or worker this code runs in, or undefined outside a browser context. Found
 * from `location` with `document` (a page) or `importScripts` (a worker), never from the user agent.
 */
export function pageOrigin(): string | undefined {
  const g = globalThis as {
    location?: { origin?: string };
    document?: unknown;
    importScripts?: unknown;
  };
  if (g.document === undefined && typeof g.importScripts !== "function") return undefined;
  const origin = g.location?.origin;
  return origin && origin !== "null" ? origin : undefined;
}

/**
 * Resolves with the page's origin when `failure` (what `fetch(url)` rejected with) is a CORS
 * refusal, else undefined; see the module comment.
 */
export async function corsRefusal(
  failure: unknown,
  url: URL | string,
  fetchImpl: typeof fetch = globalThis.fetch,
): Promise<string | undefined> {
  // Aborts and timeouts are ours; only fetch's own network failure is a TypeError.
  if (!(failure instanceof TypeError)) return undefined;
  const origin = pageOrigin();
  if (origin === undefined) return undefined;
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return undefined;
  }
  if (target.origin === origin) return undefined;
  try {
    // Without the query: a presigned URL's signature has no business in a probe.
    const response = await fetchImpl(`${target.origin}${target.pathname}`, {
      method: "HEAD",
      mode: "no-cors",
      cache: "no-store",
      credentials: "omit",
      signal: AbortSignal.timeout(PROBE_TIMEOUT_MS),
    });
    return response.type === "opaque" ? origin : undefined;
  } catch {
    return undefined;
  }
}

/** A URL without what may carry a secret: the query (presigned URLs sign there) and user info. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    const query = parsed.search === "" ? "" : "?…";
    return `${parsed.protocol}//${parsed.host}${parsed.pathname}${query}`;
  } catch {
    const query = url.indexOf("?");
    return query === -1 ? url : `${url.slice(0, query)}?…`;
  }
}

/**
 * What a request path throws on a CORS refusal, for the backend to turn into a {@link CorsError} that
 * names the key (the request path does not know it).
 */
export class CorsRefusal extends Error {
  override readonly name = "CorsRefusal";
  constructor(
    /** The page's origin. */
    readonly origin: string,
    /** The origin of the server that answered. */
    readonly serverOrigin: string,
    /**
     * What fetch rejected with. Not `cause`: the AWS SDK's retry strategy looks down the cause chain
     * and would retry a browser's "Failed to fetch".
     */
    readonly failure: unknown,
  ) {
    super(`the browser refused the answer of ${serverOrigin} to ${origin} (CORS)`);
  }
}

/**
 * The typed error for a CORS refusal: names what was done and where, the page's origin, and the rule
 * the server needs.
 */
export function corsError(refusal: {
  /** What was being done, e.g. `read`, `write`, `GET`. */
  action: string;
  /** The store's name of the object (`s3://bucket/key`, or the URL). */
  uri: string;
  /** What must carry the rule: `the bucket 'b'`, `the server http://host:port`. */
  server: string;
  /** The methods the rule must allow. */
  methods: string;
  origin: string;
  serverOrigin: string;
  context: ErrorContext;
}): CorsError {
  const shown = redactUrl(refusal.uri);
  return new CorsError(
    `${refusal.action} ${shown}: the browser refused the answer of ${refusal.serverOrigin} (CORS): ` +
      `${refusal.server} needs a CORS rule that allows the origin ${refusal.origin}, the methods ` +
      `${refusal.methods} and the request headers (AllowedHeader *), and exposes ETag; ${CORS_HELP}`,
    { ...refusal.context, uri: shown, origin: refusal.origin, serverOrigin: refusal.serverOrigin },
  );
}
