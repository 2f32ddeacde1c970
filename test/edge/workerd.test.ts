/**
 * Cloudflare Workers for real: a modules worker that imports the packed `autostore-js`, bundled the
 * way wrangler bundles (esbuild, wrangler's conditions and platform, ESM), run in workerd through
 * miniflare without `nodejs_compat`. It works on memory and on the local S3 server over loopback,
 * with the endpoint and credentials passed as the worker's bindings.
 */
import { randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { type BuildOptions, build } from "esbuild";
import { Miniflare, type ModuleDefinition } from "miniflare";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { packedInstall } from "../helpers/packed.js";
import { type S3Server, startS3Server } from "../helpers/s3-server.js";
import { expectScenario } from "./expect-scenario.js";
import { WRANGLER } from "./platforms.js";
import { EXPECTED_FORMATS, type FormatsReport, type ScenarioEnv, type ScenarioReport } from "./scenario.js";
import { wasmModules } from "./wasm-modules.js";

// A date workerd 1.20260424 accepts (not after its own release).
const COMPATIBILITY_DATE = "2026-04-01";

let s3: S3Server;
let mf: Miniflare | undefined;
let modules: ModuleDefinition[] = [];
let inputs: string[] = [];
let env: ScenarioEnv;

function running(): Miniflare {
  if (!mf) throw new Error("the worker did not start");
  return mf;
}

beforeAll(async () => {
  const [server, pkg] = await Promise.all([startS3Server({ buckets: ["edge"] }), packedInstall()]);
  s3 = server;
  const wasm = new Map<string, string>();
  const options: BuildOptions = {
    stdin: {
      contents: `
        import * as lib from "autostore-js";
        import parquetWasm from "parquet-wasm/esm/parquet_wasm_bg.wasm";
        import { runFormats, runScenario } from ${JSON.stringify(join(import.meta.dirname, "scenario.ts"))};
        export default {
          async fetch(request, env) {
            try {
              if (new URL(request.url).pathname === "/formats") {
                await lib.initParquetWasm(parquetWasm);
                return Response.json(await runFormats(lib));
              }
              return Response.json(await runScenario(lib, env));
            } catch (err) {
              return new Response(String(err && err.stack || err), { status: 500 });
            }
          },
        };`,
      resolveDir: pkg.root,
      loader: "js",
    },
    bundle: true,
    format: "esm",
    target: "es2022",
    write: false,
    metafile: true,
    logLevel: "silent",
    nodePaths: pkg.nodePaths,
    plugins: [wasmModules(wasm)],
    ...WRANGLER,
  };
  const result = await build(options);
  inputs = Object.keys(result.metafile?.inputs ?? {});
  modules = [{ type: "ESModule", path: "/worker/index.mjs", contents: result.outputFiles?.[0]?.text ?? "" }];
  for (const [name, path] of wasm) {
    modules.push({ type: "CompiledWasm", path: `/worker/${name}`, contents: await readFile(path) });
  }
  env = {
    S3_ENDPOINT: s3.endpoint,
    S3_REGION: s3.region,
    S3_BUCKET: "edge",
    S3_ACCESS_KEY_ID: s3.accessKeyId,
    S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
    S3_PREFIX: `workerd-${randomUUID()}`,
  };
  // No compatibility flags: in particular no nodejs_compat.
  mf = new Miniflare({
    modules,
    modulesRoot: "/worker",
    compatibilityDate: COMPATIBILITY_DATE,
    bindings: { ...env },
  });
}, 300_000);

afterAll(async () => {
  await mf?.dispose();
  await s3?.stop();
});

describe("workerd (miniflare, no nodejs_compat)", () => {
  it("bundles the edge build", () => {
    expect(inputs.some((f) => f.endsWith("node_modules/autostore-js/dist/edge/index.js"))).toBe(true);
    expect(inputs.some((f) => f.includes("dist/browser/") || f.includes("dist/node/"))).toBe(false);
    expect(modules[0]?.contents).not.toMatch(/["']node:[a-z_/]+["']/);
    expect(modules.map((m) => m.path)).toEqual(["/worker/index.mjs", "/worker/parquet_wasm_bg.wasm"]);
  });

  it("sets, gets, lists and deletes on memory and on S3 over loopback", async () => {
    const response = await running().dispatchFetch("http://worker.test/");
    const text = await response.text();
    expect(response.status, text).toBe(200);
    const report = JSON.parse(text) as ScenarioReport;
    await expectScenario(report, s3, env.S3_PREFIX);
  });

  it("reads CSV and writes and reads Parquet, with the WASM imported as a module", async () => {
    const response = await running().dispatchFetch("http://worker.test/formats");
    const text = await response.text();
    expect(response.status, text).toBe(200);
    expect(JSON.parse(text) as FormatsReport).toEqual(EXPECTED_FORMATS);
  });
});
