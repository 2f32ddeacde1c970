/**
 * Which S3 request path runs where: Node's default rule (signed requests over `node:http` when the
 * options carry credentials, the AWS SDK for the default credential chain), the global-fetch path
 * that browsers and edge runtimes use (run here on Node, against s3rver, through the backend
 * conformance suite), no WebAssembly HTTP parser on Node's signed path, and the XML reader against
 * arbitrary keys.
 */
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AutoStore, S3Backend, S3Options } from "../../src/node/index.js";
import { nodeTransportOf } from "../../src/node/s3.js";
import { S3Backend as IsomorphicS3Backend } from "../../src/s3/index.js";
import { elements, escapeXml, text } from "../../src/s3/xml.js";
import { testBackend } from "../conformance/backend.js";
import { type S3Server, startS3Server } from "../helpers/s3-server.js";
import { sourceGraph } from "../helpers/source-graph.js";

let s3: S3Server;

beforeAll(async () => {
  s3 = await startS3Server({ buckets: ["paths"] });
});
afterAll(async () => {
  await s3?.stop();
});

describe("Node's default request path", () => {
  const keys = { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" };
  it.each([
    ["static keys", keys, "fetch"],
    ["a credentials provider", { credentials: async () => keys }, "fetch"],
    ["anonymous access", { anonymous: true }, "fetch"],
    ["no credentials (the default chain)", {}, "sdk"],
    ["a profile", { profile: "dev" }, "sdk"],
    ["a profile next to keys", { profile: "dev", ...keys }, "sdk"],
    ["an explicit sdk", { transport: "sdk" as const, ...keys }, "sdk"],
    ["an explicit fetch", { transport: "fetch" as const, anonymous: false }, "fetch"],
  ])("with %s is %s", (_name, init, expected) => {
    const backend = new S3Backend("bucket/", { options: init });
    expect(backend.transport).toBe(expected);
    if (!("transport" in init)) expect(nodeTransportOf(new S3Options(init))).toBe(expected);
  });

  it("is what a store opened with credentials uses, and it reads and writes", async () => {
    const options = new S3Options(s3.options());
    expect(nodeTransportOf(options)).toBe("fetch");
    const store = new AutoStore(`s3://paths/default-${randomUUID()}/`, { options });
    await store.set("a.json", { a: 1 });
    expect(await store.get("a.json")).toEqual({ a: 1 });
    await store.close();
  });

  it("the isomorphic backend keeps the SDK first and fetch on request", () => {
    expect(new IsomorphicS3Backend("bucket/", { options: s3.options() }).transport).toBe("sdk");
    expect(
      new IsomorphicS3Backend("bucket/", { options: s3.options({ transport: "fetch" }) }).transport,
    ).toBe("fetch");
  });
});

// The global-fetch request path, as browsers and edge runtimes run it, on this Node.
testBackend("s3 over the global fetch (s3rver)", async () => {
  const backend = new IsomorphicS3Backend(`paths/global-fetch-${randomUUID()}/`, {
    options: s3.options({ transport: "fetch" }),
  });
  return { backend, cleanup: () => backend.close() };
});

describe("global fetch and node:http paths agree", () => {
  const sizes = [0, 1, 65_536, 65_537, 300_000];
  for (const [name, make] of [
    ["node:http", (root: string) => new S3Backend(root, { options: s3.options({ transport: "fetch" }) })],
    [
      "global fetch",
      (root: string) => new IsomorphicS3Backend(root, { options: s3.options({ transport: "fetch" }) }),
    ],
  ] as const) {
    it(`${name}: bodies around the whole-read size come back byte for byte, ranges too`, async () => {
      const backend = make(`paths/sizes-${name.replace(/\W+/g, "-")}-${randomUUID()}/`);
      for (const size of sizes) {
        const data = new Uint8Array(size);
        for (let i = 0; i < size; i++) data[i] = (i * 7 + (i >> 9)) & 255;
        await backend.write(`b-${size}.bin`, data);
        const read = await backend.read(`b-${size}.bin`);
        expect(await read.bytes()).toEqual(data);
        if (size > 10) {
          const part = await backend.read(`b-${size}.bin`, { range: { offset: 3, length: size - 6 } });
          expect(await part.bytes()).toEqual(data.subarray(3, size - 3));
        }
      }
      await backend.close();
    });

    it(`${name}: a single PUT reports each MiB as the connection takes it, then its end`, async () => {
      const backend = make(`paths/progress-${name.replace(/\W+/g, "-")}-${randomUUID()}/`);
      const data = new Uint8Array(3 * 1024 * 1024 + 17).fill(5);
      const loaded: number[] = [];
      await backend.write("p.bin", data, { onProgress: (p) => loaded.push(p.loaded) });
      expect(loaded.slice(0, 3)).toEqual([1, 2, 3].map((m) => m * 1024 * 1024));
      expect(loaded.at(-1)).toBe(data.length);
      expect(await (await backend.read("p.bin")).bytes()).toEqual(data);
      await backend.close();
    });
  }
});

describe("module graphs", () => {
  /** Every package an entry reaches through static (and, unless `staticOnly`, dynamic) imports. */
  const packagesOf = async (entry: string, staticOnly = false) =>
    (await sourceGraph(entry, !staticOnly)).packages.map((p) => p.spec);

  it("no entry reaches undici: Node's signed path is node:http, the others use the global fetch", async () => {
    for (const entry of [
      "node/index.ts",
      "node/s3-entry.ts",
      "browser/index.ts",
      "edge/index.ts",
      "s3/index.ts",
    ]) {
      expect(await packagesOf(entry)).not.toContain("undici");
    }
  });

  it("Node's signed path compiles no WebAssembly: small values, a multipart upload, a streamed download", async () => {
    // undici (and Node's fetch) parse HTTP in WebAssembly, which V8 recompiles at its top tier after
    // the first requests, holding about 30 MiB for a moment; node:http's parser is native.
    const child = spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        join(import.meta.dirname, "../fixtures/s3-wasm-count.ts"),
        JSON.stringify(s3.options({ transport: "fetch" })),
        "paths",
      ],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
    expect(code).toBe(0);
    expect(JSON.parse(out)).toEqual({ compiled: 0 });
  }, 60_000);
});

describe("XML reader", () => {
  const key = fc.string({ unit: "grapheme", maxLength: 40 });
  it("reads back every entry of a listing, with or without attributes on the tags", () => {
    fc.assert(
      fc.property(fc.array(key, { maxLength: 20 }), fc.boolean(), (keys, attributes) => {
        const open = (name: string) => (attributes ? `<${name} xmlns="x">` : `<${name}>`);
        const xml = `<?xml version="1.0"?>${open("ListBucketResult")}${keys
          .map((k, i) => `<Contents>${open("Key")}${escapeXml(k)}</Key><Size>${i}</Size></Contents>`)
          .join("")}<IsTruncated>false</IsTruncated></ListBucketResult>`;
        const entries = elements(xml, "Contents");
        expect(entries.map((e) => text(e, "Key"))).toEqual(keys);
        expect(entries.map((e) => Number(text(e, "Size")))).toEqual(keys.map((_, i) => i));
        expect(text(xml, "IsTruncated")).toBe("false");
        expect(text(xml, "KeyCount")).toBeUndefined();
      }),
      { numRuns: 200 },
    );
  });
});
