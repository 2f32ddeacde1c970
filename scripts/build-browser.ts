/**
 * The browser build (`dist/browser/`), run by `npm run build` after tsup has built the other entries
 * and every `.d.ts`.
 *
 * Why a build of its own: a web app's bundler splits its output by which entry points reach each
 * module, and esbuild (the one the size check uses, and the one behind many tools) decides that by
 * the static import graph alone. In tsup's shared layout the browser entry imports some twenty
 * chunks, and each is reached by a different mix of lazily loaded modules (codecs, the S3 request
 * path, the IndexedDB store), so an app's start came out as ~19 files, each gzipped on its own:
 * 33.9 KB for JSON on OPFS against 30.7 KB as one file. Here every module the browser entry loads at
 * start goes into one chunk, `browser/shared-[hash].js`, so an app's start is its own code plus that
 * one file; the lazily loaded modules keep a chunk each. tsup cannot group chunks; rolldown can
 * (`codeSplitting.groups`), and it is already here as Vite's bundler.
 *
 * Entries: `browser/index.js` (the `.` export), `browser/core.js` and `browser/s3.js` (the `./core`
 * and `./s3` exports under the `browser` condition), built together so that a page importing more
 * than one of them gets one copy of every class and registry. Packages stay external, as in tsup's
 * build: the app's bundler resolves them with its own conditions.
 */
import { readdir, readFile, rm } from "node:fs/promises";
import { join, resolve } from "node:path";
import * as esbuild from "esbuild";
import { rolldown } from "rolldown";

const repo = join(import.meta.dirname, "..");
const src = join(repo, "src");

const ENTRIES = {
  "browser/index": join(src, "browser/index.ts"),
  "browser/core": join(src, "core/index.ts"),
  "browser/s3": join(src, "s3/index.ts"),
};

/**
 * Stateless modules (constants and pure functions, no classes, nothing compared by identity) that
 * both the start and lazily loaded parts import. Loaded at start, their code would be in every app's
 * start even when only a lazy part uses it (esbuild places a module by the import graph, not by
 * use): `ndarray()` imports dtype parsing, which only the NumPy and safetensors codecs need at once;
 * `isFresh` (exported) shares the cache's freshness rule with the cache's bookkeeping. The lazy parts
 * get a copy of their own, so the start's copy is dropped by the app's bundler when unused.
 */
const COPIED_FOR_LAZY = [join(src, "core/arrays/dtype.ts"), join(src, "core/cache/policy.ts")];
const LAZY_COPY = "?lazy-copy";

const isPackage = (id: string) => !id.startsWith(".") && !id.startsWith("/") && !id.startsWith("\0");

/**
 * The modules a page evaluates before its first line runs: the browser entry's static imports,
 * transitively, without packages and without what `import()` loads. Found by a quick esbuild pass
 * before rolldown runs, because the copy-for-lazy plugin needs the set while modules are still being
 * resolved (rolldown's own module graph is complete only after that).
 */
async function startModules(): Promise<Set<string>> {
  const { metafile } = await esbuild.build({
    entryPoints: [ENTRIES["browser/index"]],
    bundle: true,
    write: false,
    format: "esm",
    platform: "browser",
    metafile: true,
    logLevel: "silent",
    plugins: [
      {
        name: "start-only",
        setup(build) {
          build.onResolve({ filter: /.*/ }, (args) =>
            args.kind === "dynamic-import" || isPackage(args.path)
              ? { path: args.path, external: true }
              : undefined,
          );
        },
      },
    ],
  });
  return new Set(Object.keys(metafile.inputs).map((file) => resolve(repo, file)));
}

export async function buildBrowser(): Promise<void> {
  const start = await startModules();
  // A previous build's chunks (tsup wrote this folder's `.d.ts`, which stay).
  const folder = join(repo, "dist/browser");
  for (const name of await readdir(folder).catch(() => [])) {
    if (/\.js(\.map)?$/.test(name)) await rm(join(folder, name));
  }
  const bundle = await rolldown({
    input: ENTRIES,
    external: isPackage,
    platform: "browser",
    // Module-level statements of `src` run for their effects (scheme and handler registration).
    treeshake: { moduleSideEffects: true },
    logLevel: "warn",
    plugins: [
      {
        name: "copy-for-lazy",
        async resolveId(source, importer, options) {
          if (!importer || start.has(importer.replace(LAZY_COPY, "")) || !source.startsWith(".")) return null;
          const resolved = await this.resolve(source, importer, { ...options, skipSelf: true });
          return resolved && COPIED_FOR_LAZY.includes(resolved.id) ? `${resolved.id}${LAZY_COPY}` : null;
        },
        async load(id) {
          if (!id.endsWith(LAZY_COPY)) return null;
          return { code: await readFile(id.slice(0, -LAZY_COPY.length), "utf8"), moduleType: "ts" };
        },
      },
    ],
  });
  await bundle.write({
    dir: join(repo, "dist"),
    format: "esm",
    sourcemap: true,
    entryFileNames: "[name].js",
    chunkFileNames: "browser/[name]-[hash].js",
    codeSplitting: {
      groups: [
        {
          name: "shared",
          // The browser entry's own module (registrations) stays in its file; `core` and `s3` become
          // re-exports of this chunk. rolldown's runtime helpers, used by start and lazy modules
          // alike, join it rather than being a file of their own.
          test: (id: string) =>
            (start.has(id) && id !== ENTRIES["browser/index"]) || id.includes("rolldown/runtime"),
        },
      ],
    },
  });
  await bundle.close();
}

if (import.meta.url === `file://${process.argv[1]}`) await buildBrowser();
