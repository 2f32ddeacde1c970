/**
 * S3 on Node: both request paths, with the signed one over `node:http` keep-alive agents
 * (`s3-node-http.ts`, loaded on first use) instead of the global `fetch`, and the rule that picks one
 * when options do not: see {@link nodeTransportOf}. The Node entry and `autostore-js/s3` under the
 * `node` condition use this module; the browser and edge builds never see it.
 */
import type { BackendFactory } from "../core/schemes.js";
import {
  S3Backend as BaseS3Backend,
  type S3BackendInit,
  type TransportClass,
  type TransportLoader,
} from "../s3/backend.js";
import { createS3Factory } from "../s3/factory.js";
import type { S3Options } from "../s3/options.js";
import { sdkAndFetchTransportLoader } from "../s3/transports.js";

/**
 * The request path a backend uses on Node when its options name none. The signed path over a
 * connection pool costs far less per request than the AWS SDK, but it signs only with credentials it
 * is given; the SDK resolves the default chain (environment, shared files and `profile`, SSO, web
 * identity, container and instance metadata). So: the signed path when the options carry credentials
 * (`credentials`, or `accessKeyId` and `secretAccessKey`) or are `anonymous`, and no `profile`;
 * the SDK otherwise.
 */
export function nodeTransportOf(options: S3Options): "sdk" | "fetch" {
  if (options.profile !== undefined) return "sdk";
  const own = options.anonymous || options.credentials !== undefined || options.accessKeyId !== undefined;
  return own ? "fetch" : "sdk";
}

/** The AWS SDK path with Node's single-PUT progress, naming the package when it is missing. */
async function loadNodeSdk(): Promise<TransportClass> {
  await sdkAndFetchTransportLoader.load("sdk"); // the ConfigError that names @aws-sdk/client-s3
  return (await import("./s3-sdk.js")).NodeSdkTransport;
}

/** Node's request paths: the AWS SDK and signed requests over `node:http`. */
export const nodeTransportLoader: TransportLoader = {
  kinds: ["sdk", "fetch"],
  load: async (kind) =>
    kind === "sdk" ? loadNodeSdk() : (await import("./s3-node-http.js")).NodeHttpTransport,
  choose: nodeTransportOf,
};

/**
 * A bucket (and prefix) of S3 or an S3-compatible service on Node; the request path follows
 * {@link nodeTransportOf} unless `transport` names one.
 *
 * @example
 * const backend = new S3Backend("my-bucket/data/", {
 *   options: { region: "eu-west-1", accessKeyId: "AKIA…", secretAccessKey: "…" },
 * });
 * await backend.write("a.json", new TextEncoder().encode("{}"));
 */
export class S3Backend extends BaseS3Backend {
  constructor(root: string, init: S3BackendInit = {}) {
    super(root, { transports: nodeTransportLoader, ...init });
  }
}

/** The `s3` scheme factory of the Node build. */
export function s3BackendFactory(defaults: { transport?: "sdk" | "fetch" } = {}): BackendFactory {
  return createS3Factory({ transports: nodeTransportLoader, ...defaults });
}
