/**
 * What a web app's bundler makes of the package: esbuild (ESM, browser, minified, code splitting, as
 * `npm run size` bundles) on a JSON-on-memory app that imports `autostore-js` by name. The start
 * bundle must hold none of the heavy packages (they load on first use of their format or transport),
 * and the build must print no warning: a bundler warning would show in every user's build.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bundleApp, ensureDist, FORBIDDEN, packagesIn, startFiles } from "../../bench/size.js";

const repo = join(import.meta.dirname, "../..");
let work: string;

beforeAll(async () => {
  await ensureDist();
  // Inside the checkout, so `autostore-js` resolves to the package itself through its exports map
  // (not through node_modules, where esbuild would hide warnings about the package's files).
  work = await mkdtemp(join(repo, "scratch-bundle-"));
}, 180_000);

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe("the browser bundle of a JSON-on-memory app", () => {
  it("starts without the heavy packages and builds without warnings", async () => {
    const entry = join(work, "main.js");
    await writeFile(
      entry,
      `import { AutoStore } from "autostore-js";
const store = new AutoStore("memory://app");
await store.set("a", { b: 1 });
console.log(await store.get("a"));
for await (const key of store.keys()) console.log(key);
await store.delete("a");
`,
    );
    const outdir = join(work, "out");
    const { metafile, warnings } = await bundleApp(entry, outdir);
    expect(warnings).toEqual([]);
    // The package resolved to its browser build, not to its sources.
    expect(Object.keys(metafile.inputs).some((input) => input.includes("dist/browser/index.js"))).toBe(true);
    const start = startFiles(metafile, outdir);
    const loaded = packagesIn(metafile, outdir, start);
    expect(loaded.filter((name) => FORBIDDEN.some((f) => name === f || name.startsWith(`${f}/`)))).toEqual(
      [],
    );
    // The heavy packages are still in the build, as chunks loaded on first use.
    const everything = packagesIn(
      metafile,
      outdir,
      Object.keys(metafile.outputs)
        .filter((file) => file.endsWith(".js"))
        .map((file) => file.slice(file.lastIndexOf("/out/") + 5)),
    );
    expect(everything).toEqual(expect.arrayContaining(["parquet-wasm", "papaparse", "fast-png", "jpeg-js"]));
  });
});
