/**
 * Both S3 request paths: the AWS SDK (the default, with the SDK's credential chain on Node) and
 * signed fetch. The Node and browser builds use this loader; the edge build never imports this
 * module, so its bundles hold no trace of the SDK.
 */
import { ConfigError, describeCause } from "../core/errors.js";
import { fetchTransportLoader, type TransportClass, type TransportLoader } from "./backend.js";

/** Loads `@aws-sdk/client-s3` (through `sdk-transport.ts`), naming the package when it is missing. */
async function loadSdkTransport(): Promise<TransportClass> {
  try {
    return (await import("./sdk-transport.js")).SdkTransport;
  } catch (err) {
    throw new ConfigError(
      `the S3 backend needs @aws-sdk/client-s3: npm install @aws-sdk/client-s3 (${describeCause(err)})`,
      { cause: err },
    );
  }
}

/** The AWS SDK request path first, signed fetch on request (`transport: "fetch"`). */
export const sdkAndFetchTransportLoader: TransportLoader = {
  kinds: ["sdk", "fetch"],
  load: (kind) => (kind === "sdk" ? loadSdkTransport() : fetchTransportLoader.load("fetch")),
};
