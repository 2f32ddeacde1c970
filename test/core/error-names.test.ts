/**
 * Error names survive a minifying bundler (which renames classes): `err.name` is the class's own
 * name in every build, and a user's subclass keeps its own.
 */
import { join } from "node:path";
import { build } from "esbuild";
import { describe, expect, it } from "vitest";
import * as errors from "../../src/core/errors.js";

const repo = join(import.meta.dirname, "..", "..");
const classes = Object.entries(errors).filter(
  ([, value]) => typeof value === "function" && value.prototype instanceof Error,
) as Array<[string, new (message: string) => Error]>;

describe("error names", () => {
  it("are the class names, for every exported error class", () => {
    expect(classes.length).toBeGreaterThan(10);
    for (const [name, ErrorClass] of classes) expect(new ErrorClass("m").name).toBe(name);
  });

  it("stay the class names after minification", async () => {
    const out = await build({
      stdin: {
        contents: `import * as e from "./src/core/errors.ts";
          globalThis.names = Object.entries(e)
            .filter(([, v]) => typeof v === "function" && v.prototype instanceof Error)
            .map(([k, v]) => [k, new v("m").name]);`,
        resolveDir: repo,
        loader: "ts",
      },
      bundle: true,
      minify: true,
      format: "esm",
      write: false,
    });
    const code = out.outputFiles[0]?.text ?? "";
    expect(code).not.toContain("KeyNotFoundError=class");
    const scope = globalThis as { names?: Array<[string, string]> };
    await import(`data:text/javascript,${encodeURIComponent(code)}`);
    expect(scope.names?.length).toBe(classes.length);
    for (const [exported, name] of scope.names ?? []) expect(name).toBe(exported);
  });

  it("of a user's subclass is its own class name", () => {
    class QuotaError extends errors.BackendError {}
    expect(new QuotaError("full").name).toBe("QuotaError");
    expect(new QuotaError("full")).toBeInstanceOf(errors.AutoStoreError);
  });
});
