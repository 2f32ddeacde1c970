/**
 * `npx tsx bench/browser-s3.ts`: which S3 request path the browser build should take by default.
 * A web app bundled as users bundle it (esbuild, the `browser` condition, minified, split; from the
 * packed package) runs in Debian's Chromium against s3rver on 127.0.0.1 and does N small PUTs then N
 * small GETs, one at a time, over `transport: "fetch"` (SigV4 over fetch) and `transport: "sdk"`
 * (`@aws-sdk/client-s3`), alternating which goes first. It reports the median milliseconds per
 * request and what each path adds to the page: the min+gzip bytes of the chunks the page loads on its
 * first S3 request, beyond those it loaded at start-up (the browser's own record of what it fetched).
 *
 * Not a test and not part of `npm run bench` (it needs Chromium and a package build). Environment:
 * `BENCH_N` (default 150), `BENCH_ROUNDS` (default 3).
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import type { Browser } from "playwright-core";
import { startS3Server } from "../test/helpers/s3-server.js";
import type { StoreSpec } from "../test/web/app/app.js";
import { buildWebApp, launchChromium, serveStatic } from "../test/web/page.js";
import { call, ok } from "../test/web/rig.js";

const N = Number(process.env.BENCH_N ?? 150);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const PATHS = ["fetch", "sdk"] as const;
type Path = (typeof PATHS)[number];

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

const started = performance.now();
const [s3, app] = await Promise.all([startS3Server({ buckets: ["bench"] }), buildWebApp({ minify: true })]);
const site = await serveStatic(app.outdir);
let browser: Browser | undefined;

/** min+gzip bytes of output files (paths relative to the site root). */
async function gzipped(files: Iterable<string>): Promise<number> {
  let total = 0;
  for (const file of files) total += gzipSync(await readFile(join(app.outdir, file)), { level: 9 }).length;
  return total;
}

const spec = (transport: Path, round: number): StoreSpec => ({
  root: `s3://bench/${transport}-${round}/`,
  init: { ...s3.options({ transport }) },
});

try {
  browser = await launchChromium();
  const sizes: Record<string, number> = {};
  // What each path adds: a fresh browser context (empty caches), the app started, then one S3 store
  // used; the scripts and wasm fetched after start-up are that path's.
  for (const transport of PATHS) {
    const context = await browser.newContext();
    const page = await context.newPage();
    const loaded: string[] = [];
    page.on("response", (response) => {
      const path = new URL(response.url()).pathname.slice(1);
      if (/\.(js|wasm)$/.test(path)) loaded.push(path);
    });
    await page.goto(`${site.origin}/`);
    await page.waitForFunction(() => window.appReady === true);
    const atStart = new Set(loaded);
    sizes.startup ??= await gzipped(atStart);
    ok(await call(page, "time", spec(transport, 99), 1));
    sizes[transport] = await gzipped(loaded.filter((f) => !atStart.has(f)));
    await context.close();
  }

  const page = await browser.newPage();
  await page.goto(`${site.origin}/`);
  await page.waitForFunction(() => window.appReady === true);
  const samples: Record<Path, { put: number[]; get: number[] }> = {
    fetch: { put: [], get: [] },
    sdk: { put: [], get: [] },
  };
  for (const transport of PATHS) ok(await call(page, "time", spec(transport, 100), 20)); // warm-up
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? PATHS : ([...PATHS].reverse() as Path[]);
    for (const transport of order) {
      const timed = ok(await call(page, "time", spec(transport, round), N));
      samples[transport].put.push(...timed.put);
      samples[transport].get.push(...timed.get);
    }
  }

  const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
  console.log(`S3 from a web page (Chromium ${browser.version()}, s3rver on 127.0.0.1)`);
  console.log(`${N} small PUTs then ${N} GETs, one at a time, ${ROUNDS} rounds; medians per request\n`);
  console.log("| transport | PUT median | GET median | added to the page (min+gzip) |");
  console.log("| --- | --- | --- | --- |");
  for (const transport of PATHS) {
    const s = samples[transport];
    console.log(
      `| \`${transport}\` | ${median(s.put).toFixed(2)} ms | ${median(s.get).toFixed(2)} ms | ${kb(sizes[transport] ?? 0)} |`,
    );
  }
  console.log(
    `\nThe test app at start-up (it imports apache-arrow itself): ${kb(sizes.startup ?? 0)} min+gzip.`,
  );
  console.log(`Took ${((performance.now() - started) / 1000).toFixed(0)} s.`);
} finally {
  await browser?.close();
  await site.close();
  await s3.stop();
  await app.remove();
}
