/**
 * parquet-wasm, loaded on first use in every runtime.
 *
 * - Node resolves `parquet-wasm` to its `node` build, which reads its `.wasm` from the package's own
 *   files when imported: nothing to configure.
 * - Browser and edge builds resolve it to the `esm` build, which must be initialised with the `.wasm`:
 *   by default from next to the module (`new URL("parquet_wasm_bg.wasm", import.meta.url)`, which
 *   bundlers that copy assets handle), or from what {@link initParquetWasm} was given: the bytes, a
 *   URL, a `Response` or a compiled `WebAssembly.Module` (Cloudflare Workers import `.wasm` files as
 *   modules).
 */
import type * as ParquetWasm from "parquet-wasm";
import { UnsupportedFormatError } from "../errors.js";

/** The parquet-wasm module. */
export type ParquetWasmModule = typeof ParquetWasm;

/** Where parquet-wasm's `.wasm` comes from in browser and edge builds. */
export type ParquetWasmSource = string | URL | Response | BufferSource | WebAssembly.Module;

let loading: Promise<ParquetWasmModule> | undefined;
let source: ParquetWasmSource | undefined;

/**
 * Loads and initialises parquet-wasm now, from `wasm` when given. Optional: Parquet loads it on first
 * use. Call it first in a browser or edge build whose bundler does not ship `parquet_wasm_bg.wasm`
 * next to the module. In Node the package's own file is used and `wasm` is ignored.
 *
 * @example
 * // Cloudflare Workers: import the module and hand it over
 * import wasm from "parquet-wasm/esm/parquet_wasm_bg.wasm";
 * await initParquetWasm(wasm);
 */
export async function initParquetWasm(wasm?: ParquetWasmSource): Promise<void> {
  if (wasm !== undefined) source = wasm;
  await loadParquetWasm();
}

/** The initialised parquet-wasm module; loaded once, and a failure is not kept (the next call retries). */
export function loadParquetWasm(): Promise<ParquetWasmModule> {
  loading ??= (async () => {
    const mod = (await import("parquet-wasm")) as ParquetWasmModule & { default?: unknown };
    // The esm/bundler builds export an init function as default; the Node (CommonJS) build is ready
    // on import and its default export is the module object itself.
    if (typeof mod.default === "function") {
      const init = mod.default as (input?: { module_or_path: ParquetWasmSource }) => Promise<unknown>;
      await init(source === undefined ? undefined : { module_or_path: source });
    }
    return mod;
  })().catch((err: unknown) => {
    loading = undefined;
    throw new UnsupportedFormatError(
      `Parquet needs parquet-wasm, which could not be loaded (${err instanceof Error ? err.message : String(err)}); ` +
        "install parquet-wasm, and in a browser or edge build pass its .wasm to initParquetWasm()",
      { cause: err },
    );
  });
  return loading;
}
