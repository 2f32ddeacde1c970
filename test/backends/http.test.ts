/**
 * The read-only HTTP(S) backend against a local static file server (node:http on 127.0.0.1) whose
 * misbehaviours can be switched on: ignoring Range, refusing HEAD, breaking a download midway,
 * failing with 503 before it works.
 */

import { createHash } from "node:crypto";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  AutoStore,
  HttpBackend,
  isAutoStoreError,
  KeyNotFoundError,
  PermissionDeniedError,
  ReadOnlyError,
  UnsupportedOperationError,
} from "../../src/node/index.js";
import { testBackend } from "../conformance/backend.js";
import { answerRange } from "../helpers/http-range.js";

interface Behaviour {
  /** Answer ranged GETs with 200 and the whole file. */
  ignoreRange?: boolean;
  /** Answer HEAD with 403, as presigned GET URLs do. */
  refuseHead?: boolean;
  /** Cut the connection after this many body bytes, on the next GET only. */
  breakNextGetAfter?: number;
  /** Change this file's content right after the break (a new version mid-download). */
  replaceAfterBreak?: { path: string; data: Uint8Array };
  /** Send this many body bytes on the next GET, then nothing more (the connection stays open). */
  stallNextGetAfter?: number;
  /** Answer the next n requests with 503. */
  fail503?: number;
}

interface StaticServer {
  endpoint: string;
  files: Map<string, Uint8Array>;
  behaviour: Behaviour;
  requests: Array<{ method: string; url: string; range?: string; ifMatch?: string }>;
  bytesSent: number;
  stop(): Promise<void>;
}

const etagOf = (data: Uint8Array) => `"${createHash("md5").update(data).digest("hex")}"`;
const MODIFIED = new Date("2026-01-02T03:04:05Z").toUTCString();

