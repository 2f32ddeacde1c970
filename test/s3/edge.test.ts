/**
 * The edge build's S3 story, end to end: the edge entry bundled as a bundler for workerd or Vercel's
 * edge runtime would (esbuild, `edge-light`/`worker` conditions), then run in a bare V8 context with
 * only the web platform's globals (fetch, crypto.subtle, streams; no process, require, Buffer or
 * DOMParser), writing, reading, listing and presigning against the local S3 server.
 */
import vm from "node:vm";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type S3Server, startS3Server } from "../helpers/s3-server.js";

let s3: S3Server;
let bundle: string;

beforeAll(async () => {
  s3 = await startS3Server({ buckets: ["edge"] });
  const result = await build({
    stdin: {
      contents: `export { AutoStore, S3Options } from "./src/edge/index.ts";`,
      resolveDir: new URL("../..", import.meta.url).pathname,
      loader: "ts",
    },
    bundle: true,
    format: "iife",
    globalName: "autostore",
    platform: "neutral",
    conditions: ["edge-light", "worker", "browser"],
    mainFields: ["browser", "module", "main"],
    write: false,
    logLevel: "silent",
  });
  bundle = result.outputFiles[0]?.text ?? "";
});
afterAll(async () => {
  await s3?.stop();
});

/** A context with the web platform's globals and nothing of Node's. */
function edgeContext(): vm.Context {
  const context = vm.createContext({
    fetch,
    crypto,
    ReadableStream,
    TransformStream,
    WritableStream,
    URL,
    URLSearchParams,
    AbortController,
    AbortSignal,
    setTimeout,
    clearTimeout,
    Headers,
    Request,
    Response,
    DOMException,
    Blob,
    queueMicrotask,
    structuredClone,
    atob,
    btoa,
    Event,
    EventTarget,
    performance,
    OuterTextEncoder: TextEncoder,
    TextDecoder,
  });
  // An edge runtime has one realm: bytes from TextEncoder are the context's own Uint8Arrays.
  vm.runInContext(
    `const outer = new OuterTextEncoder();
     globalThis.TextEncoder = class TextEncoder {
       get encoding() { return "utf-8"; }
       encode(text) { return new Uint8Array(outer.encode(text)); }
     };
     delete globalThis.OuterTextEncoder;`,
    context,
  );
  return context;
}

describe("S3 in the edge build", () => {
  it("bundles without the AWS SDK and without node: imports", () => {
    expect(bundle.length).toBeGreaterThan(0);
    expect(bundle).not.toMatch(/["']node:[a-z_]+["']/);
    expect(bundle).not.toContain("@aws-sdk");
    expect(bundle).not.toContain("S3Client");
    expect(bundle).not.toContain("DOMParser");
  });

  it("writes, reads, lists and presigns over signed fetch in a bare web context", async () => {
    const context = edgeContext();
    vm.runInContext(bundle, context);
    context.init = s3.options();
    const out = (await vm.runInContext(
      `(async () => {
        const { AutoStore, S3Options } = autostore;
        const store = new AutoStore("s3://edge/app/", { options: new S3Options(init) });
        const written = await store.set("hello", { from: "the edge" });
        await store.set("notes/a.txt", "text");
        const back = await store.get("hello");
        const keys = [];
        for await (const key of store.keys()) keys.push(key);
        const url = await store.presign("hello.json");
        const viaUrl = await (await fetch(url)).json();
        const range = new TextDecoder().decode(
          await (await store.primaryBackend.read("notes/a.txt", { range: { suffix: 2 } })).bytes(),
        );
        await store.close();
        return JSON.stringify({ written, back, keys, viaUrl, range, process: typeof process, require: typeof require });
      })()`,
      context,
    )) as string;
    expect(JSON.parse(out)).toEqual({
      written: "hello.json",
      back: { from: "the edge" },
      keys: ["hello", "notes/a"],
      viaUrl: { from: "the edge" },
      range: "xt",
      process: "undefined",
      require: "undefined",
    });
  });
});
