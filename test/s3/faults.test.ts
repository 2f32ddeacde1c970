/**
 * S3 through a real, fault-injecting proxy in front of s3rver: retries of 503 SlowDown, dropped
 * connections and slow 500s; downloads cut off midway and resumed; per-attempt timeouts; refusals
 * that are not retried; and unknown credentials that fail fast without the secret showing anywhere.
 * Every case runs on both request paths (the AWS SDK, and signed fetch).
 */
import { inspect } from "node:util";
import { GetObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  AutoStore,
  PermissionDeniedError,
  S3Backend,
  S3Options,
  type S3OptionsInit,
} from "../../src/node/index.js";
import { type FaultProxy, startProxy } from "../helpers/proxy.js";
import { rawS3Client, type S3Server, startS3Server } from "../helpers/s3-server.js";

let s3: S3Server;
let proxy: FaultProxy;

beforeAll(async () => {
  s3 = await startS3Server({ buckets: ["faults"] });
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

function capture() {
  const lines: string[] = [];
  const push =
    (level: string) =>
    (message: string, ...details: unknown[]) => {
      lines.push(`${level} ${message} ${details.map((d) => inspect(d)).join(" ")}`);
    };
  return { lines, logger: { debug: push("debug"), info: push("info"), warn: push("warn") } };
}

/** Options that reach s3rver through the proxy. */
const viaProxy = (overrides: S3OptionsInit = {}): S3OptionsInit =>
  s3.options({ endpoint: proxy.endpoint, retryDelay: 0.02, ...overrides });

function rawClient(): S3Client {
  return rawS3Client(s3);
}

const pattern = (size: number, seed = 0) =>
  Uint8Array.from({ length: size }, (_, i) => (i * 31 + seed + (i >> 11)) & 255);
const same = (a: Uint8Array, b: Uint8Array) => a.length === b.length && Buffer.from(a).equals(Buffer.from(b));

for (const transport of ["sdk", "fetch"] as const) {
  describe(`S3 through a faulty network (${transport})`, () => {
    it("completes 200 concurrent writes and reads when one request in three fails", async () => {
      const { lines, logger } = capture();
      proxy.setFaults({ every: 3, kinds: ["slowdown", "drop", "slow500"], slowMs: 200 });
      const store = new AutoStore(`s3://faults/${transport}-concurrent/`, {
        options: new S3Options(viaProxy({ transport, maxRetries: 10, logger })),
      });
      const value = (i: number) => ({
        i,
        name: `item ${i}`,
        tags: ["a", `t${i % 7}`],
        payload: "x".repeat(i),
      });
      const results = await Promise.all(
        Array.from({ length: 200 }, async (_, i) => {
          expect(await store.set(`items/${i}`, value(i))).toBe(`items/${i}.json`);
          return store.get(`items/${i}`);
        }),
      );
      results.forEach((got, i) => {
        expect(got).toEqual(value(i));
      });
      const stats = proxy.stats();
      expect(stats.faults).toBeGreaterThan(stats.requests / 4);
      expect(lines.some((l) => l.includes("retry") && l.includes("SlowDown"))).toBe(true);
      await store.close();

      // Nothing lost: every object is on the server, read without the proxy and without the store.
      const raw = rawClient();
      const stored = await Promise.all(
        Array.from({ length: 200 }, async (_, i) => {
          const out = await raw.send(
            new GetObjectCommand({ Bucket: "faults", Key: `${transport}-concurrent/items/${i}.json` }),
          );
          return JSON.parse((await out.Body?.transformToString()) ?? "null");
        }),
      );
      raw.destroy();
      stored.forEach((got, i) => {
        expect(got).toEqual(value(i));
      });
    });

    it("resumes a download cut off midway with a ranged GET pinned by If-Match", async () => {
      const { lines, logger } = capture();
      const backend = new S3Backend(`faults/${transport}-resume/`, {
        options: viaProxy({ transport, logger }),
      });
      const data = pattern(3 * 1024 * 1024, 7);
      const { etag } = await backend.write("big.bin", data);
      proxy.reset();
      proxy.setFaults({
        every: 1,
        kinds: ["truncate"],
        truncateAfter: 200_000,
        match: (r) => r.method === "GET",
      });
      // Only the first GET is cut: the plan matches every GET, so switch it off once it fired.
      const read = await backend.read("big.bin");
      proxy.setFaults(undefined);
      expect(same(await read.bytes(), data)).toBe(true);
      const gets = proxy.log.filter((e) => e.method === "GET");
      expect(gets.length).toBeGreaterThanOrEqual(2);
      expect(gets[0]?.fault).toBe("truncate");
      const resumed = gets[1];
      expect(resumed?.headers.range).toMatch(/^bytes=\d+-3145727$/);
      expect(Number(/bytes=(\d+)-/.exec(String(resumed?.headers.range))?.[1])).toBeGreaterThan(0);
      expect(resumed?.headers["if-match"]).toBe(etag);
      expect(lines.some((l) => l.includes("resuming read"))).toBe(true);
      await backend.close();
    });

    it("gives up on a download that stalls midway for longer than the timeout, and resumes it", async () => {
      const backend = new S3Backend(`faults/${transport}-stall/`, {
        options: viaProxy({ transport, timeout: 0.5 }),
      });
      const data = pattern(2 * 1024 * 1024, 9);
      await backend.write("stalling.bin", data);
      proxy.reset();
      proxy.setFaults({
        every: 1,
        kinds: ["stall"],
        truncateAfter: 300_000,
        match: (r) => r.method === "GET",
      });
      const read = await backend.read("stalling.bin");
      proxy.setFaults(undefined);
      const started = performance.now();
      expect(same(await read.bytes(), data)).toBe(true);
      expect(performance.now() - started).toBeLessThan(5_000);
      const gets = proxy.log.filter((e) => e.method === "GET");
      expect(gets[0]?.fault).toBe("stall");
      expect(gets[1]?.headers.range).toMatch(/^bytes=\d+-2097151$/);
      await backend.close();
    });

    it("cuts off an attempt that exceeds the timeout and tries again", async () => {
      const backend = new S3Backend(`faults/${transport}-timeout/`, {
        options: viaProxy({ transport, timeout: 0.3, maxRetries: 3 }),
      });
      await backend.write("t.txt", new TextEncoder().encode("patience"));
      proxy.reset();
      proxy.setFaults({ every: 2, kinds: ["slow500"], slowMs: 5_000, match: (r) => r.method === "GET" });
      const started = performance.now();
      const read = await backend.read("t.txt");
      expect(new TextDecoder().decode(await read.bytes())).toBe("patience");
      expect(performance.now() - started).toBeLessThan(3_000);
      await backend.close();
    });

    it("does not retry a refusal, and maps it to PermissionDeniedError", async () => {
      const backend = new S3Backend(`faults/${transport}-denied/`, {
        options: viaProxy({
          transport,
          accessKeyId: "AKIAUNKNOWN",
          secretAccessKey: "whatever",
          maxRetries: 5,
        }),
      });
      await expect(backend.head("x.json")).rejects.toBeInstanceOf(PermissionDeniedError);
      expect(proxy.stats().requests).toBe(1);
      await backend.close();
    });

    it("fails fast on an unknown access key id, and never shows the secret", async () => {
      const secret = "sEcReT/k3y+never-shown-0123456789abcdef";
      const { lines, logger } = capture();
      const options = new S3Options(
        s3.options({
          transport,
          accessKeyId: "AKIANOSUCHKEY0000000",
          secretAccessKey: secret,
          sessionToken: `${secret}-token`,
          logger,
        }),
      );
      const store = new AutoStore("s3://faults/denied/", { options });
      const started = performance.now();
      const err = await store.set("x", { a: 1 }).catch((e: unknown) => e);
      expect(performance.now() - started).toBeLessThan(5_000);
      expect(err).toBeInstanceOf(PermissionDeniedError);
      expect(err).toMatchObject({ code: "PERMISSION_DENIED", status: 403, uri: "s3://faults/denied/x.json" });
      const getErr = await store.get("x.json").catch((e: unknown) => e);
      expect(getErr).toBeInstanceOf(PermissionDeniedError);
      const shown = [
        (err as Error).message,
        (err as Error).stack,
        String(err),
        JSON.stringify(err),
        inspect(err, { depth: 8, showHidden: true }),
        inspect(getErr, { depth: 8 }),
        inspect(options, { depth: 8, showHidden: true }),
        JSON.stringify(options),
        String(options),
        inspect(store, { depth: 8, showHidden: true }),
        String(store),
        JSON.stringify(store),
        inspect(store.primaryBackend, { depth: 8, showHidden: true }),
        JSON.stringify(store.primaryBackend),
        ...lines,
      ];
      for (const text of shown) expect(text).not.toContain(secret);
      expect(lines.length).toBeGreaterThan(0);
      await store.close();
    });
  });
}
