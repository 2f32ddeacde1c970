/**
 * S3 behind a real proxy that misbehaves on purpose (in front of the real s3rver), on both request
 * paths: downloads cut off on some or every attempt, answers longer than their length, ranges that do
 * not add up, unknown credentials, and servers that go silent while the caller aborts. Every outcome
 * is the right bytes, an autostore-js error naming the object, or (for an abort) the signal's reason.
 */
import fc from "fast-check";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  AutoStore,
  BackendError,
  isAutoStoreError,
  PermissionDeniedError,
  S3Backend,
  S3Options,
  type S3OptionsInit,
} from "../../src/node/index.js";
import { type FaultPlan, type FaultProxy, type ProxiedRequest, startProxy } from "../helpers/proxy.js";
import { type S3Server, startS3Server } from "../helpers/s3-server.js";

let s3: S3Server;
let proxy: FaultProxy;
/** How long each aborted call took to settle after its signal fired, for the log at the end. */
const settled: string[] = [];

beforeAll(async () => {
  s3 = await startS3Server({ buckets: ["hostile"] });
  proxy = await startProxy(s3.endpoint);
});
afterAll(async () => {
  if (settled.length > 0) console.log(`aborts settled after:\n  ${settled.join("\n  ")}`);
  await proxy?.stop();
  await s3?.stop();
});
afterEach(() => {
  proxy.setFaults(undefined);
  proxy.reset();
});

const MiB = 1024 * 1024;
const viaProxy = (overrides: S3OptionsInit = {}): S3OptionsInit =>
  s3.options({ endpoint: proxy.endpoint, retryDelay: 0.01, ...overrides });
const pattern = (size: number, seed = 0) =>
  Uint8Array.from({ length: size }, (_, i) => (i * 31 + seed + (i >> 11)) & 255);
const same = (a: Uint8Array, b: Uint8Array) => a.length === b.length && Buffer.from(a).equals(Buffer.from(b));
const isGet = (r: ProxiedRequest) => r.method === "GET" && !r.query.has("list-type");

/** Expects a typed error that names the object and keeps what went wrong underneath, if anything did. */
function expectTyped(err: unknown, key: string, uri: string): void {
  expect(isAutoStoreError(err), String(err)).toBe(true);
  expect(err).toMatchObject({ key, uri });
  if ((err as { backendCode?: string }).backendCode !== "WrongLength")
    expect((err as Error).cause).toBeDefined();
}

