/**
 * The published package: `npm run build` produces every entry of the exports map, each imports in a
 * fresh Node process and works, and the edge and browser builds hold no `node:` import. A web app's
 * bundler (esbuild, as `npm run size` bundles) builds a JSON app without warnings, and its start bundle
 * holds none of the heavy packages.
 */
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bundleApp, FORBIDDEN, packagesIn, startFiles } from "../bench/size.js";

const run = promisify(execFile);
const repo = join(import.meta.dirname, "..");

interface ExportsMap {
  [path: string]: string | { [condition: string]: string | { types: string; default: string } };
}

/** Every JS file an entry loads, following relative static and dynamic imports. */
async function closure(entry: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  const visit = async (file: string) => {
    if (files.has(file)) return;
    const code = await readFile(file, "utf8");
    files.set(file, code);
    for (const match of code.matchAll(/(?:from|import)\s*\(?\s*["'](\.{1,2}\/[^"']+)["']/g)) {
      await visit(join(file, "..", match[1] as string));
    }
  };
  await visit(entry);
  return files;
}

beforeAll(async () => {
  await run("npm", ["run", "build", "--silent"], { cwd: repo });
}, 180_000);

describe("package", () => {
  it("builds every file the exports map names", async () => {
    const pkg = JSON.parse(await readFile(join(repo, "package.json"), "utf8")) as { exports: ExportsMap };
    const targets = new Set<string>();
    for (const [path, value] of Object.entries(pkg.exports)) {
      if (path === "./package.json") continue;
      if (typeof value === "string") targets.add(value);
      else
        for (const condition of Object.values(value)) {
          if (typeof condition === "string") targets.add(condition);
          else {
            targets.add(condition.types);
            targets.add(condition.default);
          }
        }
    }
    for (const target of targets) await expect(readFile(join(repo, target))).resolves.toBeDefined();
  });

  it.each(["dist/node/index.js", "dist/browser/index.js", "dist/edge/index.js", "dist/core/index.js"])(
    "%s imports in a fresh process and round-trips a value in memory",
    async (entry) => {
      const script = `
        const m = await import(${JSON.stringify(join(repo, entry))});
        const store = new m.AutoStore("memory://package-test");
        await store.set("x", { ok: [1, 2] });
        const back = await store.get("x");
        if (JSON.stringify(back) !== '{"ok":[1,2]}') throw new Error("round trip: " + JSON.stringify(back));
        for (const name of ["AutoStore", "Options", "DataHandler", "MemoryBackend", "isAutoStoreError", "KeyNotFoundError"]) {
          if (!(name in m)) throw new Error("missing export " + name);
        }
        console.log("ok");
      `;
      const { stdout } = await run(process.execPath, ["--input-type=module", "-e", script], { cwd: repo });
      expect(stdout.trim()).toBe("ok");
    },
  );

  it("resolves the package's own name to the Node build", async () => {
    const script = `const m = await import("autostore-js"); console.log(typeof m.DiskBackend);`;
    const { stdout } = await run(process.execPath, ["--input-type=module", "-e", script], { cwd: repo });
    expect(stdout.trim()).toBe("function");
  });

  it.each(["dist/edge/index.js", "dist/browser/index.js", "dist/core/index.js"])(
    "%s loads no node: built-in",
    async (entry) => {
      const files = await closure(join(repo, entry));
      expect(files.size).toBeGreaterThan(0);
      for (const [file, code] of files) {
        expect(code, file).not.toMatch(/from\s*["']node:|import\(\s*["']node:|require\(\s*["']node:/);
      }
      const chunks = (await readdir(join(repo, "dist"))).filter((f) => f.endsWith(".js"));
      expect(chunks.length).toBeGreaterThan(0);
    },
  );
});

describe("the browser bundle of a JSON-on-memory app", () => {
  let work: string | undefined;
  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  it("starts without the heavy packages and builds without warnings", async () => {
    // Inside the checkout (git-ignored `scratch/`), so `autostore-js` resolves to the package itself
    // through its exports map, not through node_modules, where esbuild would hide warnings about it.
    await mkdir(join(repo, "scratch"), { recursive: true });
    work = await mkdtemp(join(repo, "scratch", "bundle-"));
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
    const isForbidden = (name: string) => FORBIDDEN.some((f) => name === f || name.startsWith(`${f}/`));
    expect(packagesIn(metafile, outdir, startFiles(metafile, outdir)).filter(isForbidden)).toEqual([]);
    // The heavy packages are still in the build, as chunks loaded on first use.
    const everything = Object.keys(metafile.outputs)
      .filter((file) => file.endsWith(".js"))
      .map((file) => file.slice(file.lastIndexOf("/out/") + 5));
    expect(packagesIn(metafile, outdir, everything)).toEqual(
      expect.arrayContaining(["parquet-wasm", "papaparse", "fast-png", "jpeg-js", "@aws-sdk/client-s3"]),
    );
  });
});
