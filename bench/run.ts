/**
 * `npm run bench`: every scenario file, then one table (and the peer table for the scenarios that
 * time other libraries). `npm run bench -- --quick` runs only the peer comparison, smaller and
 * shorter. Add a scenario file with one import line below; scenarios run in import order. See
 * harness.ts for the scenario format and the environment variables (`BENCH_ROUNDS`, `BENCH_FILTER`).
 */
import { runScenarios } from "./harness.js";
import "./peers-import.js";
import "./peers-local.js";
import "./peers-memory.js";
import "./peers-s3.js";
import "./local.js";
import "./memory.js";
import "./memory-roundtrip.js";
import "./s3.js";
import "./s3-lean.js";
import "./s3-memory.js";
import "./bare-keys.js";
import "./tables.js";
import "./cache.js";
import "./autopath.js";

// The AWS SDK warns once per process that its 2027 releases need Node 22; in the middle of the
// progress lines it only hides the figures.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

await runScenarios();
