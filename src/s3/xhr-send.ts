/**
 * One request through `XMLHttpRequest`, answered as `fetch` answers it, for uploads whose progress a
 * page wants to show. A page cannot watch a `fetch` request body leave: Chromium streams request
 * bodies only over HTTP/2 (S3 speaks HTTP/1.1) and the other engines not at all, while an XHR's
 * `upload` fires `progress` events as the bytes go (every 50 ms or so, per the XHR standard:
 * https://xhr.spec.whatwg.org/#concept-event-fire-progress).
 *
 * Failures keep `fetch`'s shapes so the caller's retries and CORS diagnosis apply unchanged: a network
 * failure or a CORS refusal is a bare `TypeError`, an abort rejects with the signal's reason.
 */

/** True where this path exists: pages and dedicated workers (not Node, Deno or edge runtimes). */
export const HAS_XHR = typeof (globalThis as { XMLHttpRequest?: unknown }).XMLHttpRequest === "function";

/** Headers a page may not set (the browser sets them itself); `fetch` drops them silently, XHR warns. */
const FORBIDDEN = new Set(["host", "content-length", "connection", "expect", "keep-alive"]);

/** Statuses whose responses have no body (`new Response` refuses one). */
const NULL_BODY = new Set([101, 103, 204, 205, 304]);

/**
 * Sends `body` with `method` to `url` and resolves to the answer as a `Response` (its body read
 * whole: S3's answers to writes are small XML or empty). `onUpload(loaded)` gets the request body's
 * bytes sent so far, in bytes, as the browser reports them.
 */
export function xhrSend(
  url: URL,
  init: { method: string; headers: Record<string, string>; body: Uint8Array; signal?: AbortSignal },
  onUpload: (loaded: number) => void,
): Promise<Response> {
  return new Promise<Response>((resolve, reject) => {
    const signal = init.signal;
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const xhr = new XMLHttpRequest();
    const onAbort = () => xhr.abort();
    const settle = () => signal?.removeEventListener("abort", onAbort);
    xhr.open(init.method, url.href);
    xhr.responseType = "arraybuffer";
    for (const [name, value] of Object.entries(init.headers)) {
      if (!FORBIDDEN.has(name.toLowerCase())) xhr.setRequestHeader(name, value);
    }
    xhr.upload.onprogress = (event) => onUpload(event.loaded);
    xhr.onload = () => {
      settle();
      const status = xhr.status;
      const body = NULL_BODY.has(status) ? null : (xhr.response as ArrayBuffer | null);
      resolve(new Response(body, { status, statusText: xhr.statusText, headers: parseHeaders(xhr) }));
    };
    xhr.onerror = () => {
      settle();
      reject(new TypeError("Failed to fetch"));
    };
    xhr.onabort = () => {
      settle();
      reject(signal?.aborted ? signal.reason : new TypeError("Failed to fetch"));
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    // An XHR sends a view's bytes only; a copy would double the upload's memory.
    xhr.send(init.body as Uint8Array<ArrayBuffer>);
  });
}

/** `getAllResponseHeaders()` (CRLF-separated `name: value` lines) as `Headers`. */
function parseHeaders(xhr: XMLHttpRequest): Headers {
  const headers = new Headers();
  for (const line of xhr.getAllResponseHeaders().split("\r\n")) {
    const colon = line.indexOf(":");
    if (colon > 0) headers.append(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
  }
  return headers;
}
