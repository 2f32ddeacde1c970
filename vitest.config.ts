import { playwright } from "@vitest/browser-playwright";
import { defineConfig } from "vitest/config";
import { CHROMIUM_ARGS, CHROMIUM_PATH } from "./test/helpers/chromium.js";

/**
 * Two projects in one run: Node (every `test/**.test.ts` outside `test/browser`) and real Chromium
 * (`test/browser/**.test.ts`, Debian's `/usr/bin/chromium` driven by playwright; no browser is ever
 * downloaded). The browser project runs the same conformance suites the Node tests run.
 */
export default defineConfig({
  // Vite's dependency cache stays in the checkout (git-ignored), not in a shared node_modules.
  cacheDir: ".cache/vite",
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    projects: [
      {
        extends: true,
        test: {
          name: "node",
          include: ["test/**/*.test.ts"],
          exclude: ["test/browser/**"],
          pool: "forks",
        },
      },
      {
        extends: true,
        // Codecs the library imports on first use, bundled before the run: otherwise the first test
        // that needs one meets Vite re-bundling dependencies mid-run ("Failed to fetch dynamically
        // imported module") in a fresh checkout.
        optimizeDeps: {
          include: ["cbor-x", "fflate", "papaparse", "yaml", "jpeg-js", "fast-png"],
        },
        test: {
          name: "chromium",
          include: ["test/browser/**/*.test.ts"],
          globalSetup: ["test/browser/setup/http-server.ts"],
          browser: {
            enabled: true,
            headless: true,
            screenshotFailures: false,
            provider: playwright({
              launchOptions: { executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS },
            }),
            instances: [{ browser: "chromium" }],
          },
        },
      },
    ],
  },
});
