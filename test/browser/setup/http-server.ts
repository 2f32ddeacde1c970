/**
 * A real HTTP server for the Chromium tests, started in Node before them (a vitest `globalSetup` of
 * the chromium project); its URL reaches the page through `inject("cacheHttpUrl")`.
 *
 * - `GET`/`HEAD /data/<name>` serve what was last put there, with an ETag and Last-Modified, and
 *   answer `If-None-Match` with 304. Responses say `Cache-Control: no-store`, so the browser's HTTP
 *   cache never answers in the server's place and every request the page makes is counted.
 * - `PUT /control/data/<name>` replaces an object (a new ETag), as another writer would.
 * - `GET /control/counts/<name>` gives `{ get, head, conditional, notModified }` for that object.
 * CORS allows any origin and exposes the headers reads need.
 */
import { createHash } from "node:crypto";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    /** Base URL of the counting HTTP server, e.g. `http://127.0.0.1:40123`. */
    cacheHttpUrl: string;
  }
}

interface Stored {
  body: Buffer;
  etag: string;
  modified: Date;
}

interface Counts {
  get: number;
  head: number;
  conditional: number;
  notModified: number;
}

const CORS = {
  "access-control-allow-origin": "*",
  "access-control-allow-methods": "GET, HEAD, PUT, OPTIONS",
  "access-control-allow-headers": "*",
  "access-control-expose-headers": "ETag, Last-Modified, Content-Length, Content-Range, Content-Type",
};

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const objects = new Map<string, Stored>();
  const counts = new Map<string, Counts>();
  let versions = 0;
  const countsOf = (name: string): Counts => {
    const c = counts.get(name) ?? { get: 0, head: 0, conditional: 0, notModified: 0 };
    counts.set(name, c);
    return c;
  };

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const path = decodeURIComponent(url.pathname);
    if (req.method === "OPTIONS") {
      res.writeHead(204, CORS).end();
      return;
    }
    if (req.method === "PUT" && path.startsWith("/control/data/")) {
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", () => {
        const body = Buffer.concat(chunks);
        const hash = createHash("sha256").update(body).digest("hex").slice(0, 16);
        objects.set(path.slice("/control/data/".length), {
          body,
          etag: `"${hash}-${++versions}"`,
          modified: new Date(Math.floor(Date.now() / 1000) * 1000),
        });
        res.writeHead(204, CORS).end();
      });
      return;
    }
    if (req.method === "GET" && path.startsWith("/control/counts/")) {
      const name = path.slice("/control/counts/".length);
      res.writeHead(200, { ...CORS, "content-type": "application/json" }).end(JSON.stringify(countsOf(name)));
      return;
    }
    if ((req.method === "GET" || req.method === "HEAD") && path.startsWith("/data/")) {
      const name = path.slice("/data/".length);
      const c = countsOf(name);
      if (req.method === "HEAD") c.head++;
      else c.get++;
      const object = objects.get(name);
      if (!object) {
        res.writeHead(404, { ...CORS, "cache-control": "no-store" }).end();
        return;
      }
      const headers = {
        ...CORS,
        "cache-control": "no-store",
        etag: object.etag,
        "last-modified": object.modified.toUTCString(),
      };
      const ifNoneMatch = req.headers["if-none-match"];
      if (ifNoneMatch !== undefined) {
        c.conditional++;
        if (ifNoneMatch === object.etag) {
          c.notModified++;
          res.writeHead(304, headers).end();
          return;
        }
      }
      res
        .writeHead(200, {
          ...headers,
          "content-type": "application/octet-stream",
          "content-length": String(object.body.length),
        })
        .end(req.method === "HEAD" ? undefined : object.body);
      return;
    }
    res.writeHead(404, CORS).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  project.provide("cacheHttpUrl", `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  return () => new Promise<void>((resolve) => server.close(() => resolve()));
}
