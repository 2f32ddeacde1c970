/**
 * autostore-js/s3: options and backend for S3 and every S3-compatible service, in every runtime.
 */
export { MIN_PART_SIZE, type S3Credentials, S3Options, type S3OptionsInit } from "./options.js";
