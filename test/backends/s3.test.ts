/**
 * The S3 backend against a local S3-compatible server (s3rver): the backend and store conformance
 * suites on both request paths (the AWS SDK, and signed fetch), then what only S3 has. A counting
 * proxy in front of the server shows what went over the wire.
 */
import { randomUUID } from "node:crypto";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  AutoStore,
  ConfigError,
  KeyNotFoundError,
  type Progress,
  S3Backend,
  S3Options,
  type S3OptionsInit,
  UnsupportedOperationError,
} from "../../src/node/index.js";
import { testBackend } from "../conformance/backend.js";
import { testStore } from "../conformance/store.js";
import { testValues } from "../conformance/values.js";
import { type FaultProxy, startProxy } from "../helpers/proxy.js";
import { type S3Server, startS3Server } from "../helpers/s3-server.js";
import { sourceGraph } from "../helpers/source-graph.js";

let s3: S3Server;
let proxy: FaultProxy;

beforeAll(async () => {
  s3 = await startS3Server({ buckets: ["conformance", "extras"] });
  proxy = await startProxy(s3.endpoint);
});
afterAll(async () => {
  await proxy?.stop();
  await s3?.stop();
});
afterEach(() => {
  proxy.reset();
});

for (const transport of ["sdk", "fetch"] as const) {
  testBackend(`s3 over ${transport} (s3rver)`, async () => {
    const backend = new S3Backend(`conformance/backend-${randomUUID()}/`, {
      options: s3.options({ transport }),
    });
    return { backend, cleanup: () => backend.close() };
  });

  testStore(
    `s3 over ${transport} (s3rver)`,
    async () => {
      const store = new AutoStore(`s3://conformance/store-${randomUUID()}/`, {
        options: new S3Options(s3.options({ transport })),
      });
      return { store, cleanup: () => store.close() };
    },
    { propertyRuns: 12 },
  );
}

testValues(
  "s3 (s3rver)",
  async () => {
    const store = new AutoStore(`s3://conformance/values-${randomUUID()}/`, {
      options: new S3Options(s3.options()),
    });
    return { store, cleanup: () => store.close() };
  },
  { numRuns: 10 },
);

const encode = (text: string) => new TextEncoder().encode(text);
const decode = (data: Uint8Array) => new TextDecoder().decode(data);
const viaProxy = (overrides: S3OptionsInit = {}): S3OptionsInit =>
  s3.options({ endpoint: proxy.endpoint, retryDelay: 0.02, ...overrides });

