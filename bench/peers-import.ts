/**
 * Cold `import("autostore-js")` on Node: a fresh `node` process importing the built package entry
 * (`dist/node/index.js`, what users load) against one importing `node:fs`. Each timed call is a whole
 * process (start + import + exit), so the ratio includes Node's own start-up on both sides; the
 * import alone, timed inside the child, is in the metrics. Once, untimed, a child with a resolve hook
 * lists every module the import loads, to show that no heavy dependency (AWS SDK, Parquet, Arrow,
 * YAML, CBOR…) loads before it is used.
 *
 * `dist/` is built with `npm run build` first when it is missing or older than `src/`.
 */
import { pathToFileURL } from "node:url";
import { DIST_ENTRY as ENTRY, ensureBuilt, ROOT, run } from "./built.js";
import { type Metrics, scenario } from "./harness.js";

/** Packages that must not load on import: each is big, or slow to evaluate, and needed by few jobs. */
const HEAVY = [
  "@aws-sdk/client-s3",
  "@aws-sdk/lib-storage",
  "@aws-sdk/s3-request-presigner",
  "parquet-wasm",
  "apache-arrow",
  "hyparquet",
  "yaml",
  "cbor-x",
  "papaparse",
  "fflate",
  "fast-png",
  "jpeg-js",
];

/** Imports argv[1] and prints how long the import took, in ms. */
const TIMED = `const t = performance.now(); await import(process.argv[1]); process.stdout.write(String(performance.now() - t));`;

/**
 * Imports argv[1] with a resolve hook that reports every URL resolved (ESM), plus `require.cache`
 * (CommonJS loaded by require, which Node 20's hooks do not see), and prints them as JSON.
 */
const LISTED = `
import { createRequire, register } from "node:module";
import { MessageChannel, receiveMessageOnPort } from "node:worker_threads";
const { port1, port2 } = new MessageChannel();
const hooks = "let port; export function initialize(d) { port = d.port; } " +
  "export async function resolve(s, c, next) { const r = await next(s, c); port.postMessage(r.url); return r; }";
register("data:text/javascript," + encodeURIComponent(hooks), { data: { port: port2 }, transferList: [port2] });
await import(process.argv[1]);
const urls = new Set();
for (let m; (m = receiveMessageOnPort(port1)); ) urls.add(m.message);
for (const file of Object.keys(createRequire(import.meta.url).cache)) urls.add("file://" + file);
process.stdout.write(JSON.stringify([...urls]));
`;

/** The package a module URL belongs to (`@scope/name` or `name`), or undefined outside node_modules. */
function packageOf(url: string): string | undefined {
  const at = url.lastIndexOf("/node_modules/");
  if (at < 0) return undefined;
  const parts = url.slice(at + "/node_modules/".length).split("/");
  return parts[0]?.startsWith("@") ? `${parts[0]}/${parts[1]}` : parts[0];
}

/** Runs a fresh node importing `specifier`; resolves to the import time measured inside the child. */
async function coldImport(specifier: string): Promise<number> {
  const { stdout } = await run(process.execPath, ["--input-type=module", "-e", TIMED, specifier], {
    cwd: ROOT,
  });
  const ms = Number(stdout);
  if (!Number.isFinite(ms)) throw new Error(`the child printed ${JSON.stringify(stdout)}, not a time`);
  return ms;
}

function median(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

{
  const inside = { baseline: [] as number[], subject: [] as number[] };
  let loaded: Metrics = {};
  scenario({
    name: "cold import autostore-js (node, dist/node/index.js)",
    quick: true,
    baselineName: "import node:fs",
    note: "fresh node process per call: import('dist/node/index.js') vs import('node:fs'); ratio over whole processes (Node start-up included on both sides); 'import ms' is the import alone, timed in the child (median); 'heavy loaded' lists packages that should wait until used",
    setup: async () => {
      await ensureBuilt();
      const { stdout } = await run(
        process.execPath,
        ["--input-type=module", "-e", LISTED, pathToFileURL(ENTRY).href],
        {
          cwd: ROOT,
          maxBuffer: 64 * 1024 * 1024,
        },
      );
      const urls = JSON.parse(stdout) as string[];
      const packages = new Set<string>();
      for (const url of urls) {
        const name = packageOf(url);
        if (name !== undefined) packages.add(name);
      }
      const heavy = HEAVY.filter((h) => packages.has(h));
      loaded = {
        "modules loaded": urls.filter((u) => u.startsWith("file:")).length,
        packages: [...packages].sort().join(",") || "none",
        "heavy loaded": heavy.join(",") || "none",
      };
    },
    baseline: async () => {
      inside.baseline.push(await coldImport("node:fs"));
    },
    subject: async () => {
      inside.subject.push(await coldImport(pathToFileURL(ENTRY).href));
    },
    metrics: () => ({
      "import ms": Number(median(inside.subject.slice(1)).toFixed(1)),
      "node:fs import ms": Number(median(inside.baseline.slice(1)).toFixed(2)),
      ...loaded,
    }),
  });
}
