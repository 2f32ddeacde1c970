/**
 * The HTTP(S) backend against a local node:http server that serves a folder on disk, as a static
 * file server does: keys with every printable and reserved character reach the server as encoded
 * names, and bodies in transit encodings (gzip or deflate with the compressed Content-Length,
 * chunked with no length) read as their decoded bytes.
 */

import { createHash } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { dirname, join } from "node:path";
import { brotliCompressSync, deflateSync, gzipSync } from "node:zlib";
import fc from "fast-check";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  AutoStore,
  type ByteRange,
  HttpBackend,
  isAutoStoreError,
  type Progress,
} from "../../src/node/index.js";
import { answerRange } from "../helpers/http-range.js";
import { keyArbitrary } from "../helpers/keys.js";
import { tempDir } from "../helpers/tmp.js";

interface Mode {
  /** Send bodies in this coding, with the coded length (and ranges over the coded bytes). */
  encoding?: "gzip" | "deflate" | "br";
  /** Send no Content-Length (chunked transfer), on GET and HEAD. */
  chunked?: boolean;
  /** Send bytes that are not what the coding says. */
  corrupt?: boolean;
  /** Answer every GET with the whole body (200), Range or not. */
  ignoreRange?: boolean;
  /** Cut the connection after this many body bytes, on the next GET only. */
  breakNextGetAfter?: number;
}

interface FolderServer {
  endpoint: string;
  root: string;
  mode: Mode;
  /** Raw request targets, as they arrived. */
  received: Array<{ method: string; url: string; range?: string }>;
  stop(): Promise<void>;
}

const CODERS = { gzip: gzipSync, deflate: deflateSync, br: brotliCompressSync };

