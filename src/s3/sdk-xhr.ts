/**
 * An AWS SDK request handler that sends through `XMLHttpRequest` (see xhr-send.ts), for the single
 * PUTs whose progress a page shows on the SDK's request path: the SDK's own browser handler uses
 * `fetch`, which cannot report a body leaving. Only those PUTs use it; every other request keeps the
 * SDK's handler.
 *
 * Written here rather than taken from `@aws-sdk/xhr-http-handler`: that package reports progress per
 * handler through a Node-style event emitter (and ships a polyfill of `events` for it), and reads
 * answers through `responseText`; this is a few lines over the XHR sender the signed-fetch path
 * already has, with the same failure shapes.
 */
import type { S3ClientConfig } from "@aws-sdk/client-s3";
import { encodeRfc3986 } from "./sigv4.js";
import { xhrSend } from "./xhr-send.js";

/** What the handler reads of the SDK's `HttpRequest` (a signed request, ready to send). */
interface SdkRequest {
  method: string;
  protocol: string;
  hostname: string;
  port?: number;
  path: string;
  query?: Record<string, string | string[] | null>;
  headers: Record<string, string>;
  body?: unknown;
}

/** Where progress goes: the reporter of each request in flight, keyed by the request the SDK sends. */
export type UploadReports = WeakMap<object, (loaded: number) => void>;

type RequestHandler = NonNullable<S3ClientConfig["requestHandler"]>;

/**
 * A request handler for an S3 client whose requests carry a byte body; each request whose object is
 * in `reports` (put there by a middleware at the deserialize step, which sees the signed request the
 * handler gets) has its reporter called with the bytes sent so far.
 */
export function xhrRequestHandler(reports: UploadReports): RequestHandler {
  return {
    metadata: { handlerProtocol: "http/1.1" },
    async handle(request: SdkRequest, options?: { abortSignal?: AbortSignal }) {
      const url = new URL(
        `${request.protocol}//${request.hostname}${request.port ? `:${request.port}` : ""}${request.path}`,
      );
      url.search = queryString(request.query ?? {});
      const body = request.body instanceof Uint8Array ? request.body : new Uint8Array();
      const report = reports.get(request);
      const response = await xhrSend(
        url,
        { method: request.method, headers: request.headers, body, signal: options?.abortSignal },
        (loaded) => report?.(loaded),
      );
      const headers: Record<string, string> = {};
      response.headers.forEach((value, name) => {
        headers[name] = value;
      });
      return {
        response: {
          statusCode: response.status,
          reason: response.statusText,
          headers,
          body: response.body ?? new Uint8Array(),
        },
      };
    },
    updateHttpClientConfig() {},
    httpHandlerConfigs: () => ({}),
    destroy() {},
  } as unknown as RequestHandler;
}

/** The query as the SDK's own handlers send it: names and values RFC 3986-encoded; `null` is a bare name. */
function queryString(query: Record<string, string | string[] | null>): string {
  const parts: string[] = [];
  for (const name of Object.keys(query).sort()) {
    const value = query[name];
    const key = encodeRfc3986(name);
    if (value === null || value === undefined) parts.push(key);
    else for (const v of Array.isArray(value) ? value : [value]) parts.push(`${key}=${encodeRfc3986(v)}`);
  }
  return parts.join("&");
}
