/**
 * S3 from a web page, in Debian's Chromium: the app imports `autostore-js` by its package name,
 * bundled by esbuild for the browser from the packed package, and talks to s3rver (through a counting
 * proxy) with explicit credentials, a credentials provider, anonymously and through presigned URLs; a
 * missing CORS rule is a typed error; the IndexedDB cache survives a reload.
 */
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { GetObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { AutoStore, S3Options } from "../../src/node/index.js";
import { rawS3Client } from "../helpers/s3-server.js";
import { nodeImports, openApp } from "./page.js";
import { call, ok, startWebRig, type WebRig } from "./rig.js";

let rig: WebRig;
let raw: S3Client;

beforeAll(async () => {
  rig = await startWebRig();
  raw = rawS3Client(rig.s3);
}, 300_000);

afterAll(async () => {
  raw?.destroy();
  await rig?.stop();
});

/** The requests the proxy saw, without CORS preflights. */
const sent = () => rig.proxy.log.filter((r) => r.method !== "OPTIONS");

async function readRaw(bucket: string, key: string): Promise<string> {
  const out = await raw.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return (await out.Body?.transformToString()) ?? "";
}

describe("the page's bundle", () => {
  it("is autostore-js's browser build from the packed package, with no node: import", () => {
    expect(nodeImports(rig.app.scripts)).toEqual([]);
    const inputs = Object.keys(rig.app.metafile.inputs);
    expect(inputs.some((i) => i.endsWith("node_modules/autostore-js/dist/browser/index.js"))).toBe(true);
    expect(inputs.filter((i) => /autostore-js\/dist\/(node|edge)\//.test(i))).toEqual([]);
    // The library came from the tarball, not from the checkout's sources.
    expect(inputs.filter((i) => i.includes("/src/") && !i.includes("node_modules"))).toEqual([]);
  });
});

describe("S3 from the page", () => {
  it("sets, gets, lists and deletes with explicit credentials, over signed fetch by default", async () => {
    rig.proxy.reset();
    const report = ok(await call(rig.page, "crud", rig.spec("explicit")));
    expect(report.written).toEqual(["greeting.json", "notes/tom & jerry.txt", "deep/raw.bin"]);
    expect(report.values).toEqual([{ hello: "page", n: [1, 2, 3] }, "cat <and> mouse"]);
    expect(report.bytes).toEqual([0, 1, 254, 255]);
    expect(report.keys).toEqual(["deep/raw", "greeting", "notes/tom & jerry"]);
    expect(report.hasBefore).toEqual([true, false]);
    expect(report.hasAfterDelete).toBe(false);
    expect(report.keysAfterDelete).toEqual(["deep/raw", "notes/tom & jerry"]);
    expect(report.missing).toMatchObject({ code: "KEY_NOT_FOUND", isAutoStoreError: true });
    // What the page wrote is what another client reads.
    expect(await readRaw("web", "explicit/notes/tom & jerry.txt")).toBe("cat <and> mouse");
    // Every request was signed with the given key, and none came from the AWS SDK (which announces
    // itself in x-amz-user-agent): the browser build's default request path is signed fetch.
    expect(sent().length).toBeGreaterThan(5);
    for (const request of sent()) {
      expect(request.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=S3RVER\//);
      expect(request.headers["x-amz-user-agent"]).toBeUndefined();
    }
  });

  it("also works over the AWS SDK in the page with transport: 'sdk'", async () => {
    rig.proxy.reset();
    const report = ok(await call(rig.page, "crud", rig.spec("sdk", { transport: "sdk" })));
    expect(report.values).toEqual([{ hello: "page", n: [1, 2, 3] }, "cat <and> mouse"]);
    expect(report.keysAfterDelete).toEqual(["deep/raw", "notes/tom & jerry"]);
    expect(sent().every((r) => typeof r.headers["x-amz-user-agent"] === "string")).toBe(true);
  });

  it("asks a credentials provider once, or before each request when its credentials are near expiry", async () => {
    const keys = { accessKeyId: rig.s3.accessKeyId, secretAccessKey: rig.s3.secretAccessKey };
    const withoutKeys = (prefix: string, provider: Record<string, unknown>) => {
      const spec = rig.spec(prefix, { accessKeyId: undefined, secretAccessKey: undefined });
      delete spec.init.accessKeyId;
      delete spec.init.secretAccessKey;
      return { ...spec, provider: { ...keys, ...provider } };
    };
    const before = ok(await call(rig.page, "crud", withoutKeys("provider-once", {}))).providerCalls;
    const lasting = ok(
      await call(rig.page, "crud", withoutKeys("provider-hour", { expiresInSeconds: 3600 })),
    ).providerCalls;
    expect(lasting - before).toBe(1);

    // Credentials that expire within the refresh window (five minutes) are asked for again each time.
    rig.proxy.reset();
    const report = ok(await call(rig.page, "crud", withoutKeys("provider-minute", { expiresInSeconds: 60 })));
    expect(report.values).toEqual([{ hello: "page", n: [1, 2, 3] }, "cat <and> mouse"]);
    expect(report.providerCalls - lasting).toBe(sent().length);

    // A provider whose key the server does not know: refused, typed.
    const denied = await call(
      rig.page,
      "get",
      {
        ...withoutKeys("provider-denied", {}),
        provider: { accessKeyId: "UNKNOWN", secretAccessKey: "x" },
      },
      "greeting.json",
    );
    expect(denied).toMatchObject({ ok: false, error: { code: "PERMISSION_DENIED", status: 403 } });
  });

  it("reads a public object anonymously, with unsigned requests", async () => {
    await raw.send(new PutObjectCommand({ Bucket: "web", Key: "public/hello.txt", Body: "hello, anyone" }));
    rig.proxy.reset();
    const spec = rig.spec("public", { anonymous: true });
    delete spec.init.accessKeyId;
    delete spec.init.secretAccessKey;
    expect(ok(await call(rig.page, "get", spec, "hello.txt"))).toEqual({
      kind: "value",
      value: "hello, anyone",
    });
    expect(sent().length).toBeGreaterThan(0);
    for (const request of sent()) {
      expect(request.headers.authorization).toBeUndefined();
      expect(request.headers["x-amz-date"]).toBeUndefined();
    }
  });

  it("reads a presigned GET URL made on Node, and writes through a presigned PUT URL", async () => {
    const node = new AutoStore("s3://web/presigned/", {
      options: new S3Options(rig.s3.options({ endpoint: rig.proxy.endpoint })),
    });
    try {
      await node.set("report", { quarter: 1, revenue: 42 });
      const url = await node.presign("report.json", { expiresIn: 600 });
      expect(ok(await call(rig.page, "getUrl", url))).toEqual({
        kind: "value",
        value: { quarter: 1, revenue: 42 },
      });
      const upload = await node.presign("from-page.txt", { expiresIn: 600, method: "PUT" });
      expect(ok(await call(rig.page, "putUrl", upload, "written by the page"))).toBe(200);
      expect(await node.get("from-page")).toBe("written by the page");
    } finally {
      await node.close();
    }
  });
});

describe("progress from the page", () => {
  // A slow uplink for the uploads: on loopback a browser can hand a whole body over within one
  // progress interval (50 ms), and then reports only its end.
  beforeEach(() => {
    rig.proxy.setFaults({
      every: 1,
      kinds: ["throttle"],
      match: (r) => r.method === "PUT" && r.path.includes("/progress"),
      throttleBytesPerSecond: 32 * 1024 * 1024,
    });
  });
  afterEach(() => rig.proxy.setFaults(undefined));

  it("reports a single PUT as it leaves, and once at the end", async () => {
    rig.proxy.reset();
    const mib = 16;
    const report = ok(await call(rig.page, "progress", rig.spec("progress"), "big.bin", mib));
    expect(report).toMatchObject({ size: mib * 1024 * 1024, same: true });
    // One PUT: under the 64 MiB multipart threshold.
    expect(sent().filter((r) => r.method === "PUT")).toHaveLength(1);
    const loaded = report.events.map((e) => e.loaded);
    expect(loaded.at(-1)).toBe(mib * 1024 * 1024);
    expect(report.events.at(-1)?.total).toBe(mib * 1024 * 1024);
    // Over fetch the only event was the final one: a page cannot watch a fetch body leave. XHR
    // reports as the bytes go (every 50 ms or so), so events come before the end, never backwards.
    expect(loaded.filter((n) => n < mib * 1024 * 1024).length).toBeGreaterThan(0);
    for (let i = 1; i < loaded.length; i++) expect(loaded[i]).toBeGreaterThanOrEqual(loaded[i - 1] as number);
  });

  it("reports a single PUT as it leaves on the AWS SDK's request path too", async () => {
    rig.proxy.reset();
    const mib = 16;
    const spec = rig.spec("progress-sdk", { transport: "sdk" });
    const report = ok(await call(rig.page, "progress", spec, "big.bin", mib));
    expect(report).toMatchObject({ size: mib * 1024 * 1024, same: true });
    const puts = sent().filter((r) => r.method === "PUT");
    expect(puts).toHaveLength(1);
    // Signed by the SDK (its user agent), sent whole.
    expect(puts[0]?.headers["x-amz-user-agent"] ?? puts[0]?.headers["user-agent"]).toMatch(/aws-sdk-js/);
    expect(puts[0]?.bytesReceived).toBe(mib * 1024 * 1024);
    const loaded = report.events.map((e) => e.loaded);
    expect(loaded.at(-1)).toBe(mib * 1024 * 1024);
    expect(report.events.at(-1)?.total).toBe(mib * 1024 * 1024);
    expect(loaded.filter((n) => n < mib * 1024 * 1024).length).toBeGreaterThan(0);
    for (let i = 1; i < loaded.length; i++) expect(loaded[i]).toBeGreaterThanOrEqual(loaded[i - 1] as number);
  });
});

describe("a CORS refusal", () => {
  it("is a CorsError that says the bucket needs a CORS rule, and is not retried", async () => {
    rig.proxy.reset();
    const result = await call(rig.page, "get", rig.spec("blocked", {}, "nocors"), "thing.json");
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toMatchObject({
      name: "CorsError",
      code: "CORS_REFUSED",
      isAutoStoreError: true,
      key: "thing.json",
      uri: "s3://nocors/blocked/thing.json",
      origin: rig.site.origin,
      serverOrigin: rig.proxy.endpoint,
    });
    expect(result.error.message).toContain("the bucket 'nocors' needs a CORS rule");
    expect(result.error.message).toContain(`allows the origin ${rig.site.origin}`);
    expect(result.error.message).toContain("exposes ETag");
    expect(result.error.message).toContain("README");
    expect(result.error.message).not.toContain(rig.s3.secretAccessKey);
    // One refused preflight, one probe, no retries (maxRetries is 3).
    expect(rig.proxy.log.filter((r) => r.path.startsWith("/nocors/")).map((r) => r.method)).toEqual([
      "OPTIONS",
      "HEAD",
    ]);
  });

  it("is a CorsError on the AWS SDK's request path as well", async () => {
    rig.proxy.reset();
    const result = await call(
      rig.page,
      "get",
      rig.spec("blocked", { transport: "sdk", maxRetries: 1 }, "nocors"),
      "thing.json",
    );
    expect(result).toMatchObject({
      ok: false,
      error: { code: "CORS_REFUSED", key: "thing.json", origin: rig.site.origin },
    });
    // Refused once, probed once: the refusal is not retried.
    expect(rig.proxy.log.filter((r) => r.method === "OPTIONS").length).toBe(1);
  });

  it("of an HTTP server is a CorsError too, and never shows a presigned URL's query", async () => {
    const server = http.createServer((req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(req.method === "HEAD" ? undefined : '{"a":1}');
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const result = await call(rig.page, "getUrl", `${origin}/files/a.json?X-Amz-Signature=topsecret`);
      expect(result).toMatchObject({
        ok: false,
        error: { code: "CORS_REFUSED", origin: rig.site.origin, serverOrigin: origin },
      });
      if (result.ok) return;
      expect(result.error.message).toContain(`the server ${origin} needs a CORS rule`);
      expect(JSON.stringify(result.error)).not.toContain("topsecret");
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it("is told apart from a server that does not answer at all", async () => {
    const server = http.createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as AddressInfo).port;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const result = await call(rig.page, "getUrl", `http://127.0.0.1:${port}/gone.json`);
    expect(result).toMatchObject({ ok: false, error: { code: "BACKEND_ERROR", isAutoStoreError: true } });
  });
});

describe("the IndexedDB cache in the page", () => {
  it("serves a reloaded page with no request at all; ignoreCache goes to the server", async () => {
    const spec = rig.spec("cached", { cacheEnabled: true, cacheExpiryHours: 1 });
    const page = await openApp(rig.browser, rig.site.origin);
    try {
      expect(ok(await call(page, "set", spec, "profile", { name: "ada", visits: 1 }))).toBe("profile.json");
      expect(ok(await call(page, "get", spec, "profile"))).toEqual({
        kind: "value",
        value: { name: "ada", visits: 1 },
      });
      // Another client changes the object behind the cache's back.
      await raw.send(
        new PutObjectCommand({
          Bucket: "web",
          Key: "cached/profile.json",
          Body: '{"name":"ada","visits":2}',
        }),
      );
      rig.proxy.reset();
      await page.reload();
      await page.waitForFunction(() => window.appReady === true);
      expect(ok(await call(page, "get", spec, "profile"))).toEqual({
        kind: "value",
        value: { name: "ada", visits: 1 },
      });
      expect(rig.proxy.stats().requests).toBe(0);

      expect(ok(await call(page, "get", spec, "profile", { ignoreCache: true }))).toEqual({
        kind: "value",
        value: { name: "ada", visits: 2 },
      });
      expect(rig.proxy.count("GET")).toBeGreaterThan(0);
    } finally {
      await page.close();
    }
  });
});