for (const transport of ["sdk", "fetch"] as const) {
  describe(`S3 through a hostile network (${transport})`, () => {
    const size = 256 * 1024;
    const data = pattern(size, transport.length);
    let backend: S3Backend;

    beforeAll(async () => {
      backend = new S3Backend(`hostile/${transport}/`, { options: viaProxy({ transport, timeout: 10 }) });
      await backend.write("object.bin", data);
    });
    afterAll(async () => {
      await backend.close();
    });

    it("returns the right bytes when a retry succeeds, and a BackendError when every attempt is cut off", async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 0, max: 3 }),
          fc.integer({ min: 0, max: 4 }),
          fc.integer({ min: 1, max: 32 * 1024 }),
          async (maxRetries, cuts, truncateAfter) => {
            proxy.reset();
            let seen = 0;
            proxy.setFaults({
              every: 1,
              kinds: ["truncate"],
              truncateAfter,
              match: (r) => isGet(r) && ++seen <= cuts,
            });
            const reader = new S3Backend(`hostile/${transport}/`, {
              options: viaProxy({ transport, maxRetries, timeout: 10 }),
            });
            try {
              const got = await reader
                .read("object.bin")
                .then((r) => r.bytes())
                .catch((e: unknown) => e);
              if (cuts <= maxRetries) {
                expect(got instanceof Uint8Array && same(got, data), String(got)).toBe(true);
              } else {
                expectTyped(got, "object.bin", `s3://hostile/${transport}/object.bin`);
                expect(got).toBeInstanceOf(BackendError);
                expect(proxy.count("GET")).toBe(maxRetries + 1);
              }
            } finally {
              proxy.setFaults(undefined);
              await reader.close();
            }
          },
        ),
        { numRuns: 12 },
      );
    });

    it("reads, lists and writes right, or fails typed, when answers run past their Content-Length", async () => {
      proxy.setFaults({ every: 1, kinds: ["overlong"], overlongBy: 64 * 1024 });
      const uri = (key: string) => `s3://hostile/${transport}/${key}`;
      const read = await backend
        .read("object.bin")
        .then((r) => r.bytes())
        .catch((e: unknown) => e);
      if (read instanceof Uint8Array) expect(same(read, data)).toBe(true);
      else expectTyped(read, "object.bin", uri("object.bin"));
      const head = await backend.head("object.bin").catch((e: unknown) => e);
      if (isAutoStoreError(head)) expectTyped(head, "object.bin", uri("object.bin"));
      else expect(head).toMatchObject({ size });
      const write = await backend.write("overlong.bin", data.subarray(0, 1000)).catch((e: unknown) => e);
      if (isAutoStoreError(write)) expectTyped(write, "overlong.bin", uri("overlong.bin"));
      else expect(write).toMatchObject({ size: 1000 });
      const listed: string[] = [];
      const list = await (async () => {
        for await (const entry of backend.list("")) if ("key" in entry) listed.push(entry.key);
      })().catch((e: unknown) => e);
      if (list === undefined) expect(listed).toContain("object.bin");
      else expect(isAutoStoreError(list)).toBe(true);
      expect(proxy.stats().faults).toBeGreaterThanOrEqual(4);
    });

    it("fails a ranged read whose body is longer than its Content-Range with a BackendError", async () => {
      proxy.setFaults({ every: 1, kinds: ["badrange"], match: isGet });
      const err = await backend
        .read("object.bin", { range: { offset: 1000, length: 5000 } })
        .then((r) => r.bytes())
        .catch((e: unknown) => e);
      expectTyped(err, "object.bin", `s3://hostile/${transport}/object.bin`);
      expect(err).toBeInstanceOf(BackendError);
      expect(err).toMatchObject({ backendCode: "WrongLength" });
    });

    it("maps an unknown access key id to PermissionDeniedError with the service's code and status", async () => {
      const store = new AutoStore(`s3://hostile/${transport}-denied/`, {
        options: new S3Options(
          viaProxy({ transport, accessKeyId: "AKIANOSUCHKEY0000000", secretAccessKey: "secret" }),
        ),
      });
      const attempts = [
        () => store.set("x", { a: 1 }),
        () => store.get("x.json"),
        async () => {
          for await (const _ of store.keys()) break;
        },
      ];
      for (const attempt of attempts) {
        const err = await attempt().catch((e: unknown) => e);
        expect(err).toBeInstanceOf(PermissionDeniedError);
        expect(err).toMatchObject({ backendCode: "InvalidAccessKeyId", status: 403 });
        expect((err as Error).cause).toBeDefined();
      }
      await store.close();
    });

    describe("settles every call at once when its signal fires while the server is silent", () => {
      const big = pattern(12 * MiB, 5);
      const cases: Array<{
        name: string;
        plan: FaultPlan;
        run: (b: S3Backend, signal: AbortSignal) => Promise<unknown>;
      }> = [
        {
          name: "read, body stalled midway",
          plan: { every: 1, kinds: ["stall"], truncateAfter: 1000, match: isGet },
          run: async (b, signal) => (await b.read("object.bin", { signal })).bytes(),
        },
        {
          name: "read, no answer",
          plan: { every: 1, kinds: ["hang"], match: isGet },
          run: (b, signal) => b.read("object.bin", { signal }),
        },
        {
          name: "head, no answer",
          plan: { every: 1, kinds: ["hang"], match: (r) => r.method === "HEAD" },
          run: (b, signal) => b.head("object.bin", { signal }),
        },
        {
          name: "list, no answer",
          plan: { every: 1, kinds: ["hang"], match: (r) => r.query.has("list-type") },
          run: async (b, signal) => {
            for await (const _ of b.list("", { signal }));
          },
        },
        {
          name: "list, body stalled midway",
          plan: { every: 1, kinds: ["stall"], truncateAfter: 40, match: (r) => r.query.has("list-type") },
          run: async (b, signal) => {
            for await (const _ of b.list("", { signal }));
          },
        },
        {
          name: "write, no answer",
          plan: { every: 1, kinds: ["hang"], match: (r) => r.method === "PUT" },
          run: (b, signal) => b.write("silent.bin", data, { signal }),
        },
        {
          name: "multipart write, a part with no answer",
          plan: { every: 1, kinds: ["hang"], match: (r) => r.query.get("partNumber") === "2" },
          run: (b, signal) => b.write("silent-parts.bin", big, { signal }),
        },
        {
          name: "copy, no answer",
          plan: { every: 1, kinds: ["hang"], match: (r) => r.headers["x-amz-copy-source"] !== undefined },
          run: (b, signal) => b.copy("object.bin", "copied.bin", { signal }),
        },
        {
          name: "delete, no answer",
          plan: { every: 1, kinds: ["hang"], match: (r) => r.method === "DELETE" },
          run: (b, signal) => b.delete("object.bin", { signal }),
        },
      ];
      for (const c of cases) {
        it(c.name, async () => {
          const aborting = new S3Backend(`hostile/${transport}/`, {
            options: viaProxy({
              transport,
              timeout: 10,
              multipartThreshold: 5 * MiB,
              multipartChunkSize: 5 * MiB,
            }),
          });
          proxy.setFaults(c.plan);
          const controller = new AbortController();
          const reason = new Error(`stop: ${c.name}`);
          const call = c.run(aborting, controller.signal).then(
            () => "resolved",
            (e: unknown) => e,
          );
          // Abort once the server has gone silent on the request.
          await expect
            .poll(() => proxy.log.some((e) => e.fault !== undefined), { timeout: 5_000 })
            .toBe(true);
          await new Promise((resolve) => setTimeout(resolve, 50));
          const fired = performance.now();
          controller.abort(reason);
          const outcome = await call;
          const elapsed = performance.now() - fired;
          settled.push(`${transport} ${c.name}: ${elapsed.toFixed(1)} ms`);
          expect(outcome).toBe(reason);
          // The contract is 200 ms; the margin keeps a busy machine from failing the test.
          expect(elapsed).toBeLessThan(1_000);
          proxy.setFaults(undefined);
          await aborting.close();
        });
      }
    });
  });
}

