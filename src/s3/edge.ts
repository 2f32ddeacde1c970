/**
 * The S3 part of the edge build: the backend over signed fetch only. Nothing here imports the AWS
 * SDK, not even lazily, so bundlers for workerd or Vercel's edge runtime never see it.
 */
import type { BackendFactory } from "../core/schemes.js";
import { createS3Factory } from "./factory.js";

export { fetchTransportLoader, S3Backend, type S3BackendInit } from "./backend.js";
export { MIN_PART_SIZE, type S3Credentials, S3Options, type S3OptionsInit } from "./options.js";

/** The `s3` scheme factory of the edge build: the fetch request path. */
export function s3BackendFactory(): BackendFactory {
  return createS3Factory({ transport: "fetch" });
}
