/**
 * The README's Cloudflare Workers examples (```ts edge blocks that export a `fetch` handler) run as
 * wrangler would deploy them: bundled with wrangler's conditions from the packed package, `.wasm`
 * imports uploaded as compiled modules, and served by workerd (miniflare, no `nodejs_compat`), with
 * the S3 bindings pointed at the local S3 server.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { build } from "esbuild";
import { Miniflare, type ModuleDefinition } from "miniflare";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type PackedInstall, packedInstall } from "../helpers/packed.js";
import { type S3Server, startS3Server } from "../helpers/s3-server.js";
import { WRANGLER } from "./platforms.js";
import { wasmModules } from "./wasm-modules.js";

const readme = await readFile(join(import.meta.dirname, "..", "..", "README.md"), "utf8");
const workers = [...readme.matchAll(/```ts edge\n([\s\S]*?)```/g)]
  .map((m) => m[1] as string)
  .filter((block) => /export default \{/.test(block) && /async fetch\(/.test(block));

let s3: S3Server;
let pkg: PackedInstall;
const running: Miniflare[] = [];

beforeAll(async () => {
  [s3, pkg] = await Promise.all([startS3Server({ buckets: ["readme-edge"] }), packedInstall()]);
}, 300_000);

afterAll(async () => {
  await Promise.all(running.map((mf) => mf.dispose()));
  await s3?.stop();
});

/** The block as a worker in workerd. */
async function deploy(block: string): Promise<Miniflare> {
  const wasm = new Map<string, string>();
  const result = await build({
    stdin: { contents: block, resolveDir: pkg.root, sourcefile: "worker.ts", loader: "ts" },
    bundle: true,
    format: "esm",
    target: "es2022",
    write: false,
    logLevel: "silent",
    nodePaths: pkg.nodePaths,
    plugins: [wasmModules(wasm)],
    ...WRANGLER,
  });
  const modules: ModuleDefinition[] = [
    { type: "ESModule", path: "/worker/index.mjs", contents: result.outputFiles?.[0]?.text ?? "" },
  ];
  for (const [name, path] of wasm) {
    modules.push({ type: "CompiledWasm", path: `/worker/${name}`, contents: await readFile(path) });
  }
  const mf = new Miniflare({
    modules,
    modulesRoot: "/worker",
    compatibilityDate: "2026-04-01",
    bindings: {
      S3_ENDPOINT: s3.endpoint,
      S3_BUCKET: "readme-edge",
      S3_ACCESS_KEY_ID: s3.accessKeyId,
      S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
    },
  });
  running.push(mf);
  return mf;
}

describe("README Workers examples in workerd", () => {
  it("finds the two Workers examples", () => {
    expect(workers).toHaveLength(2);
  });

  it("the S3 worker stores a PUT body under the path, reads it back, and answers 404 for a missing key", async () => {
    const block = workers.find((b) => b.includes("S3_ENDPOINT")) as string;
    const mf = await deploy(block);
    const put = await mf.dispatchFetch("http://worker.test/notes/today", {
      method: "PUT",
      body: JSON.stringify({ todo: ["deploy"] }),
    });
    expect(put.status, await put.clone().text()).toBe(200);
    expect(await put.json()).toEqual({ written: "notes/today.json" });
    const get = await mf.dispatchFetch("http://worker.test/notes/today");
    expect(await get.json()).toEqual({ todo: ["deploy"] });
    expect((await mf.dispatchFetch("http://worker.test/missing")).status).toBe(404);
  });

  it("the Parquet worker reads CSV and writes Parquet with the imported WASM module", async () => {
    const block = workers.find((b) => b.includes("initParquetWasm")) as string;
    const mf = await deploy(block);
    const response = await mf.dispatchFetch("http://worker.test/");
    expect(response.status, await response.clone().text()).toBe(200);
    expect(await response.json()).toEqual({ written: "cities.parquet", rows: 2 });
  });
});
