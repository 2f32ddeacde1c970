/**
 * autostore-js/s3: options and backend for S3 and every S3-compatible service. Importing this module
 * loads no AWS SDK code: the backend loads its request path (the SDK, or signed fetch) on first use.
 * The edge build uses `edge.ts` instead, which has the fetch path only.
 */
import type { BackendFactory } from "../core/schemes.js";
import { S3Backend as FetchOnlyS3Backend, type S3BackendInit } from "./backend.js";
import { createS3Factory } from "./factory.js";
import { sdkAndFetchTransportLoader } from "./transports.js";

export {
  fetchTransportLoader,
  type S3BackendInit,
  type TransportClass,
  type TransportLoader,
} from "./backend.js";
export { createS3Factory } from "./factory.js";
export { MIN_PART_SIZE, type S3Credentials, S3Options, type S3OptionsInit } from "./options.js";
export { sdkAndFetchTransportLoader } from "./transports.js";

/**
 * A bucket (and prefix) of S3 or an S3-compatible service, over the AWS SDK by default or signed
 * fetch with `transport: "fetch"`.
 *
 * @example
 * const backend = new S3Backend("my-bucket/data/", { options: { region: "eu-west-1" } });
 * await backend.write("a.json", new TextEncoder().encode("{}"));
 */
export class S3Backend extends FetchOnlyS3Backend {
  constructor(root: string, init: S3BackendInit = {}) {
    super(root, { transports: sdkAndFetchTransportLoader, ...init });
  }
}

/** The `s3` scheme factory of the Node and browser builds: both request paths, the SDK first. */
export function s3BackendFactory(defaults: { transport?: "sdk" | "fetch" } = {}): BackendFactory {
  return createS3Factory({ transports: sdkAndFetchTransportLoader, ...defaults });
}
