/**
 * autostore-js/s3: options and backend for S3 and every S3-compatible service, in every runtime.
 * Importing this module loads no AWS SDK code: the backend loads its request path on first use.
 */
export { S3Backend, type S3BackendInit } from "./backend.js";
export { s3BackendFactory } from "./factory.js";
export { MIN_PART_SIZE, type S3Credentials, S3Options, type S3OptionsInit } from "./options.js";