for (const transport of ["sdk", "fetch"] as const) {
  describe(`s3 backend over ${transport}`, () => {
    const backend = (root: string, overrides: S3OptionsInit = {}) =>
      new S3Backend(`extras/${transport}-${root}/`, { options: viaProxy({ transport, ...overrides }) });

    it("reads a suffix range right although the server answers it wrongly", async () => {
      const b = backend("suffix");
      await b.write("footer.bin", encode("0123456789abcdef"));
      proxy.reset();
      const result = await b.read("footer.bin", { range: { suffix: 4 } });
      expect(decode(await result.bytes())).toBe("cdef");
      expect(result.range).toEqual({ start: 12, end: 16 });
      // s3rver answers bytes=-4 with bytes 0-4; the second request names the bytes explicitly and is
      // pinned to the version the first one saw.
      const gets = proxy.log.filter((e) => e.method === "GET");
      expect(gets.map((e) => e.headers.range)).toEqual(["bytes=-4", "bytes=12-15"]);
      expect(gets[1]?.headers["if-match"]).toBe(result.meta.etag);
      await b.close();
    });

    it("copies on the server, also keys whose CopySource two servers decode differently", async () => {
      const b = backend("copy");
      await b.write("from/a b+c=d?.json", encode('{"x":1}'));
      proxy.reset();
      const meta = await b.copy("from/a b+c=d?.json", "to/copy.json");
      expect(meta).toMatchObject({ key: "to/copy.json", size: 7 });
      expect(decode(await (await b.read("to/copy.json")).bytes())).toBe('{"x":1}');
      // No body went through the client: a HEAD, then PUTs with x-amz-copy-source.
      const copies = proxy.log.filter((e) => e.headers["x-amz-copy-source"] !== undefined);
      expect(copies.length).toBeGreaterThanOrEqual(1);
      expect(proxy.log.filter((e) => e.method === "GET" && e.path.includes("from/")).length).toBe(0);
      expect(proxy.log.filter((e) => e.method === "PUT").every((e) => e.bytesReceived === 0)).toBe(true);
      expect("rename" in b).toBe(false);
      await b.close();
    });

    it("copies between two buckets of one service on the server", async () => {
      const options = new S3Options(viaProxy({ transport }));
      const a = new S3Backend(`extras/${transport}-bucket-a/`, { options });
      const b = new S3Backend(`conformance/${transport}-bucket-b/`, { options });
      await a.write("src.json", encode('{"across":true}'));
      proxy.reset();
      const meta = await b.copyFrom(a, "src.json", "dst.json");
      expect(meta).toMatchObject({ key: "dst.json", size: 15 });
      expect(String(proxy.log.find((e) => e.method === "PUT")?.headers["x-amz-copy-source"])).toBe(
        `extras/${transport}-bucket-a/src.json`,
      );
      expect(decode(await (await b.read("dst.json")).bytes())).toBe('{"across":true}');
      // Another service (other options), or another kind of backend: the caller streams instead.
      const other = new S3Backend("extras/other/", { options: viaProxy({ transport }) });
      expect(await b.copyFrom(other, "src.json", "x.json")).toBeUndefined();
      await Promise.all([a.close(), b.close(), other.close()]);
    });

    it("moves within one service as a server-side copy and a delete", async () => {
      const store = new AutoStore(`s3://extras/${transport}-move/`, {
        options: new S3Options(viaProxy({ transport })),
      });
      await store.set("old", { moved: true });
      proxy.reset();
      expect(await store.move("old", "new")).toBe("new.json");
      expect(proxy.log.some((e) => e.headers["x-amz-copy-source"] !== undefined)).toBe(true);
      expect(proxy.count("DELETE")).toBe(1);
      expect(await store.get("new")).toEqual({ moved: true });
      expect(await store.has("old")).toBe(false);
      await store.close();
    });

    it("sends If-None-Match: * for create-mode writes, and checks first where the server ignores it", async () => {
      const strict = backend("create", { conditionalWrites: true });
      expect(strict.capabilities.conditionalWrite).toBe(true);
      await strict.write("once.txt", encode("first"), { mode: "create" });
      expect(proxy.log.find((e) => e.method === "PUT")?.headers["if-none-match"]).toBe("*");

      const checking = backend("create");
      expect(checking.capabilities.conditionalWrite).toBe(false);
      const err = await checking
        .write("once.txt", encode("second"), { mode: "create" })
        .catch((e: unknown) => e);
      expect(err).toMatchObject({ code: "BACKEND_ERROR", status: 412, backendCode: "PreconditionFailed" });
      expect(decode(await (await checking.read("once.txt")).bytes())).toBe("first");
      await strict.close();
      await checking.close();
    });

    it("sends plain bodies to a custom endpoint: no aws-chunked framing, no trailing checksum", async () => {
      const b = backend("plain");
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(new Uint8Array(100_000).fill(1));
          controller.enqueue(new Uint8Array(100_000).fill(2));
          controller.close();
        },
      });
      await b.write("streamed.bin", body);
      const put = proxy.log.find((e) => e.method === "PUT");
      expect(put?.headers["content-encoding"]).toBeUndefined();
      expect(put?.headers["x-amz-trailer"]).toBeUndefined();
      expect(put?.bytesReceived).toBe(200_000);
      expect((await b.head("streamed.bin")).size).toBe(200_000);
      await b.close();
    });

    it("reports read progress, and stops a read when its signal aborts midway", async () => {
      const b = backend("progress");
      await b.write("p.bin", new Uint8Array(3 * 1024 * 1024).fill(9));
      const seen: Progress[] = [];
      const data = await (await b.read("p.bin", { onProgress: (p) => seen.push(p) })).bytes();
      expect(data.length).toBe(3 * 1024 * 1024);
      expect(seen.at(-1)).toEqual({ loaded: 3 * 1024 * 1024, total: 3 * 1024 * 1024 });
      const controller = new AbortController();
      const reading = await b.read("p.bin", {
        signal: controller.signal,
        onProgress: (p) => {
          if (p.loaded > 0) controller.abort();
        },
      });
      await expect(reading.bytes()).rejects.toMatchObject({ name: "AbortError" });
      await b.close();
    });

    it("takes credentials from a provider function, and reads public objects anonymously", async () => {
      let calls = 0;
      const provided = backend("creds", {
        accessKeyId: undefined,
        secretAccessKey: undefined,
        credentials: async () => {
          calls++;
          return { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey };
        },
      });
      await provided.write("public.txt", encode("for everyone"));
      expect(calls).toBeGreaterThan(0);
      const anonymous = backend("creds", {
        accessKeyId: undefined,
        secretAccessKey: undefined,
        anonymous: true,
      });
      expect(anonymous.capabilities.presign).toBe(false);
      expect(decode(await (await anonymous.read("public.txt")).bytes())).toBe("for everyone");
      expect(proxy.log.at(-1)?.headers.authorization).toBeUndefined();
      await expect(anonymous.presign("public.txt", { expiresIn: 60, method: "GET" })).rejects.toBeInstanceOf(
        UnsupportedOperationError,
      );
      await provided.close();
      await anonymous.close();
    });

    it("refuses requests once closed", async () => {
      const b = backend("closed");
      await b.write("x.txt", encode("x"));
      await b.close();
      await expect(b.head("x.txt")).rejects.toMatchObject({ code: "BACKEND_ERROR" });
    });
  });
}

