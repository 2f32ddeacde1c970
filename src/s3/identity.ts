/**
 * What names an S3 bucket's objects beyond `s3://bucket/`: the service (endpoint, or AWS), the
 * region, the addressing style, and the account whose credentials sign the requests. Caches key
 * entries by it, so two stores on one URI at different services never share an entry, and bytes one
 * set of credentials could read are not served to another. Credentials appear only as hashes.
 */
import { sha256Hex } from "../core/cache/storage.js";
import type { S3Options } from "./options.js";

/** The identity of a bucket reached with these options; see the module comment. */
export async function s3CacheIdentity(scheme: string, options: S3Options): Promise<string> {
  const env = environment();
  const custom = options.endpoint !== undefined;
  return JSON.stringify({
    scheme,
    endpoint: custom ? await endpointIdentity(options.endpoint as string) : "aws",
    // As the request path resolves it; a profile's own region is in its file, and the profile is below.
    region:
      options.region ??
      (env?.AWS_REGION ||
        env?.AWS_DEFAULT_REGION ||
        (options.profile === undefined ? "us-east-1" : "profile")),
    pathStyle: options.forcePathStyle ?? custom,
    account: await account(options, env),
  });
}

/** The endpoint without what could carry a secret (user info, query). */
async function endpointIdentity(endpoint: string): Promise<string> {
  try {
    const url = new URL(endpoint);
    return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, "")}`;
  } catch {
    return `unparsed:${(await sha256Hex(endpoint)).slice(0, 32)}`;
  }
}

/** Who signs: an access key id, a profile, anonymous, or the runtime's default chain; hashed. */
async function account(
  options: S3Options,
  env: Record<string, string | undefined> | undefined,
): Promise<string> {
  if (options.anonymous) return "anonymous";
  const hash = async (kind: string, value: string) => `${kind}:${(await sha256Hex(value)).slice(0, 32)}`;
  // In the request path's order: `credentials` win over the key fields.
  const given = options.credentials;
  if (given !== undefined) {
    // A provider is asked once here; it is asked anyway before the first request.
    const credentials = typeof given === "function" ? await given() : given;
    return hash("key", credentials.accessKeyId);
  }
  if (options.accessKeyId !== undefined) return hash("key", options.accessKeyId);
  if (options.profile !== undefined) return hash("profile", options.profile);
  if (env?.AWS_ACCESS_KEY_ID) return hash("key", env.AWS_ACCESS_KEY_ID);
  if (env?.AWS_PROFILE) return hash("profile", env.AWS_PROFILE);
  return "default";
}

function environment(): Record<string, string | undefined> | undefined {
  // Through globalThis: edge runtimes have no `process`, and a bare reference would throw there.
  return (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
}
