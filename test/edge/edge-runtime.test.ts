/**
 * Vercel's edge runtime for real: the packed `autostore-js` bundled with the conditions Vercel's edge
 * bundlers use (esbuild, `edge-light`, `worker`, `browser`) as an IIFE, evaluated in `edge-runtime`'s
 * VM (the runtime `vercel dev` runs edge functions in), working on memory and on the local S3 server
 * over loopback.
 */
import { randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { join } from "node:path";
import { EdgeRuntime } from "edge-runtime";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { packedInstall } from "../helpers/packed.js";
import { type S3Server, startS3Server } from "../helpers/s3-server.js";
import { expectScenario } from "./expect-scenario.js";
import { VERCEL } from "./platforms.js";
import { EXPECTED_FORMATS, type FormatsReport, type ScenarioEnv, type ScenarioReport } from "./scenario.js";

let s3: S3Server;
let code = "";
let parquetWasm: WebAssembly.Module;
let inputs: string[] = [];

beforeAll(async () => {
  const [server, pkg] = await Promise.all([startS3Server({ buckets: ["edge"] }), packedInstall()]);
  s3 = server;
  const result = await build({
    stdin: {
      contents: `
        import * as lib from "autostore-js";
        import { runFormats, runScenario } from ${JSON.stringify(join(import.meta.dirname, "scenario.ts"))};
        export const run = (env) => runScenario(lib, env).then((report) => JSON.stringify(report));
        export const formats = async () => {
          await lib.initParquetWasm(globalThis.PARQUET_WASM);
          return JSON.stringify(await runFormats(lib));
        };`,
      resolveDir: pkg.root,
      loader: "js",
    },
    bundle: true,
    format: "iife",
    globalName: "edgeFunction",
    write: false,
    metafile: true,
    logLevel: "silent",
    nodePaths: pkg.nodePaths,
    ...VERCEL,
  });
  code = result.outputFiles[0]?.text ?? "";
  // As Vercel's edge bundling hands a `.wasm?module` import to the runtime (vercel/vercel,
  // packages/node/src/edge-functions/edge-wasm-plugin.mts): compiled outside, a global inside.
  parquetWasm = await WebAssembly.compile(
    await readFile(createRequire(join(pkg.root, "x.js")).resolve("parquet-wasm/esm/parquet_wasm_bg.wasm")),
  );
  inputs = Object.keys(result.metafile.inputs);
}, 300_000);

afterAll(async () => {
  await s3?.stop();
});

describe("edge-runtime (Vercel)", () => {
  it("bundles the edge build", () => {
    expect(inputs.some((f) => f.endsWith("node_modules/autostore-js/dist/edge/index.js"))).toBe(true);
    expect(inputs.some((f) => f.includes("dist/browser/") || f.includes("dist/node/"))).toBe(false);
    expect(code).not.toMatch(/["']node:[a-z_/]+["']/);
  });

  it("sets, gets, lists and deletes on memory and on S3 over loopback", async () => {
    const env: ScenarioEnv = {
      S3_ENDPOINT: s3.endpoint,
      S3_REGION: s3.region,
      S3_BUCKET: "edge",
      S3_ACCESS_KEY_ID: s3.accessKeyId,
      S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
      S3_PREFIX: `edge-runtime-${randomUUID()}`,
    };
    const runtime = new EdgeRuntime({ initialCode: code });
    // The VM's own realm runs the scenario; only a JSON string crosses back.
    const out = (await runtime.evaluate(`edgeFunction.run(${JSON.stringify(env)})`)) as string;
    const report = JSON.parse(out) as ScenarioReport;
    await expectScenario(report, s3, env.S3_PREFIX);
  });

  it("reads CSV and writes and reads Parquet, with the WASM handed in as a module", async () => {
    const runtime = new EdgeRuntime({
      initialCode: code,
      extend: (context) => Object.assign(context, { PARQUET_WASM: parquetWasm }),
    });
    const out = (await runtime.evaluate("edgeFunction.formats()")) as string;
    expect(JSON.parse(out) as FormatsReport).toEqual(EXPECTED_FORMATS);
  });
});
