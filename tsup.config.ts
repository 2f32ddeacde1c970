import { defineConfig } from "tsup";

export default defineConfig({
  entry: {
    "core/index": "src/core/index.ts",
    "s3/index": "src/s3/index.ts",
    "s3/edge": "src/s3/edge.ts",
    "s3/node": "src/node/s3-entry.ts",
    "node/index": "src/node/index.ts",
    "browser/index": "src/browser/index.ts",
    "edge/index": "src/edge/index.ts",
  },
  format: ["esm"],
  dts: true,
  sourcemap: true,
  clean: true,
  splitting: true,
  treeshake: true,
  target: "es2022",
  platform: "neutral",
  // Runtime packages stay external: users' bundlers dedupe them (a second copy of
  // apache-arrow breaks `instanceof Table`).
  external: [/^node:/],
});
