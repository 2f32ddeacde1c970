/**
 * Large and streamed values on S3, paged listings and presigned URLs, against s3rver behind a
 * counting proxy (which shows what went over the wire: parts, aborts, listing pages). Objects are
 * checked with an independent client, so framing stored by mistake (aws-chunked) cannot hide.
 * Every case runs on both request paths (the AWS SDK, and signed fetch).
 */
import { GetObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import {
  AutoStore,
  isAutoStoreError,
  KeyNotFoundError,
  type Progress,
  S3Backend,
  S3Options,
  type S3OptionsInit,
} from "../../src/node/index.js";
import { type FaultProxy, startProxy } from "../helpers/proxy.js";
import { rawS3Client, type S3Server, startS3Server } from "../helpers/s3-server.js";

const MiB = 1024 * 1024;
let s3: S3Server;
let proxy: FaultProxy;

beforeAll(async () => {
  s3 = await startS3Server({ buckets: ["transfers"] });
  proxy = await startProxy(s3.endpoint);
});
afterAll(async () => {
  await proxy?.stop();
  await s3?.stop();
});
afterEach(() => {
  proxy.setFaults(undefined);
  proxy.reset();
});

const viaProxy = (overrides: S3OptionsInit = {}): S3OptionsInit =>
  s3.options({ endpoint: proxy.endpoint, retryDelay: 0.02, ...overrides });

const pattern = (size: number, seed = 0) => {
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++) out[i] = (i * 131 + seed + (i >> 13)) & 255;
  return out;
};
const same = (a: Uint8Array, b: Uint8Array) => a.length === b.length && Buffer.from(a).equals(Buffer.from(b));

function streamOf(data: Uint8Array, chunk = 64 * 1024): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= data.length) {
        controller.close();
        return;
      }
      controller.enqueue(data.slice(offset, offset + chunk));
      offset += chunk;
    },
  });
}

/** What is on the server, read with a plain SDK client that knows nothing of the store. */
async function rawBytes(key: string): Promise<Uint8Array> {
  const client = rawS3Client(s3);
  try {
    const out = await client.send(new GetObjectCommand({ Bucket: "transfers", Key: key }));
    return (await out.Body?.transformToByteArray()) ?? new Uint8Array(0);
  } finally {
    client.destroy();
  }
}