describe("a server that sends its answer's headers a byte at a time", () => {
  // A slow-loris answer: every byte restarts a socket's idle timer, so only a limit on the whole wait
  // for the headers ends the call. The server counts what it has sent when the call settles.
  const head = `HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nETag: "e"\r\nX-Pad: ${"y".repeat(60)}\r\nContent-Length: 7\r\n\r\n{"a":1}`;
  let server: import("node:net").Server;
  let endpoint = "";
  let sent = 0;

  beforeAll(async () => {
    const net = await import("node:net");
    server = net.createServer((socket) => {
      socket.on("error", () => undefined);
      socket.once("data", () => {
        // Each connection from the start of the answer; `sent` counts the latest one's bytes.
        let at = 0;
        const timer = setInterval(() => {
          if (socket.destroyed || at >= head.length) return clearInterval(timer);
          socket.write(head.slice(at, at + 1));
          sent = ++at;
        }, 50);
        socket.on("close", () => clearInterval(timer));
      });
    });
    endpoint = await listen(server);
  });
  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
  });

  for (const transport of ["sdk", "fetch"] as const) {
    it(`ends the call after \`timeout\` (${transport})`, async () => {
      const store = storeOn(endpoint, "slow", { transport, timeout: 0.5, maxRetries: 0 });
      for (const call of [() => store.get("a.json"), () => store.set("a.json", { a: 1 })]) {
        sent = 0;
        const err = await call().catch((e: unknown) => e);
        // 0.5 s is about 10 of the answer's ~150 bytes; without a limit on the whole wait it reads all.
        const at = sent;
        expect(err).toBeInstanceOf(BackendError);
        expect(err).toMatchObject({ backendCode: "TimeoutError", uri: "s3://slow/a.json" });
        expect(at).toBeLessThan(head.length / 2);
      }
      await store.close();
    }, 30_000);
  }
});

describe("a server whose error answer never ends", () => {
  // A 500 with a chunked body that keeps coming: every chunk restarts an idle timer, so only a limit
  // on how much of an error body is read ends the call (S3's error documents are a few hundred bytes).
  let server: import("node:net").Server;
  let endpoint = "";
  let sent = 0;
  const chunk = Buffer.alloc(256 * 1024, 120);

  beforeAll(async () => {
    const net = await import("node:net");
    server = net.createServer((socket) => {
      socket.on("error", () => undefined);
      socket.once("data", () => {
        socket.write("HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/xml\r\n");
        socket.write("Transfer-Encoding: chunked\r\n\r\n");
        const timer = setInterval(() => {
          if (socket.destroyed) return clearInterval(timer);
          socket.write(`${chunk.length.toString(16)}\r\n`);
          socket.write(chunk);
          socket.write("\r\n");
          sent += chunk.length;
        }, 5);
        socket.on("close", () => clearInterval(timer));
      });
    });
    endpoint = await listen(server);
  });
  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
  });

  // The SDK path reads the whole error body inside the SDK, which this library cannot bound.
  it("fails the call with the status after reading a bounded part of it (fetch)", async () => {
    const store = storeOn(endpoint, "endless", { transport: "fetch", maxRetries: 0 });
    sent = 0;
    const err = await store.get("a.json").catch((e: unknown) => e);
    const at = sent;
    await store.close();
    expect(err).toBeInstanceOf(BackendError);
    expect(err).toMatchObject({ status: 500, uri: "s3://endless/a.json" });
    // Unbounded, the read goes on for the idle timeout's 30 s, some 1.5 GB at this pace.
    expect(at).toBeLessThan(16 * MiB);
  }, 60_000);
});

