/**
 * The condition lists real platforms bundle or resolve with, each from its source, as esbuild
 * options. esbuild always adds `default`, and `import` for an `import` statement; `platform:
 * "browser"` adds `browser` (and the mainFields browser, module, main); `platform: "neutral"` adds
 * nothing else, so with it a list is exactly the one written here.
 */
import type { BuildOptions } from "esbuild";

/** esbuild options a platform bundles with; `platform` adds its own condition (browser or node). */
export type Resolver = Pick<BuildOptions, "platform" | "conditions">;

/**
 * Cloudflare Workers: cloudflare/workers-sdk, packages/wrangler/src/deployment-bundle/bundle.ts.
 * `getBuildConditions()` returns ["workerd", "worker", "browser"], and `getBuildPlatform()` leaves
 * `platform` unset unless WRANGLER_BUILD_PLATFORM is set, so esbuild's default, "browser", applies.
 * Modules workers are bundled as `format: "esm"`, target es2022.
 */
export const WRANGLER: Resolver = { platform: "browser", conditions: ["workerd", "worker", "browser"] };

/**
 * Vercel's edge runtime as a bundler for it configures esbuild: Astro's Vercel adapter
 * (`@astrojs/vercel`, serverless/middleware.ts) bundles edge middleware with `platform: "browser"` and
 * `conditions: ["edge-light", "worker", "browser"]` (the keys of
 * https://runtime-keys.proposal.wintercg.org/#edge-light), the keys Next.js's edge compiler puts
 * first too (`edgeConditionNames` in {@link PLATFORMS}).
 */
export const VERCEL: Resolver = { platform: "browser", conditions: ["edge-light", "worker", "browser"] };

/** Each platform and the build it must get. */
export const PLATFORMS: Record<string, { resolver: Resolver; build: "edge" | "browser" }> = {
  wrangler: { resolver: WRANGLER, build: "edge" },
  "Vercel (Astro adapter)": { resolver: VERCEL, build: "edge" },
  // vercel/next.js, packages/next/src/build/webpack-config-rules/resolve.ts: the edge server compiler
  // resolves with `edgeConditionNames = ["edge-light", "worker", "..."]`, where "..." is webpack's
  // defaults for a web target (lib/config/defaults.js `getResolveDefaults`: webpack, the mode,
  // browser) plus `import` and `module` for ESM imports.
  "Vercel (Next.js edge)": {
    resolver: {
      platform: "neutral",
      conditions: ["edge-light", "worker", "webpack", "production", "browser", "import", "module"],
    },
    build: "edge",
  },
  // vercel/vercel, packages/node/src/edge-functions/edge-handler.mts: edge functions outside Next.js
  // are bundled by esbuild with `platform: "browser"` and `conditions: ["edge-light", "development"]`.
  "Vercel (edge functions)": {
    resolver: { platform: "browser", conditions: ["edge-light", "development"] },
    build: "edge",
  },
  // denoland/deno, the node resolver (resolvers/node/resolution.rs): `DEFAULT_CONDITIONS = ["deno",
  // "node", "import"]`; `default` always matches.
  Deno: {
    resolver: { platform: "neutral", conditions: ["deno", "node", "import", "default"] },
    build: "edge",
  },
  // vite 8, dist/node/chunks/node.js: `DEFAULT_CLIENT_CONDITIONS = ["module", "browser",
  // "development|production"]`, with `import` and `default` from the import itself.
  "Vite (production)": {
    resolver: { platform: "neutral", conditions: ["browser", "import", "module", "production", "default"] },
    build: "browser",
  },
  "Vite (development)": {
    resolver: { platform: "neutral", conditions: ["browser", "import", "module", "development", "default"] },
    build: "browser",
  },
  // webpack, lib/config/defaults.js `getResolveDefaults`: ["webpack", mode, "browser"] for `target: "web"`,
  // and `import`, `module` for ESM dependencies.
  "webpack (production)": {
    resolver: {
      platform: "neutral",
      conditions: ["browser", "import", "module", "webpack", "production", "default"],
    },
    build: "browser",
  },
  "webpack (development)": {
    resolver: {
      platform: "neutral",
      conditions: ["browser", "import", "module", "webpack", "development", "default"],
    },
    build: "browser",
  },
};