for (const transport of ["sdk", "fetch"] as const) {
  describe(`S3 transfers (${transport})`, () => {
    const multipart = { multipartThreshold: 5 * MiB, multipartChunkSize: 5 * MiB, maxConcurrency: 2 };

    it("uploads a 12 MiB value in 5 MiB parts and reads it back byte for byte", async () => {
      const lines: string[] = [];
      const logger = {
        debug: (m: string) => lines.push(m),
        info: (m: string) => lines.push(m),
        warn: (m: string) => lines.push(m),
      };
      const store = new AutoStore(`s3://transfers/${transport}-mp/`, {
        options: new S3Options(viaProxy({ transport, ...multipart, logger })),
      });
      const data = pattern(12 * MiB, 1);
      const progress: Progress[] = [];
      expect(await store.set("big", data, { onProgress: (p) => progress.push(p) })).toBe("big.bin");
      expect(proxy.count("POST", "uploads")).toBe(1);
      expect(proxy.count("PUT", "partNumber")).toBe(3);
      expect(proxy.count("POST", "uploadId")).toBe(1);
      expect(progress.at(-1)?.loaded).toBe(12 * MiB);
      const loaded = progress.map((p) => p.loaded);
      expect([...loaded].sort((a, b) => a - b)).toEqual(loaded);
      // The signed path reports each part's bytes as they go, so the total moves by at most 1 MiB
      // between events (the parts in flight report one MiB at a time); the SDK reports each part's end.
      if (transport === "fetch")
        for (const [i, n] of loaded.entries()) expect(n - (loaded[i - 1] ?? 0)).toBeLessThanOrEqual(MiB);
      else expect(progress.length).toBeGreaterThanOrEqual(3);
      expect(lines.some((l) => l.includes("part 3"))).toBe(true);
      expect(same(await store.get<Uint8Array>("big"), data)).toBe(true);
      expect(same(await rawBytes(`${transport}-mp/big.bin`), data)).toBe(true);
      expect((await store.getMetadata("big")).size).toBe(12 * MiB);
      await store.close();
    });

    it("reports a single PUT's progress (every 1 MiB where the request path streams) and its end", async () => {
      const store = new AutoStore(`s3://transfers/${transport}-progress/`, {
        options: new S3Options(viaProxy({ transport, multipartThreshold: 8 * MiB })),
      });
      const data = pattern(3 * MiB + 123, 4);
      const progress: Progress[] = [];
      expect(await store.set("one-put", data, { onProgress: (p) => progress.push(p) })).toBe("one-put.bin");
      const loaded = progress.map((p) => p.loaded);
      expect(progress.every((p) => p.total === data.length)).toBe(true);
      expect(loaded.at(-1)).toBe(data.length);
      expect([...loaded].sort((a, b) => a - b)).toEqual(loaded);
      // Both request paths stream the body on Node, so each can tell each MiB handed over.
      expect(loaded).toEqual([MiB, 2 * MiB, 3 * MiB, data.length]);
      expect(same(await rawBytes(`${transport}-progress/one-put.bin`), data)).toBe(true);
      await store.close();
    });

    it("sends a single PUT with progress whole again when its first attempt fails", async () => {
      const store = new AutoStore(`s3://transfers/${transport}-progress-retry/`, {
        options: new S3Options(viaProxy({ transport, multipartThreshold: 8 * MiB })),
      });
      let failed = false;
      proxy.setFaults({
        every: 1,
        kinds: ["drop"],
        match: (r) => {
          if (failed || r.method !== "PUT") return false;
          failed = true;
          return true;
        },
      });
      const data = pattern(2 * MiB + 5, 9);
      const progress: Progress[] = [];
      await store.set("retried.bin", data, { onProgress: (p) => progress.push(p) });
      expect(proxy.stats().faults).toBe(1);
      const loaded = progress.map((p) => p.loaded);
      expect([...loaded].sort((a, b) => a - b)).toEqual(loaded);
      expect(loaded.at(-1)).toBe(data.length);
      expect(same(await rawBytes(`${transport}-progress-retry/retried.bin`), data)).toBe(true);
      await store.close();
    });

    it("stores a streamed value exactly, whether it fits in one PUT or needs parts", async () => {
      const backend = new S3Backend(`transfers/${transport}-stream/`, {
        options: viaProxy({ transport, ...multipart }),
      });
      // 200,000 bytes is where aws-chunked framing was seen stored verbatim (200,045 bytes).
      for (const [name, size] of [
        ["small.bin", 200_000],
        ["large.bin", 7 * MiB + 123],
      ] as const) {
        const data = pattern(size, size);
        const written = await backend.write(name, streamOf(data));
        expect(written.size).toBe(size);
        const raw = await rawBytes(`${transport}-stream/${name}`);
        expect(raw.length).toBe(size);
        expect(same(raw, data)).toBe(true);
      }
      expect(proxy.count("PUT", "partNumber")).toBe(2);
      await backend.close();
    });

    it("stores a long stream exactly when parts outnumber the uploads in flight, one failing once", async () => {
      const backend = new S3Backend(`transfers/${transport}-long-stream/`, {
        options: viaProxy({ transport, ...multipart }),
      });
      // Seven parts through two workers: part buffers are used again, and a retried part is sent again
      // from its own buffer while the next parts are being read.
      let failed = false;
      proxy.setFaults({
        every: 1,
        kinds: ["slowdown"],
        match: (r) => {
          if (failed || r.query.get("partNumber") !== "3") return false;
          failed = true;
          return true;
        },
      });
      const data = pattern(33 * MiB + 17, 11);
      const written = await backend.write("long.bin", streamOf(data, 100_003));
      expect(written.size).toBe(data.length);
      expect(proxy.stats().faults).toBe(1);
      expect(proxy.count("PUT", "partNumber")).toBe(8);
      const raw = await rawBytes(`${transport}-long-stream/long.bin`);
      expect(same(raw, data)).toBe(true);
      await backend.close();
    });

    it("aborts the multipart upload when the caller aborts midway", async () => {
      const backend = new S3Backend(`transfers/${transport}-abort/`, {
        options: viaProxy({ transport, ...multipart, maxConcurrency: 1 }),
      });
      const controller = new AbortController();
      const err = await backend
        .write("cancelled.bin", pattern(12 * MiB, 3), {
          signal: controller.signal,
          // The first part is up: stop there.
          onProgress: (p) => {
            if (p.loaded >= 5 * MiB) controller.abort();
          },
        })
        .catch((e: unknown) => e);
      expect(err).toMatchObject({ name: "AbortError" });
      // s3rver cannot list open uploads (501), so the proof is on the wire: the abort was sent,
      // with the upload's id, and no completion. The aborted call settles without waiting for it.
      const created = proxy.log.find((e) => e.method === "POST" && e.query.has("uploads"));
      expect(created).toBeDefined();
      const aborts = () => proxy.log.filter((e) => e.method === "DELETE" && e.query.has("uploadId"));
      await vi.waitFor(() => expect(aborts().some((e) => e.status !== undefined)).toBe(true));
      expect(aborts()).toHaveLength(1);
      expect(proxy.count("POST", "uploadId")).toBe(0);
      expect(proxy.count("PUT", "partNumber")).toBeLessThan(3);
      await expect(backend.head("cancelled.bin")).rejects.toBeInstanceOf(KeyNotFoundError);
      await backend.close();
    });

    it("aborts the multipart upload when a part keeps failing", async () => {
      const backend = new S3Backend(`transfers/${transport}-failing/`, {
        options: viaProxy({ transport, ...multipart, maxRetries: 1 }),
      });
      proxy.setFaults({ every: 1, kinds: ["slowdown"], match: (r) => r.query.get("partNumber") === "2" });
      const err = await backend.write("failed.bin", pattern(12 * MiB, 4)).catch((e: unknown) => e);
      expect(isAutoStoreError(err, "BACKEND_ERROR")).toBe(true);
      expect(err).toMatchObject({ status: 503, backendCode: "SlowDown" });
      const uploadId = proxy.log
        .find((e) => e.method === "PUT" && e.query.has("partNumber"))
        ?.query.get("uploadId");
      const aborts = proxy.log.filter((e) => e.method === "DELETE" && e.query.has("uploadId"));
      expect(aborts.map((e) => e.query.get("uploadId"))).toEqual([uploadId]);
      expect(proxy.count("POST", "uploadId")).toBe(0);
      await backend.close();
    });

    it("lists 2,500 keys completely through keys() and listFiles(), page by page", async () => {
      const store = new AutoStore(`s3://transfers/${transport}-many/`, {
        options: new S3Options(viaProxy({ transport })),
      });
      const keys = Array.from({ length: 2500 }, (_, i) => `many/k${String(i).padStart(4, "0")}`);
      let next = 0;
      await Promise.all(
        Array.from({ length: 16 }, async () => {
          while (next < keys.length) {
            const key = keys[next++] as string;
            await store.set(`${key}.json`, { key });
          }
        }),
      );
      await store.set("elsewhere/other.json", { other: true });
      proxy.reset();
      const listed: string[] = [];
      for await (const key of store.keys("many/")) listed.push(key);
      expect(listed).toEqual(keys);
      // S3 pages hold at most 1,000 keys.
      expect(proxy.log.filter((e) => e.query.get("list-type") === "2").length).toBe(3);
      const files: string[] = [];
      for await (const file of store.listFiles("many/*.json")) files.push(file);
      expect(files).toHaveLength(2500);
      expect(new Set(files).size).toBe(2500);
      // A glob lists only under its literal prefix.
      proxy.reset();
      const some: string[] = [];
      for await (const file of store.listFiles("many/k24*.json")) some.push(file);
      expect(some).toHaveLength(100);
      const prefixes = proxy.log.map((e) => e.query.get("prefix"));
      expect(prefixes).toEqual([`${transport}-many/many/k24`]);
      await store.close();
    });

    it("presigns URLs that work with plain fetch, for reading and for writing", async () => {
      const store = new AutoStore(`s3://transfers/${transport}-presign/`, {
        options: new S3Options(s3.options({ transport })),
      });
      await store.set("shared", { shared: true });
      const url = await store.presign("shared", { expiresIn: 600 });
      expect(url).toContain("X-Amz-Signature=");
      const response = await fetch(url);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ shared: true });

      const put = await store.presign("uploaded.txt", { method: "PUT", expiresIn: 60 });
      expect((await fetch(put, { method: "PUT", body: "sent with fetch" })).status).toBe(200);
      expect(await store.get("uploaded")).toBe("sent with fetch");

      // A presigned URL is also a key for the HTTP backend, from any store.
      const reader = new AutoStore(`memory://presigned-${transport}`);
      expect(await reader.get(url, { format: "json" })).toEqual({ shared: true });
      // The format comes from the URL's path: its query string is not part of the file name.
      expect(await reader.get(url)).toEqual({ shared: true });
      // The primary backend's view keeps the backend's optional methods.
      expect(await store.primaryBackend.presign?.("shared.json", { expiresIn: 60, method: "GET" })).toContain(
        "X-Amz-Signature=",
      );
      expect((await reader.getMetadata(url)).size).toBe(15);
      await expect(store.presign("shared.json", { expiresIn: 0 })).rejects.toMatchObject({
        code: "CONFIG_ERROR",
      });
      await store.close();
    });
  });
}