describe.each(["fetch", "sdk"] as const)("close() while calls are in flight (%s)", (transport) => {
  it("ends them and their connections, and sends nothing after", async () => {
    const net = await import("node:net");
    let open = 0;
    let requests = 0;
    const body = '{"a":1}';
    const server = net.createServer((socket) => {
      open++;
      socket.on("close", () => open--);
      socket.on("error", () => undefined);
      socket.on("data", (data) => {
        // One answer per request head, 20 ms late, kept alive.
        for (const _ of data.toString("latin1").matchAll(/\r\n\r\n/g)) {
          requests++;
          setTimeout(() => {
            if (!socket.destroyed)
              socket.write(
                `HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nETag: "e"\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
              );
          }, 20);
        }
      });
    });
    const store = storeOn(await listen(server), "closing", {
      transport,
      maxConcurrency: 2,
      retryDelay: 0.01,
    });
    const outcomes: Array<"ok" | Error> = [];
    const calls = Array.from({ length: 300 }, (_, i) =>
      store.get(`k${i}.json`).then(
        () => outcomes.push("ok"),
        (err: Error) => outcomes.push(err),
      ),
    );
    while (requests < 60) await new Promise((resolve) => setTimeout(resolve, 5));
    await store.close();
    const atClose = requests;
    await Promise.all(calls);
    const failures = outcomes.filter((o): o is Error => o !== "ok");
    expect(failures.length).toBeGreaterThan(200);
    for (const err of failures) {
      expect(err).toBeInstanceOf(BackendError);
      expect(err.message).toMatch(/closed/);
    }
    // At most what was already on the wire when close() was called; then no connection is left.
    expect(requests - atClose).toBeLessThanOrEqual(50);
    for (let i = 0; i < 100 && open > 0; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(open).toBe(0);
    await new Promise((resolve) => server.close(resolve));
  }, 30_000);
});

describe("listings that are not listings (fetch)", () => {
  it("retries a 200 holding S3's <Error>, and refuses an HTML page instead of listing nothing", async () => {
    const { createServer } = await import("node:http");
    const answers: string[] = [];
    let requests = 0;
    const server = createServer((req, res) => {
      req.resume();
      requests++;
      const body = answers.shift() ?? "";
      res.writeHead(200, { "content-type": body.startsWith("<html") ? "text/html" : "application/xml" });
      res.end(body);
    });
    const store = storeOn(await listen(server), "listing", { transport: "fetch", retryDelay: 0.01 });
    const keys = async () => {
      const out: string[] = [];
      for await (const key of store.keys()) out.push(key);
      return out;
    };
    answers.push(
      "<Error><Code>InternalError</Code><Message>We encountered an internal error.</Message></Error>",
      '<?xml version="1.0"?><ListBucketResult><Contents><Key>a.json</Key><Size>7</Size></Contents><IsTruncated>false</IsTruncated></ListBucketResult>',
    );
    expect(await keys()).toEqual(["a"]);
    expect(requests).toBe(2);

    requests = 0;
    answers.push("<html><body>Please sign in to the Wi-Fi</body></html>");
    const err = await keys().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BackendError);
    expect(err).toMatchObject({ backendCode: "NotAListing", uri: "s3://listing/" });
    expect(requests).toBe(1);
    await store.close();
    await new Promise((resolve) => server.close(resolve));
  });
});

/** Listens on a free port of 127.0.0.1; the server's endpoint. */
async function listen(server: import("node:net").Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
}

/** A store on `s3://bucket/` at a hand-written server (which checks no signature). */
function storeOn(endpoint: string, bucket: string, options: S3OptionsInit): AutoStore {
  return new AutoStore(`s3://${bucket}/`, {
    options: new S3Options({
      endpoint,
      region: "us-east-1",
      accessKeyId: "AKID",
      secretAccessKey: "secret",
      ...options,
    }),
  });
}
