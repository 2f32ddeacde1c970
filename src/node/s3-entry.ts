/**
 * `autostore-js/s3` on Node (the `node` condition): everything of `src/s3/index.ts`, with the
 * backend and factory of `s3.ts` (the signed path over `node:http`, and Node's default rule).
 */
export * from "../s3/index.js";
export { nodeTransportLoader, nodeTransportOf, S3Backend, s3BackendFactory } from "./s3.js";
