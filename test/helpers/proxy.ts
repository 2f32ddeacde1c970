/**
 * A real HTTP proxy on 127.0.0.1 in front of a server (s3rver, a static server): clients talk to
 * `proxy.endpoint` as if it were the server. It counts what passes (requests by method, bytes each
 * way) and can inject the faults a network and a busy service produce, on a fixed schedule so tests
 * are reproducible:
 * - `slowdown`: 503 with S3's `SlowDown` error body;
 * - `drop`: the connection is closed before any answer;
 * - `slow500`: a 500 `InternalError`, after a delay;
 * - `truncate`: the request reaches the server, and the answer is cut off midway through its body;
 * - `stall`: the same, except that the connection stays open and silent (until the client gives up);
 * - `overlong`: the whole answer, then `overlongBy` bytes more than its `Content-Length` said, on the
 *   same connection (a broken server or middlebox), which is then closed;
 * - `badrange`: a ranged answer whose `Content-Range` claims half the bytes its body holds;
 * - `hang`: the request is never read nor answered, and the connection stays open;
 * - `throttle`: the request body is passed on at `throttleBytesPerSecond` (a slow uplink), so a
 *   client's upload progress moves in steps however fast the machine is.
 *
 * It can also hold answers back (`hold`): a slow link, on the test's cue rather than a timer, so a
 * race between a read and a write is forced the same way on every run.
 *
 * @example
 * const proxy = await startProxy(s3.endpoint, { every: 3, kinds: ["slowdown", "drop", "slow500"] });
 * // point the client at proxy.endpoint …
 * proxy.count("DELETE", "uploadId"); // AbortMultipartUpload requests seen
 * proxy.stats().bytesSent;          // response bytes relayed to clients
 * await proxy.stop();
 */
import * as http from "node:http";
import type { AddressInfo } from "node:net";

/** A fault the proxy can inject; see the module comment. */
export type FaultKind =
  | "slowdown"
  | "drop"
  | "slow500"
  | "truncate"
  | "stall"
  | "overlong"
  | "badrange"
  | "hang"
  | "throttle";

/** A request as the proxy saw it. */
export interface ProxiedRequest {
  method: string;
  /** Path and query, as sent. */
  url: string;
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
}

/** When and how requests fail. */
export interface FaultPlan {
  /** Fail every n-th request that `match` accepts (1 = every one, 3 = one in three). */
  every: number;
  /** The faults, used in turn. */
  kinds: FaultKind[];
  /** Which requests may fail. @default all */
  match?: (request: ProxiedRequest) => boolean;
  /** How long a `slow500` waits before answering. @default 500 */
  slowMs?: number;
  /** How many body bytes a `truncate` or `stall` lets through. @default 1024 */
  truncateAfter?: number;
  /** How many bytes an `overlong` answer sends past its `Content-Length`. @default 4096 */
  overlongBy?: number;
  /** The pace of a `throttle`d request body, in bytes a second. @default 32 MiB */
  throttleBytesPerSecond?: number;
}

/** Answers held back by {@link FaultProxy.hold}. */
export interface HeldAnswers {
  /** Resolves once `count` (default: all the hold takes) answers are held. */
  arrived(count?: number): Promise<void>;
  /** Sends every held answer on, and lets later matching requests through. */
  release(): void;
}

interface HoldState {
  match: (request: ProxiedRequest) => boolean;
  remaining: number;
  held: number;
  waiters: { count: number; resolve: () => void }[];
  released: Promise<void>;
  release: () => void;
}

/** One request in the proxy's log. */
export interface ProxyLogEntry extends ProxiedRequest {
  /** The status sent to the client (absent when the connection was dropped). */
  status?: number;
  fault?: FaultKind;
  /** Request body bytes received from the client. */
  bytesReceived: number;
  /** Response body bytes sent to the client. */
  bytesSent: number;
}

/** Totals over the log. */
export interface ProxyStats {
  requests: number;
  byMethod: Record<string, number>;
  /** Response body bytes relayed to clients. */
  bytesSent: number;
  /** Request body bytes received from clients. */
  bytesReceived: number;
  faults: number;
}

/** A running proxy. */
export interface FaultProxy {
  /** `http://127.0.0.1:<port>` */
  endpoint: string;
  /** Every request seen, in arrival order (entries fill in as answers complete). */
  readonly log: readonly ProxyLogEntry[];
  stats(): ProxyStats;
  /** How many requests had this method (any, if omitted) and, if given, this query parameter. */
  count(method?: string, queryParam?: string): number;
  /** Starts (or, with undefined, stops) injecting faults; the schedule starts afresh. */
  setFaults(plan: FaultPlan | undefined): void;
  /**
   * Holds the answers of the next `count` requests that `match` accepts: each request reaches the
   * server at once and its answer is read whole (so it reflects the server's state then), then kept
   * from the client until `release()`.
   */
  hold(match: (request: ProxiedRequest) => boolean, count?: number): HeldAnswers;
  /** Clears the log and the counters (the fault plan stays). */
  reset(): void;
  stop(): Promise<void>;
}

