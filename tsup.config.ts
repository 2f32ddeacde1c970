import { defineConfig } from "tsup";

// `dist/browser/*.js` is built by scripts/build-browser.ts (rolldown), which explains why; tsup
// builds every other entry and every `.d.ts`, the browser's included.
const entry = {
  "core/index": "src/core/index.ts",
  "s3/index": "src/s3/index.ts",
  "s3/edge": "src/s3/edge.ts",
  "s3/node": "src/node/s3-entry.ts",
  "node/index": "src/node/index.ts",
  "edge/index": "src/edge/index.ts",
};

export default defineConfig({
  entry,
  dts: { entry: { ...entry, "browser/index": "src/browser/index.ts" } },
  format: ["esm"],
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
