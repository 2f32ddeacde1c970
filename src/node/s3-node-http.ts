/**
 * The signed S3 request path on Node over `node:http` / `node:https`: one keep-alive agent per
 * protocol, its sockets shared by every host of the backend up to `maxSockets` each; SigV4 hashes by
 * `node:crypto`.
 *
 * Why not undici (or Node's `fetch`, which is undici): undici parses HTTP with llhttp compiled to
 * WebAssembly, where Node's own client runs the same parser natively. On Node 20, V8 recompiles
 * undici's parser at its optimizing tier after the first request or two, which holds about 30 MiB for
 * a moment: one global `fetch()` raises peak RSS by 41 MiB (12 MiB with `--liftoff-only`), and a
 * 1 GiB upload plus download through an undici pool peaked at 65-74 MiB against 54-56 MiB here
 * (`BENCH_FILTER=autopath npm run bench`, which runs the transfer in a fresh `node` on the built
 * package). undici's `request()` costs less per small request (about 8 µs against a trivial local
 * server), which s3rver never lets show: it spends about 1 ms of CPU on each request.
 */
import {
  Agent as HttpAgent,
  request as httpRequest,
  type IncomingMessage,
  type RequestOptions,
} from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import { abortReason } from "../core/errors.js";
import { progressViews, timeoutError } from "../core/transfer.js";
import { FetchTransport } from "../s3/fetch-transport.js";
import type { HttpRequest, S3HttpFactory } from "../s3/http.js";
import type { TransportConfig } from "../s3/transport.js";
import { NodeAnswer } from "./s3-answer.js";
import { nodeCrypto } from "./sigv4-crypto.js";

/** Where an origin's requests go: parsed once per origin. */
interface Target {
  https: boolean;
  /** As in the URL (the port only when not the protocol's default): what SigV4 signed. */
  host: string;
  hostname: string;
  port: string;
}

/** An S3 HTTP client over Node's own keep-alive agents. */
export const nodeHttp: S3HttpFactory = ({ maxSockets }) => {
  const agents = {
    http: new HttpAgent({ keepAlive: true, maxSockets }),
    https: new HttpsAgent({ keepAlive: true, maxSockets }),
  };
  const targets = new Map<string, Target>();
  let closed = false;
  const targetOf = (origin: string): Target => {
    let target = targets.get(origin);
    if (target === undefined) {
      const url = new URL(origin);
      // A bracketed IPv6 host is given to `http.request` without its brackets.
      target = {
        https: url.protocol === "https:",
        host: url.host,
        hostname: url.hostname.replace(/^\[|\]$/g, ""),
        port: url.port,
      };
      targets.set(origin, target);
    }
    return target;
  };
  return {
    send(request) {
      if (closed) return Promise.reject(new Error("the backend was closed"));
      const target = targetOf(request.origin);
      return send(request, target, target.https ? agents.https : agents.http);
    },
    async close() {
      // Connections, and every request still on them or waiting for one, end now. The queued ones
      // first: an agent whose sockets are destroyed opens new ones for its queue. Read from the
      // agents (`requests`, then `destroy()` for the sockets): no bookkeeping per request.
      closed = true;
      const reason = new Error("the backend was closed while the call was in flight");
      for (const agent of [agents.http, agents.https]) {
        for (const queue of Object.values(agent.requests)) {
          for (const req of queue ?? []) req.destroy(reason);
        }
        agent.destroy();
      }
    },
  };
};

function send(request: HttpRequest, target: Target, agent: HttpAgent): Promise<NodeAnswer> {
  const { body, signal, timeoutMs: ms } = request;
  if (signal?.aborted) return Promise.reject(abortReason(signal));
  const options: RequestOptions = {
    agent,
    hostname: target.hostname,
    method: request.method,
    path: request.path,
    headers: headerList(request, target),
  };
  if (target.port !== "") options.port = target.port;
  return new Promise<NodeAnswer>((resolve, reject) => {
    const req = (target.https ? httpsRequest : httpRequest)(options);
    let answer: NodeAnswer | undefined;
    const end = (reason: Error) => {
      if (answer) answer.failure ??= reason;
      req.destroy(reason);
    };
    // The caller's signal ends the request, and its answer's body until that has been read.
    const onAbort = () => end(abortReason(signal as AbortSignal) as Error);
    signal?.addEventListener("abort", onAbort, { once: true });
    // The socket's idle time: while the body leaves, until the answer's headers arrive, and while
    // `text`/`bytes`/`discard` read the answer's body (`body()` hands that over to its reader).
    req.setTimeout(ms, () => end(timeoutError(ms)));
    // And the whole wait for the headers once the request has left: an idle timer alone lets a server
    // that sends a byte now and then (or 1xx answers) hold the call for as long as it likes.
    let waiting: ReturnType<typeof setTimeout> | undefined;
    req.once("finish", () => {
      waiting = setTimeout(() => end(timeoutError(ms)), ms);
    });
    req.on("error", (err) => {
      clearTimeout(waiting);
      signal?.removeEventListener("abort", onAbort);
      reject(signal?.aborted ? abortReason(signal) : err);
    });
    req.once("response", (res: IncomingMessage) => {
      clearTimeout(waiting);
      if (signal) res.once("close", () => signal.removeEventListener("abort", onAbort));
      answer = new NodeAnswer(res, req, request.method);
      resolve(answer);
    });
    writeBody(req, body, request.onProgress);
  });
}

/** Bytes go out as they are; with progress wanted, in views reported as the socket takes each. */
function writeBody(
  req: ReturnType<typeof httpRequest>,
  body: HttpRequest["body"],
  onProgress: HttpRequest["onProgress"],
): void {
  if (typeof body !== "object" || onProgress === undefined) {
    req.end(body);
    return;
  }
  // The writes queue views (no copies); each callback runs once its bytes are flushed to the socket.
  let sent = 0;
  const views = progressViews(body, () => undefined);
  for (const view of views) {
    req.write(view, (err) => {
      if (err) return;
      sent += view.length;
      onProgress(sent);
    });
  }
  req.end();
}

/**
 * The headers as a flat list, which `http.request` writes as they are, skipping the validation and
 * map of `setHeader` (names and values here come from the signer). With a list, Node adds no `Host`:
 * it is the origin's, as signed.
 */
function headerList(request: HttpRequest, target: Target): string[] {
  const list = ["host", target.host];
  const headers = request.headers;
  for (const name in headers) list.push(name, headers[name] as string);
  if (request.body !== undefined) list.push("content-length", String(byteLength(request.body)));
  return list;
}

function byteLength(body: Uint8Array | string): number {
  return typeof body === "string" ? Buffer.byteLength(body) : body.length;
}

/** The signed request path over {@link nodeHttp} and `node:crypto`. */
export class NodeHttpTransport extends FetchTransport {
  constructor(config: TransportConfig) {
    super(config, nodeHttp, nodeCrypto);
  }
}
