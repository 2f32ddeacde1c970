/**
 * Which build each platform gets: the packed package (as npm installs it) resolved with each bundler's
 * or runtime's real condition list. A bundler walks the `exports` map's keys in the map's order and
 * takes the first key in its condition set, so the order of the map decides, not the order of the
 * bundler's list. esbuild's resolver does exactly that; Node resolves itself in a child process.
 */
import { execFile } from "node:child_process";
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { promisify } from "node:util";
import { build } from "esbuild";
import { beforeAll, describe, expect, it } from "vitest";
import { type PackedInstall, packedInstall } from "../helpers/packed.js";
import { PLATFORMS, type Resolver, VERCEL, WRANGLER } from "./platforms.js";

const run = promisify(execFile);
let pkg: PackedInstall;

beforeAll(async () => {
  pkg = await packedInstall();
}, 300_000);

/** The file a specifier resolves to under `resolver`, relative to the installed package (or `root`). */
async function resolveWith(resolver: Resolver, specifier: string, root = pkg.root): Promise<string> {
  let resolved = "";
  await build({
    stdin: { contents: "", resolveDir: root },
    write: false,
    logLevel: "silent",
    ...resolver,
    plugins: [
      {
        name: "resolve-once",
        setup(b) {
          b.onStart(async () => {
            const result = await b.resolve(specifier, { kind: "import-statement", resolveDir: root });
            if (result.errors.length > 0) throw new Error(result.errors.map((e) => e.text).join("; "));
            resolved = relative(root === pkg.root ? pkg.packageDir : root, result.path);
          });
        },
      },
    ],
  });
  return resolved;
}

// Each platform gets `.`, `./s3` and `./core` from one build, so a page or worker that imports more
// than one of them holds one copy of every class and registry.
const ENTRY = {
  edge: { ".": "dist/edge/index.js", "./s3": "dist/s3/edge.js", "./core": "dist/core/index.js" },
  browser: { ".": "dist/browser/index.js", "./s3": "dist/browser/s3.js", "./core": "dist/browser/core.js" },
  node: { ".": "dist/node/index.js", "./s3": "dist/s3/node.js", "./core": "dist/core/index.js" },
} as const;

describe("exports map", () => {
  it.each(Object.entries(PLATFORMS))("%s gets the %s build", async (_name, { resolver, build: expected }) => {
    expect(await resolveWith(resolver, "autostore-js")).toBe(ENTRY[expected]["."]);
    expect(await resolveWith(resolver, "autostore-js/s3")).toBe(ENTRY[expected]["./s3"]);
    expect(await resolveWith(resolver, "autostore-js/core")).toBe(ENTRY[expected]["./core"]);
  });

  it("the same resolver hands wrangler the browser build when browser comes first (the check can fail)", async () => {
    // A copy of the install whose map lists `browser` first, as the map did before: the tarball's
    // files behind a reordered package.json.
    const root = await mkdtemp(join(tmpdir(), "autostore-old-map-"));
    try {
      const dir = join(root, "node_modules", "autostore-js");
      await mkdir(dir, { recursive: true });
      await cp(join(pkg.packageDir, "dist"), join(dir, "dist"), { recursive: true });
      const manifest = JSON.parse(await readFile(join(pkg.packageDir, "package.json"), "utf8")) as {
        exports: Record<string, Record<string, unknown>>;
      };
      const { browser, ...rest } = manifest.exports["."] ?? {};
      manifest.exports["."] = { browser, ...rest };
      await writeFile(join(dir, "package.json"), JSON.stringify(manifest));
      expect(await resolveWith(WRANGLER, "autostore-js", root)).toBe(
        "node_modules/autostore-js/dist/browser/index.js",
      );
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it("Node gets the Node build through import and require", async () => {
    const script = `
      import { createRequire } from "node:module";
      const require = createRequire(process.cwd() + "/");
      console.log(JSON.stringify([
        import.meta.resolve("autostore-js"),
        import.meta.resolve("autostore-js/s3"),
        require.resolve("autostore-js"),
        require.resolve("autostore-js/s3"),
      ]));`;
    const { stdout } = await run(process.execPath, ["--input-type=module", "-e", script], { cwd: pkg.root });
    const files = (JSON.parse(stdout) as string[]).map((f) =>
      relative(pkg.packageDir, f.startsWith("file:") ? new URL(f).pathname : f),
    );
    expect(files).toEqual([ENTRY.node["."], ENTRY.node["./s3"], ENTRY.node["."], ENTRY.node["./s3"]]);
  });
});

describe("the edge build as wrangler and Vercel bundle it", () => {
  const bundles: Record<string, string> = {};
  beforeAll(async () => {
    const resolvers: Record<string, Resolver> = {
      wrangler: WRANGLER,
      vercel: VERCEL,
    };
    for (const [name, resolver] of Object.entries(resolvers)) {
      const result = await build({
        stdin: {
          contents: `import { AutoStore } from "autostore-js"; import { S3Options } from "autostore-js/s3";
            export default { AutoStore, S3Options };`,
          resolveDir: pkg.root,
        },
        bundle: true,
        format: "esm",
        write: false,
        metafile: true,
        logLevel: "silent",
        nodePaths: pkg.nodePaths,
        ...resolver,
      });
      const inputs = Object.keys(result.metafile.inputs);
      expect(
        inputs.some((f) => f.includes("autostore-js/dist/edge/index.js")),
        name,
      ).toBe(true);
      bundles[name] = `${inputs.join("\n")}\n${result.outputFiles[0]?.text ?? ""}`;
    }
  }, 120_000);

  it.each(["wrangler", "vercel"])("%s: no node: import, no DOMParser, no AWS SDK", (name) => {
    const bundle = bundles[name] ?? "";
    expect(bundle.length).toBeGreaterThan(10_000);
    expect(bundle).not.toMatch(/["']node:[a-z_/]+["']/);
    expect(bundle).not.toContain("DOMParser");
    expect(bundle).not.toContain("@aws-sdk");
    expect(bundle).not.toContain("@smithy");
    expect(bundle).not.toContain("S3Client");
  });
});
