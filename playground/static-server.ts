/**
 * A minimal static file server on 127.0.0.1: the playground's server, and the one tests serve pages
 * from (a secure context: OPFS and IndexedDB work there). Content types a browser needs (`.wasm` must
 * be `application/wasm` for streaming compilation), no caching, and a log of the paths requested so
 * a test can tell which chunks a page loaded.
 */
import { readFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { extname, join, normalize, sep } from "node:path";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".json": "application/json",
  ".map": "application/json",
  ".png": "image/png",
  ".svg": "image/svg+xml",
  ".wasm": "application/wasm",
};

/** A running server. */
export interface StaticServer {
  /** `http://127.0.0.1:port/`. */
  url: string;
  /** `http://127.0.0.1:port`, no trailing slash. */
  origin: string;
  /** Paths requested so far. */
  requested: string[];
  close(): Promise<void>;
}

/** Serves `dir` (with `index.html` for a folder) on 127.0.0.1:`port` (`0`: any free port). */
export function serveStatic(dir: string, port = 0): Promise<StaticServer> {
  const root = normalize(dir + sep);
  const requested: string[] = [];
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
    requested.push(path);
    const file = normalize(join(root, path.endsWith("/") ? `${path}index.html` : path));
    if (!file.startsWith(root)) {
      res.writeHead(403).end();
      return;
    }
    readFile(file).then(
      (body) => {
        res.writeHead(200, {
          "content-type": TYPES[extname(file)] ?? "application/octet-stream",
          "cache-control": "no-store",
        });
        res.end(body);
      },
      () => res.writeHead(404, { "content-type": "text/plain" }).end("not found"),
    );
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      resolve({
        url: `${origin}/`,
        origin,
        requested,
        close: () =>
          new Promise((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}