describe("s3 options and roots", () => {
  it("validates its fields, naming the field", () => {
    const field = (fn: () => unknown) => {
      try {
        fn();
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        return (err as ConfigError).field;
      }
      throw new Error("expected a ConfigError");
    };
    expect(field(() => new S3Options({ transport: "grpc" as never }))).toBe("transport");
    expect(field(() => new S3Options({ requestChecksumCalculation: "ALWAYS" as never }))).toBe(
      "requestChecksumCalculation",
    );
    expect(field(() => new S3Options({ conditionalWrites: "yes" as never }))).toBe("conditionalWrites");
    expect(field(() => new S3Backend("b/", { options: { accessKeyId: "AKIA" } }))).toBe("secretAccessKey");
    expect(() => new S3Backend("", {})).toThrow(ConfigError);
  });

  it("parses roots: bucket, prefix, scheme", () => {
    const b = new S3Backend("minio://bucket/some/prefix", { options: {} });
    expect(b).toMatchObject({
      scheme: "minio",
      bucket: "bucket",
      prefix: "some/prefix/",
      root: "minio://bucket/some/prefix/",
    });
    expect(b.uri("a/b.json")).toBe("minio://bucket/some/prefix/a/b.json");
    expect(new S3Backend("bucket").root).toBe("s3://bucket/");
    expect(new S3Backend("bucket/", { defaultTransport: "fetch" }).transport).toBe("fetch");
    expect(
      new S3Backend("bucket/", { options: { transport: "sdk" }, defaultTransport: "fetch" }).transport,
    ).toBe("sdk");
  });

  it("maps a missing object to KeyNotFoundError with its URI", async () => {
    const b = new S3Backend("extras/none/", { options: s3.options() });
    const err = await b.read("nope.json").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KeyNotFoundError);
    expect(err).toMatchObject({
      key: "nope.json",
      uri: "s3://extras/none/nope.json",
      backend: "s3",
      status: 404,
    });
    await b.close();
  });
});

describe("lazy loading", () => {
  const root = join(import.meta.dirname, "../../src");

  /** Every source file an entry reaches, and every package it names (`file: package`). */
  async function graph(entry: string, followDynamic: boolean) {
    const { files, packages } = await sourceGraph(entry, followDynamic);
    return { files, packages: packages.map((p) => `${p.from}: ${p.spec}`) };
  }

  it("loads the AWS SDK in the Node and browser builds only on the first S3 request", async () => {
    for (const entry of ["node/index.ts", "browser/index.ts"]) {
      const { files, packages } = await graph(entry, false);
      expect(packages.filter((p) => /@aws-sdk|@smithy/.test(p))).toEqual([]);
      expect(files).toContain("/s3/backend.ts");
      expect(files).not.toContain("/s3/sdk-transport.ts");
    }
  });

  it("has no path to the AWS SDK at all from the edge build, not even a dynamic import", async () => {
    const { files, packages } = await graph("edge/index.ts", true);
    expect(packages.filter((p) => /@aws-sdk|@smithy|node:/.test(p))).toEqual([]);
    expect(files).toContain("/s3/fetch-transport.ts");
    expect(files).not.toContain("/s3/sdk-transport.ts");
    expect(files).not.toContain("/s3/transports.ts");
    expect(await readdir(join(root, "s3"))).toContain("sdk-transport.ts");
  });
});