async function startFolderServer(root: string): Promise<FolderServer> {
  const state: FolderServer = { endpoint: "", root, mode: {}, received: [], stop: async () => undefined };
  const answer = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const method = req.method ?? "GET";
    const raw = req.url ?? "/";
    const range = req.headers.range;
    state.received.push({ method, url: raw, ...(range ? { range } : {}) });
    const path = raw.split("?")[0] as string;
    if (!path.startsWith("/files/")) return res.writeHead(404).end();
    let segments: string[];
    try {
      segments = path.slice("/files/".length).split("/").map(decodeURIComponent);
    } catch {
      return res.writeHead(400).end();
    }
    if (segments.some((s) => s === "" || s === "." || s === ".." || s.includes("\0"))) {
      return res.writeHead(400).end();
    }
    let data: Uint8Array;
    try {
      // Like any static server: a decoded `%2F` is a folder separator here.
      data = await readFile(join(root, ...segments));
    } catch {
      return res.writeHead(404).end();
    }
    const mode = state.mode;
    const headers: http.OutgoingHttpHeaders = {
      etag: `"${createHash("md5").update(data).digest("hex")}"`,
      "content-type": "application/octet-stream",
      "accept-ranges": "bytes",
    };
    let body = data;
    if (mode.encoding) {
      body = CODERS[mode.encoding](data);
      if (mode.corrupt) body = Uint8Array.from(body, (b, i) => (i > 12 ? b ^ 0x5a : b));
      headers["content-encoding"] = mode.encoding;
      headers.vary = "accept-encoding";
    }
    const answer = answerRange(mode.ignoreRange ? undefined : range, body.length);
    if (answer.kind === "unsatisfiable") {
      return res.writeHead(416, { "content-range": `bytes */${body.length}` }).end();
    }
    let status = 200;
    let start = 0;
    let end = body.length;
    if (answer.kind === "part") {
      ({ start, end } = answer);
      status = 206;
      headers["content-range"] = `bytes ${start}-${end - 1}/${body.length}`;
    }
    const sent = body.subarray(start, end);
    if (!mode.chunked) headers["content-length"] = sent.length;
    res.writeHead(status, headers);
    if (method === "HEAD") return res.end();
    const cut = method === "GET" ? mode.breakNextGetAfter : undefined;
    if (cut !== undefined) {
      mode.breakNextGetAfter = undefined;
      res.write(sent.subarray(0, cut), () => res.socket?.destroy());
      return;
    }
    // Two writes: a chunked answer comes in more than one chunk.
    const half = sent.length >> 1;
    res.write(sent.subarray(0, half));
    res.end(sent.subarray(half));
  };
  const server = http.createServer((req, res) => {
    answer(req, res).catch(() => res.destroy());
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
/** Characters a URL path carries as themselves; everything else must arrive percent-encoded. */
const SAFE_IN_PATH = /^(?:[A-Za-z0-9\-._~/]|%[0-9A-F]{2})*$/;

let server: FolderServer;
let folder: Awaited<ReturnType<typeof tempDir>>;
const put = async (name: string, data: Uint8Array | string) => {
  const file = join(folder.path, ...name.split("/"));
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, data);
};

beforeAll(async () => {
  folder = await tempDir("autostore-http-folder-");
  server = await startFolderServer(folder.path);
});
afterAll(async () => {
  await server?.stop();
  await folder?.remove();
});
afterEach(() => {
  server.mode = {};
  server.received.length = 0;
});

const backend = () => new HttpBackend(`${server.endpoint}/files/`, { retryDelay: 0.01, maxRetries: 1 });

describe("http keys are names", () => {
  it("reads the file a key names, whatever its characters, and sends the name encoded", async () => {
    const b = backend();
    let run = 0;
    await fc.assert(
      fc.asyncProperty(keyArbitrary({ maxSegmentBytes: 255, suffix: ".bin" }), async (name) => {
        const key = `p${run++}/${name}`;
        const data = encode(`value of ${key}`);
        await put(key, data);
        server.received.length = 0;
        expect(decode(await (await b.read(key)).bytes())).toBe(decode(data));
        expect((await b.head(key)).size).toBe(data.length);
        for (const { url } of server.received) {
          // No query, no fragment, nothing unescaped: the name arrives whole, segment by segment.
          expect(url).toMatch(SAFE_IN_PATH);
          expect(url.slice("/files/".length).split("/").map(decodeURIComponent)).toEqual(key.split("/"));
        }
        expect(b.uri(key)).toBe(`${server.endpoint}${server.received[0]?.url}`);
      }),
      { numRuns: 120 },
    );
  });

  it("reads the names the issue found misread: ?, % and an escaped slash", async () => {
    await put("scan?1.json", '{"file":"scan?1"}');
    await put("scan", '{"file":"scan"}');
    await put("100%.json", '{"file":"100%"}');
    await put("a%2Fb.json", '{"file":"a%2Fb"}');
    await put("a/b.json", '{"file":"a/b"}');
    await put("h#1.json", '{"file":"h#1"}');
    const store = new AutoStore(`${server.endpoint}/files/`);
    expect(await store.get("scan?1.json")).toEqual({ file: "scan?1" });
    expect(await store.get("100%.json")).toEqual({ file: "100%" });
    expect(await store.get("a%2Fb.json")).toEqual({ file: "a%2Fb" });
    expect(await store.get("a/b.json")).toEqual({ file: "a/b" });
    expect(await store.get("h#1.json")).toEqual({ file: "h#1" });
    expect(server.received.map((r) => r.url)).toContain("/files/scan%3F1.json");
    expect(server.received.map((r) => r.url)).toContain("/files/a%252Fb.json");
  });

  it("takes a full-URI key as a URL: its escapes and query are kept", async () => {
    await put("sp ace/\u00fc.json", "[1,2]");
    await put("signed.json", '{"signed":true}');
    const store = new AutoStore(`memory://http-keys-${Date.now()}`);
    expect(await store.get(`${server.endpoint}/files/sp%20ace/%C3%BC.json`)).toEqual([1, 2]);
    server.received.length = 0;
    expect(
      await store.get(`${server.endpoint}/files/signed.json?X-Amz-Signature=abc&X-Amz-Expires=60`),
    ).toEqual({
      signed: true,
    });
    expect(server.received.map((r) => r.url)).toContain(
      "/files/signed.json?X-Amz-Signature=abc&X-Amz-Expires=60",
    );
    // The same name on a root: a `?` in a key is part of the name, which no file has.
    server.received.length = 0;
    await expect(backend().read("signed.json?X-Amz-Signature=abc")).rejects.toMatchObject({
      code: "KEY_NOT_FOUND",
    });
    expect(server.received.map((r) => r.url)).toEqual(["/files/signed.json%3FX-Amz-Signature%3Dabc"]);
  });

  it("keeps NFC and NFD spellings of one name apart", async () => {
    await put("caf\u00e9.json", '"nfc"');
    await put("cafe\u0301.json", '"nfd"');
    const store = new AutoStore(`${server.endpoint}/files/`);
    expect(await store.get("caf\u00e9.json")).toBe("nfc");
    expect(await store.get("cafe\u0301.json")).toBe("nfd");
  });
});

describe("http bodies in transit encodings", () => {
  const text = Array.from({ length: 4000 }, (_, i) => `line ${i}: ${"abc".repeat(i % 17)}`).join("\n");
  const value = { rows: Array.from({ length: 500 }, (_, i) => ({ i, name: `row ${i}` })) };

  beforeAll(async () => {
    await put("enc/text.txt", text);
    await put("enc/value.json", JSON.stringify(value));
    await put("enc/empty.bin", new Uint8Array(0));
  });

  const modes: Mode[] = [
    { encoding: "gzip" },
    { encoding: "deflate" },
    { encoding: "br" },
    { chunked: true },
    { chunked: true, ignoreRange: true },
    { encoding: "gzip", chunked: true },
    { encoding: "gzip", ignoreRange: true },
  ];
  for (const mode of modes) {
    const name = `${mode.encoding ?? "identity"}${mode.chunked ? ", chunked" : ""}${mode.ignoreRange ? ", no ranges" : ""}`;

    it(`reads the decoded value (${name}), with its size and progress`, async () => {
      server.mode = mode;
      const store = new AutoStore(`${server.endpoint}/files/`);
      expect(await store.get("enc/value.json")).toEqual(value);
      const seen: Progress[] = [];
      expect(await store.get("enc/text.txt", { onProgress: (p) => seen.push(p) })).toBe(text);
      const size = encode(text).length;
      expect(seen.at(-1)).toEqual({ loaded: size, total: size });
      for (const p of seen) expect(p.total === undefined || p.total >= p.loaded).toBe(true);
      const result = await backend().read("enc/text.txt");
      expect(result.meta.size).toBe(size);
      expect((await result.bytes()).length).toBe(size);
      expect((await (await backend().read("enc/empty.bin")).bytes()).length).toBe(0);
      // Metadata is what the server says: the stored (compressed) size; counted when nothing tells it.
      expect(await store.has("enc/text.txt")).toBe(true);
      const stored = mode.encoding ? CODERS[mode.encoding](encode(text)).length : size;
      expect((await store.getMetadata("enc/text.txt")).size).toBe(stored);
    });

    it(`reads ranges of the decoded bytes (${name})`, async () => {
      server.mode = mode;
      const b = backend();
      const whole = encode(text);
      const ranges: ByteRange[] = [
        { offset: 100, length: 50 },
        { offset: 40_000 },
        { suffix: 30 },
        { offset: 10 ** 7 },
      ];
      for (const range of ranges) {
        const result = await b.read("enc/text.txt", { range });
        const bytes = await result.bytes();
        const start = "suffix" in range ? whole.length - range.suffix : Math.min(range.offset, whole.length);
        const end = "length" in range && range.length !== undefined ? start + range.length : whole.length;
        expect(decode(bytes)).toBe(decode(whole.subarray(start, end)));
        expect(result.range).toEqual({ start, end });
      }
    });
  }

  it("reads an encoded body again when it breaks midway, and skips what it had", async () => {
    const messages: string[] = [];
    const logger = { debug: () => undefined, info: (m: string) => messages.push(m), warn: () => undefined };
    const big = Array.from({ length: 60_000 }, (_, i) => `${i * 7919}`).join(",");
    await put("enc/big.txt", big);
    server.mode = { encoding: "gzip", breakNextGetAfter: 20_000 };
    server.received.length = 0;
    const b = new HttpBackend(`${server.endpoint}/files/`, { retryDelay: 0.01, logger });
    expect(decode(await (await b.read("enc/big.txt")).bytes())).toBe(big);
    // The second GET asks for everything again (no range: stored offsets are not decoded ones).
    expect(server.received.map((r) => [r.method, r.range])).toEqual([
      ["GET", undefined],
      ["GET", undefined],
    ]);
    expect(messages.some((m) => m.includes("again to resume"))).toBe(true);
  });

  it("fails with a typed error on a body that is not what its coding says", async () => {
    server.mode = { encoding: "gzip", corrupt: true };
    const err = await backend()
      .read("enc/text.txt")
      .then((r) => r.bytes())
      .catch((e: unknown) => e);
    expect(isAutoStoreError(err)).toBe(true);
    expect(err).toMatchObject({ code: "BACKEND_ERROR", uri: `${server.endpoint}/files/enc/text.txt` });
  });
});
