/**
 * The edge build of autostore-js (workerd, Vercel edge, Deno and other fetch-only runtimes): no
 * `node:` built-ins and no DOM-only globals at import time.
 */
export * from "../core/index.js";
export { S3Options, type S3OptionsInit } from "../s3/index.js";
