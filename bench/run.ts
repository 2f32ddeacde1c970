/**
 * `npm run bench`: every scenario file, then one table. Add a scenario file with one import line
 * below; scenarios run in import order. See harness.ts for the scenario format and the environment
 * variables (`BENCH_ROUNDS`, `BENCH_FILTER`).
 */
import { runScenarios } from "./harness.js";
import "./local.js";
import "./memory.js";
import "./s3.js";
import "./s3-lean.js";
import "./s3-memory.js";
import "./bare-keys.js";
import "./tables.js";
import "./cache.js";
import "./autopath.js";

await runScenarios();
