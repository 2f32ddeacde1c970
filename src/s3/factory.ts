/**
 * The S3 backend as a scheme factory: `s3://bucket/prefix/` roots and full-URI keys, and every scheme
 * registered as kind `"s3"` (`AutoStore.registerScheme("minio", "s3")`, or options that name a new
 * scheme). Opening is synchronous and cheap; the request path loads on the first request.
 */
import type { Options, OptionsClass } from "../core/options.js";
import type { BackendFactory } from "../core/schemes.js";
import { S3Backend, type TransportLoader } from "./backend.js";
import { S3Options } from "./options.js";

/**
 * A factory for S3 backends.
 * @param defaults.transports the request paths this build has (the fetch path alone by default).
 * @param defaults.transport the request path when options do not name one.
 */
export function createS3Factory(
  defaults: { transports?: TransportLoader; transport?: "sdk" | "fetch" } = {},
): BackendFactory {
  return {
    kind: S3Options.backendKind,
    optionsClass: S3Options as unknown as OptionsClass,
    open: (root, { scheme, options }) =>
      new S3Backend(root, {
        scheme,
        options: asS3Options(options),
        ...(defaults.transports ? { transports: defaults.transports } : {}),
        ...(defaults.transport ? { defaultTransport: defaults.transport } : {}),
      }),
  };
}

function asS3Options(options: Options): S3Options {
  return options instanceof S3Options ? options : new S3Options(options.toInit());
}
