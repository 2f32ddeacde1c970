/**
 * wrangler's default module rules (deployment-bundle/rules.ts): an imported `*.wasm` is not bundled
 * but uploaded next to the worker as a `CompiledWasm` module, which the import gives as a
 * `WebAssembly.Module`. Workers compile no WASM from bytes at run time, so this is how Parquet's
 * WASM gets in. The plugin records each `.wasm` it leaves external, by file name.
 */
import { basename } from "node:path";
import type { Plugin } from "esbuild";

export function wasmModules(found: Map<string, string>): Plugin {
  return {
    name: "wasm-modules",
    setup(b) {
      b.onResolve({ filter: /\.wasm$/ }, async (args) => {
        if (args.pluginData === "resolving") return undefined;
        const real = await b.resolve(args.path, {
          kind: args.kind,
          resolveDir: args.resolveDir,
          pluginData: "resolving",
        });
        found.set(basename(real.path), real.path);
        return { path: `./${basename(real.path)}`, external: true };
      });
    },
  };
}