async function startStaticServer(): Promise<StaticServer> {
  const state: StaticServer = {
    endpoint: "",
    files: new Map(),
    behaviour: {},
    requests: [],
    bytesSent: 0,
    stop: async () => undefined,
  };
  const server = http.createServer((req, res) => {
    const method = req.method ?? "GET";
    const url = new URL(req.url ?? "/", "http://x");
    const range = req.headers.range;
    const ifMatch = req.headers["if-match"];
    state.requests.push({
      method,
      url: req.url ?? "/",
      ...(range ? { range } : {}),
      ...(typeof ifMatch === "string" ? { ifMatch } : {}),
    });
    const b = state.behaviour;
    if (b.fail503 && b.fail503 > 0) {
      b.fail503 -= 1;
      res.writeHead(503, { "retry-after": "0" }).end();
      return;
    }
    if (url.pathname.startsWith("/forbidden/")) {
      res.writeHead(403).end();
      return;
    }
    const data = state.files.get(decodeURIComponent(url.pathname));
    if (!data) {
      res.writeHead(404).end();
      return;
    }
    if (method === "HEAD" && b.refuseHead) {
      res.writeHead(403).end();
      return;
    }
    const etag = etagOf(data);
    const headers: http.OutgoingHttpHeaders = {
      etag,
      "last-modified": MODIFIED,
      "content-type": url.pathname.endsWith(".json") ? "application/json" : "application/octet-stream",
      "accept-ranges": "bytes",
    };
    if (typeof ifMatch === "string" && ifMatch !== etag) {
      res.writeHead(412).end();
      return;
    }
    if (req.headers["if-none-match"] === etag) {
      res.writeHead(304, { etag, "last-modified": MODIFIED }).end();
      return;
    }
    const answer = answerRange(b.ignoreRange ? undefined : range, data.length);
    if (answer.kind === "unsatisfiable") {
      res.writeHead(416, { "content-range": `bytes */${data.length}` }).end();
      return;
    }
    let status = 200;
    let start = 0;
    let end = data.length;
    if (answer.kind === "part") {
      ({ start, end } = answer);
      status = 206;
      headers["content-range"] = `bytes ${start}-${end - 1}/${data.length}`;
    }
    headers["content-length"] = end - start;
    res.writeHead(status, headers);
    if (method === "HEAD") {
      res.end();
      return;
    }
    let body = data.subarray(start, end);
    const stall = method === "GET" ? b.stallNextGetAfter : undefined;
    if (stall !== undefined) {
      b.stallNextGetAfter = undefined;
      state.bytesSent += stall;
      res.write(body.subarray(0, stall));
      return;
    }
    const cut = method === "GET" ? b.breakNextGetAfter : undefined;
    if (cut !== undefined) {
      b.breakNextGetAfter = undefined;
      body = body.subarray(0, cut);
      state.bytesSent += body.length;
      res.write(body, () => {
        res.socket?.destroy();
        const replace = b.replaceAfterBreak;
        if (replace) state.files.set(replace.path, replace.data);
      });
      return;
    }
    // Written in 64 KiB pieces, so a client that hangs up early stops the transfer early.
    let offset = 0;
    const pump = () => {
      while (offset < body.length) {
        const piece = body.subarray(offset, offset + 65536);
        offset += piece.length;
        state.bytesSent += piece.length;
        if (!res.write(piece)) {
          res.once("drain", pump);
          return;
        }
      }
      res.end();
    };
    res.on("close", () => res.removeAllListeners("drain"));
    pump();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  state.endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.stop = async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return state;
}

const encode = (text: string) => new TextEncoder().encode(text);
const decode = (data: Uint8Array) => new TextDecoder().decode(data);
/** Byte equality without vitest's element-by-element diff, which takes seconds on a MiB. */
const same = (a: Uint8Array, b: Uint8Array | undefined) =>
  b !== undefined && a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.length).equals(b);
const pattern = (size: number) => Uint8Array.from({ length: size }, (_, i) => (i * 7 + (i >> 9)) & 255);

let server: StaticServer;
beforeAll(async () => {
  server = await startStaticServer();
  server.files.set("/files/config.json", encode('{"key":"value"}'));
  server.files.set("/files/notes.txt", encode("hello over http"));
  server.files.set("/files/digits.txt", encode("0123456789"));
  server.files.set("/files/big.bin", pattern(16 * 1024 * 1024));
  server.files.set("/files/mid.bin", pattern(1024 * 1024));
  server.files.set("/files/sp ace/ü.json", encode("[1,2]"));
  server.files.set("/files/empty.bin", new Uint8Array(0));
});
afterAll(async () => {
  await server?.stop();
});
afterEach(() => {
  server.behaviour = {};
  server.requests.length = 0;
  server.bytesSent = 0;
});

const backend = (init: ConstructorParameters<typeof HttpBackend>[1] = {}) =>
  new HttpBackend(`${server.endpoint}/files/`, { retryDelay: 0.01, ...init });

testBackend("http (static server)", async () => ({ backend: backend() }));

describe("http backend", () => {
  it("reads, heads and states what it can do", async () => {
    const b = backend();
    expect(b.root).toBe(`${server.endpoint}/files/`);
    expect(b.capabilities).toMatchObject({ writable: false, rangeRead: true, presign: false });
    expect(decode(await (await b.read("config.json")).bytes())).toBe('{"key":"value"}');
    const meta = await b.head("config.json");
    expect(meta).toMatchObject({ key: "config.json", size: 15, contentType: "application/json" });
    expect(meta.etag).toBe(etagOf(encode('{"key":"value"}')));
    expect(meta.modifiedTime.toUTCString()).toBe(MODIFIED);
    expect(decode(await (await b.read("sp ace/ü.json")).bytes())).toBe("[1,2]");
    expect(b.uri("sp ace/ü.json")).toBe(`${server.endpoint}/files/sp%20ace/%C3%BC.json`);
  });

  it("reads ranges, suffix ranges, and past the end", async () => {
    const b = backend();
    const read = async (range: { offset: number; length?: number } | { suffix: number }) => {
      const result = await b.read("digits.txt", { range });
      return { text: decode(await result.bytes()), range: result.range, size: result.meta.size };
    };
    expect(await read({ offset: 2, length: 3 })).toEqual({
      text: "234",
      range: { start: 2, end: 5 },
      size: 10,
    });
    expect((await read({ suffix: 4 })).text).toBe("6789");
    expect((await read({ offset: 8, length: 100 })).text).toBe("89");
    expect((await read({ offset: 20 })).text).toBe("");
    expect((await b.read("empty.bin", { range: { suffix: 4 } }).then((r) => r.bytes())).length).toBe(0);
  });

  it("reads a range from a server that ignores Range without downloading the rest", async () => {
    server.behaviour.ignoreRange = true;
    const b = backend();
    const big = server.files.get("/files/big.bin") as Uint8Array;
    const head = await b.read("big.bin", { range: { offset: 100, length: 1000 } });
    expect(head.range).toEqual({ start: 100, end: 1100 });
    expect(await head.bytes()).toEqual(big.subarray(100, 1100));
    // The client hung up after the range: far less than the 16 MiB file went out (what the loopback
    // socket's buffers took before the hang-up, a few MiB on a busy machine, is the rest).
    expect(server.bytesSent).toBeLessThan(8 * 1024 * 1024);
    expect(decode(await (await b.read("digits.txt", { range: { suffix: 3 } })).bytes())).toBe("789");
  });

  it("takes the size from a one-byte ranged GET where HEAD is refused (presigned URLs)", async () => {
    server.behaviour.refuseHead = true;
    const b = backend();
    const meta = await b.head("mid.bin");
    expect(meta.size).toBe(1024 * 1024);
    expect(meta.etag).toBe(etagOf(server.files.get("/files/mid.bin") as Uint8Array));
    expect(server.requests.map((r) => [r.method, r.range])).toEqual([
      ["HEAD", undefined],
      ["GET", "bytes=0-0"],
    ]);
    expect((await b.head("empty.bin")).size).toBe(0);
    const store = new AutoStore(`${server.endpoint}/files/`);
    expect((await store.getMetadata("mid.bin")).size).toBe(1024 * 1024);
  });

  it("resumes a download that breaks midway with a ranged GET pinned to the ETag", async () => {
    const messages: string[] = [];
    const logger = { debug: () => undefined, info: (m: string) => messages.push(m), warn: () => undefined };
    server.behaviour.breakNextGetAfter = 300_000;
    const b = backend({ logger });
    const data = await (await b.read("mid.bin")).bytes();
    expect(same(data, server.files.get("/files/mid.bin"))).toBe(true);
    const gets = server.requests.filter((r) => r.method === "GET");
    expect(gets).toHaveLength(2);
    expect(gets[1]?.range).toBe(`bytes=300000-${1024 * 1024 - 1}`);
    expect(gets[1]?.ifMatch).toBe(etagOf(data));
    expect(messages.some((m) => m.includes("resuming read") && m.includes("300000"))).toBe(true);
  });

  it("gives up on a body that stalls for longer than the timeout, and resumes it", async () => {
    server.behaviour.stallNextGetAfter = 100_000;
    const started = performance.now();
    const data = await (await backend({ timeout: 0.3 }).read("mid.bin")).bytes();
    expect(same(data, server.files.get("/files/mid.bin"))).toBe(true);
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(server.requests.filter((r) => r.method === "GET").map((r) => r.range)).toEqual([
      undefined,
      `bytes=100000-${1024 * 1024 - 1}`,
    ]);
  });

  it("resumes a ranged download, and refuses to mix two versions of an object", async () => {
    const original = server.files.get("/files/mid.bin") as Uint8Array;
    server.behaviour.breakNextGetAfter = 1000;
    const ranged = await (
      await backend().read("mid.bin", { range: { offset: 5000, length: 200_000 } })
    ).bytes();
    expect(same(ranged, original.subarray(5000, 205_000))).toBe(true);

    server.files.set("/files/changing.bin", pattern(500_000));
    server.behaviour.breakNextGetAfter = 1000;
    server.behaviour.replaceAfterBreak = { path: "/files/changing.bin", data: pattern(500_001) };
    const err = await (await backend().read("changing.bin")).bytes().catch((e: unknown) => e);
    expect(isAutoStoreError(err)).toBe(true);
    expect((err as { status?: number }).status).toBe(412);
  });

  it("answers a conditional read with one conditional GET: a 304 has no body", async () => {
    const b = backend();
    const { etag } = await b.head("notes.txt");
    server.requests.length = 0;
    const again = await b.read("notes.txt", { ifNoneMatch: etag });
    expect(again.notModified).toBe(true);
    expect(again.meta.etag).toBe(etag);
    expect(server.requests.map((r) => r.method)).toEqual(["GET"]);
    server.requests.length = 0;
    const changed = await b.read("notes.txt", { ifNoneMatch: '"other"' });
    expect(decode(await changed.bytes())).toBe("hello over http");
    expect(server.requests.map((r) => r.method)).toEqual(["GET"]);
  });

  it("maps statuses onto errors and retries transient ones", async () => {
    const b = backend();
    await expect(b.read("missing.json")).rejects.toBeInstanceOf(KeyNotFoundError);
    const denied = new HttpBackend(`${server.endpoint}/forbidden/`, { retryDelay: 0.01 });
    const err = await denied.read("x.json").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PermissionDeniedError);
    expect(err).toMatchObject({ status: 403, uri: `${server.endpoint}/forbidden/x.json` });
    await expect(denied.head("x.json")).rejects.toBeInstanceOf(PermissionDeniedError);

    server.requests.length = 0;
    server.behaviour.fail503 = 2;
    expect(decode(await (await b.read("notes.txt")).bytes())).toBe("hello over http");
    expect(server.requests).toHaveLength(3);

    server.behaviour.fail503 = 5;
    const exhausted = await backend({ maxRetries: 1 })
      .read("notes.txt")
      .catch((e: unknown) => e);
    expect(exhausted).toMatchObject({ code: "BACKEND_ERROR", status: 503 });
  });

  it("refuses writes and listings", async () => {
    const b = backend();
    await expect(b.write("x.json", encode("{}"))).rejects.toBeInstanceOf(ReadOnlyError);
    await expect(b.delete("config.json")).rejects.toBeInstanceOf(ReadOnlyError);
    await expect(b.copy("config.json", "y.json")).rejects.toBeInstanceOf(ReadOnlyError);
    const listing = async (prefix: string) => {
      const out: string[] = [];
      for await (const entry of b.list(prefix)) out.push("key" in entry ? entry.key : entry.prefix);
      return out;
    };
    await expect(listing("")).rejects.toBeInstanceOf(UnsupportedOperationError);
    await expect(listing("notes.txt?X-Amz-Signature=abc")).rejects.toBeInstanceOf(UnsupportedOperationError);
  });

  it("settles at once when aborted while the server has gone silent mid-body", async () => {
    server.behaviour.stallNextGetAfter = 100_000;
    const controller = new AbortController();
    const result = await backend({ timeout: 10 }).read("mid.bin", { signal: controller.signal });
    const reading = result.bytes();
    setTimeout(() => controller.abort(), 100);
    const aborted = performance.now();
    await expect(reading).rejects.toMatchObject({ name: "AbortError" });
    // The idle timeout is 10 s: settling well inside it shows the abort reached the stalled body.
    expect(performance.now() - aborted).toBeLessThan(1_100);
    server.behaviour.stallNextGetAfter = undefined;
  });

  it("stops at once when aborted", async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(backend().read("notes.txt", { signal: controller.signal })).rejects.toMatchObject({
      name: "AbortError",
    });
  });
});

describe("http through the store", () => {
  it("serves as a root, and as full-URI keys from another store", async () => {
    const store = new AutoStore(`${server.endpoint}/files/`);
    expect(await store.get("config.json")).toEqual({ key: "value" });
    expect(await store.get("notes.txt")).toBe("hello over http");
    expect(await store.has("config.json")).toBe(true);
    expect(await store.has("nothing.json")).toBe(false);
    expect(store.capabilities().writable).toBe(false);
    await expect(store.set("x.json", { a: 1 })).rejects.toBeInstanceOf(ReadOnlyError);

    const local = new AutoStore(`memory://http-test-${Date.now()}`);
    expect(await local.get(`${server.endpoint}/files/config.json`)).toEqual({ key: "value" });
    expect(await local.get(`${server.endpoint}/files/sp%20ace/%C3%BC.json`)).toEqual([1, 2]);
    expect(local.listActiveBackends()).toContain(`http: http://127.0.0.1:${new URL(server.endpoint).port}/`);
    // A local copy of a remote file streams across backends.
    expect(await local.copy(`${server.endpoint}/files/config.json`, "copied")).toBe("copied.json");
    expect(await local.get("copied")).toEqual({ key: "value" });
  });
});