const S3_ERROR = (code: string, message: string) =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>proxy</RequestId></Error>`;

/** Starts a proxy to `target` (`http://host:port`); see the module comment. */
export async function startProxy(target: string, plan?: FaultPlan): Promise<FaultProxy> {
  const upstream = new URL(target);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  const log: ProxyLogEntry[] = [];
  let faults = plan;
  let matched = 0;
  let injected = 0;
  const holds: HoldState[] = [];

  const pickHold = (request: ProxiedRequest): HoldState | undefined => {
    const hold = holds.find((h) => h.remaining > 0 && h.match(request));
    if (hold) hold.remaining -= 1;
    return hold;
  };
  const arrive = (hold: HoldState) => {
    hold.held += 1;
    for (const waiter of hold.waiters.filter((w) => w.count <= hold.held)) waiter.resolve();
  };

  const pickFault = (request: ProxiedRequest): FaultKind | undefined => {
    if (!faults || faults.kinds.length === 0) return undefined;
    if (faults.match && !faults.match(request)) return undefined;
    matched += 1;
    if (matched % faults.every !== 0) return undefined;
    const kind = faults.kinds[injected % faults.kinds.length] as FaultKind;
    injected += 1;
    return kind;
  };

  const server = http.createServer((req, res) => {
    const url = req.url ?? "/";
    const parsed = new URL(url, "http://proxy.invalid");
    const entry: ProxyLogEntry = {
      method: req.method ?? "GET",
      url,
      path: parsed.pathname,
      query: parsed.searchParams,
      headers: req.headers,
      bytesReceived: 0,
      bytesSent: 0,
    };
    log.push(entry);
    req.on("data", (chunk: Buffer) => {
      entry.bytesReceived += chunk.length;
    });
    const fault = pickFault(entry);
    if (fault !== undefined) entry.fault = fault;
    const plan = faults;
    // Say nothing, read nothing: the client waits until it gives up.
    if (fault === "hang") return;

    if (fault === "drop" || fault === "slowdown" || fault === "slow500") {
      // Read the whole request first, as a server that fails late would.
      req.resume();
      req.on("end", () => {
        if (fault === "drop") {
          req.socket.destroy();
          return;
        }
        const answer = () => {
          const body =
            fault === "slowdown"
              ? S3_ERROR("SlowDown", "Please reduce your request rate.")
              : S3_ERROR("InternalError", "We encountered an internal error. Please try again.");
          entry.status = fault === "slowdown" ? 503 : 500;
          entry.bytesSent += Buffer.byteLength(body);
          res.writeHead(entry.status, {
            "content-type": "application/xml",
            "content-length": Buffer.byteLength(body),
          });
          res.end(body);
        };
        if (fault === "slow500") setTimeout(answer, plan?.slowMs ?? 500);
        else answer();
      });
      return;
    }

    const held = fault === undefined ? pickHold(entry) : undefined;
    const headers = { ...req.headers };
    // The proxy relays the body at once; an Expect handshake would only stall it.
    delete headers.expect;
    const forward = http.request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: url,
        headers,
        agent,
      },
      (answer) => {
        if (held) {
          const chunks: Buffer[] = [];
          answer.on("data", (chunk: Buffer) => chunks.push(chunk));
          answer.on("error", () => res.socket?.destroy());
          answer.on("end", () => {
            arrive(held);
            void held.released.then(() => {
              const body = Buffer.concat(chunks);
              entry.status = answer.statusCode ?? 502;
              entry.bytesSent += body.length;
              res.writeHead(entry.status, answer.headers);
              res.end(body);
            });
          });
          return;
        }
        entry.status = answer.statusCode ?? 502;
        if (fault === "overlong") {
          // Node's response refuses to write past Content-Length: write the answer on the socket.
          const socket = req.socket;
          const head = [`HTTP/1.1 ${entry.status} ${answer.statusMessage ?? ""}`];
          for (let i = 0; i < answer.rawHeaders.length; i += 2) {
            const name = answer.rawHeaders[i] as string;
            if (!/^(connection|keep-alive|transfer-encoding)$/i.test(name))
              head.push(`${name}: ${answer.rawHeaders[i + 1]}`);
          }
          const chunks: Buffer[] = [];
          answer.on("data", (chunk: Buffer) => chunks.push(chunk));
          answer.on("end", () => {
            const body = Buffer.concat(chunks);
            if (answer.headers["content-length"] === undefined) head.push(`Content-Length: ${body.length}`);
            const extra = Buffer.alloc(plan?.overlongBy ?? 4096, 0x78);
            entry.bytesSent += body.length + extra.length;
            socket.write(`${head.join("\r\n")}\r\n\r\n`);
            socket.write(body);
            socket.end(extra);
          });
          return;
        }
        const range = answer.headers["content-range"];
        if (fault === "badrange" && typeof range === "string") {
          const match = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(range);
          if (match) {
            const start = Number(match[1]);
            const half = start + Math.floor((Number(match[2]) - start) / 2);
            answer.headers["content-range"] = `bytes ${start}-${half}/${match[3]}`;
          }
        }
        res.writeHead(entry.status, answer.headers);
        const cuts = fault === "truncate" || fault === "stall";
        const limit = cuts ? (plan?.truncateAfter ?? 1024) : Number.POSITIVE_INFINITY;
        let silent = false;
        answer.on("data", (chunk: Buffer) => {
          if (silent) return;
          if (fault === "stall" && entry.bytesSent + chunk.length >= limit) {
            const part = chunk.subarray(0, Math.max(0, limit - entry.bytesSent));
            entry.bytesSent += part.length;
            res.write(part);
            // Keep the client's connection open and say nothing more; free the server's.
            silent = true;
            answer.destroy();
            return;
          }
          if (entry.bytesSent + chunk.length >= limit) {
            const part = chunk.subarray(0, Math.max(0, limit - entry.bytesSent));
            entry.bytesSent += part.length;
            res.write(part, () => {
              res.socket?.destroy();
              answer.destroy();
            });
            return;
          }
          entry.bytesSent += chunk.length;
          res.write(chunk);
        });
        answer.on("end", () => res.end());
        answer.on("error", () => {
          if (!silent) res.socket?.destroy();
        });
      },
    );
    forward.on("error", () => {
      if (!res.headersSent) {
        entry.status = 502;
        res.writeHead(502);
      }
      res.end();
    });
    // A client that hangs up mid-answer (a range read that got what it wanted) stops the upstream too.
    res.on("close", () => {
      if (!res.writableFinished) forward.destroy();
    });
    if (fault === "throttle") {
      // After each chunk, a pause as long as the chunk takes at the given pace: the client's socket
      // buffer fills and its upload goes at that pace.
      const rate = plan?.throttleBytesPerSecond ?? 32 * 1024 * 1024;
      req.on("data", (chunk: Buffer) => {
        forward.write(chunk);
        req.pause();
        setTimeout(() => req.resume(), (chunk.length / rate) * 1000);
      });
      req.on("end", () => forward.end());
    } else {
      req.pipe(forward);
    }
  });
  // Sockets destroyed on purpose make client errors; the server itself must not care.
  server.on("clientError", (_err, socket) => socket.destroy());

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    log,
    stats: () => {
      const byMethod: Record<string, number> = {};
      let bytesSent = 0;
      let bytesReceived = 0;
      let count = 0;
      for (const entry of log) {
        byMethod[entry.method] = (byMethod[entry.method] ?? 0) + 1;
        bytesSent += entry.bytesSent;
        bytesReceived += entry.bytesReceived;
        if (entry.fault) count += 1;
      }
      return { requests: log.length, byMethod, bytesSent, bytesReceived, faults: count };
    },
    count: (method, queryParam) =>
      log.filter(
        (e) =>
          (method === undefined || e.method === method) &&
          (queryParam === undefined || e.query.has(queryParam)),
      ).length,
    setFaults: (next) => {
      faults = next;
      matched = 0;
      injected = 0;
    },
    hold: (match, count = 1) => {
      let release = () => {};
      const released = new Promise<void>((resolve) => {
        release = resolve;
      });
      const state: HoldState = { match, remaining: count, held: 0, waiters: [], released, release };
      holds.push(state);
      return {
        arrived: (wanted = count) =>
          new Promise<void>((resolve) => {
            if (state.held >= wanted) resolve();
            else state.waiters.push({ count: wanted, resolve });
          }),
        release: () => {
          state.remaining = 0;
          state.release();
        },
      };
    },
    reset: () => {
      log.length = 0;
      matched = 0;
      injected = 0;
    },
    stop: async () => {
      for (const hold of holds) hold.release();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      agent.destroy();
    },
  };
}
