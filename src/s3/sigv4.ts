/**
 * AWS Signature Version 4 for S3 over Web Crypto: signed headers for requests, and presigned URLs.
 * No dependency and no `node:` import, so it runs wherever `fetch` and `crypto.subtle` do (Node,
 * browsers, workerd, Vercel edge, Deno). Payloads are sent as `UNSIGNED-PAYLOAD`, which S3 accepts
 * on every request: hashing a 64 MiB body would cost more than sending it.
 *
 * The derived signing key is cached per day, region and secret (four HMACs saved per request).
 */
import type { S3Credentials } from "./options.js";

const encoder = new TextEncoder();
const ALGORITHM = "AWS4-HMAC-SHA256";
export const UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD";

/** A request to sign. `headers` must not hold `host`, `x-amz-date` or `authorization`. */
export interface SignableRequest {
  method: string;
  url: URL;
  headers: Record<string, string>;
}

function subtle(): SubtleCrypto {
  const crypto = (globalThis as { crypto?: Crypto }).crypto;
  if (!crypto?.subtle)
    throw new Error("SigV4 signing needs crypto.subtle (Web Crypto), which this runtime lacks");
  return crypto.subtle;
}

function hex(buffer: ArrayBuffer): string {
  const bytes = new Uint8Array(buffer);
  let out = "";
  for (let i = 0; i < bytes.length; i++) out += (bytes[i] as number).toString(16).padStart(2, "0");
  return out;
}

async function sha256Hex(text: string): Promise<string> {
  return hex(await subtle().digest("SHA-256", encoder.encode(text)));
}

async function hmac(key: ArrayBuffer | Uint8Array, data: string): Promise<ArrayBuffer> {
  const cryptoKey = await subtle().importKey(
    "raw",
    key as BufferSource,
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  return subtle().sign("HMAC", cryptoKey, encoder.encode(data));
}

/** RFC 3986 encoding as SigV4 wants it: everything but `A-Z a-z 0-9 - _ . ~` escaped. */
export function encodeRfc3986(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** A key as an S3 URL path: each segment encoded, `/` kept. S3 signs this exact path (no double encoding). */
export function encodeKeyPath(key: string): string {
  return key.split("/").map(encodeRfc3986).join("/");
}

function amzDate(now: Date): { date: string; stamp: string } {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d{3}/, "");
  return { date: stamp.slice(0, 8), stamp };
}

function canonicalQuery(url: URL): string {
  const pairs: Array<[string, string]> = [];
  url.searchParams.forEach((value, name) => {
    pairs.push([encodeRfc3986(name), encodeRfc3986(value)]);
  });
  pairs.sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0));
  return pairs.map(([name, value]) => `${name}=${value}`).join("&");
}

/** Signs S3 requests for one region with one set of credentials (or a provider of them). */
export class SigV4Signer {
  readonly #region: string;
  readonly #service: string;
  readonly #credentials: () => Promise<S3Credentials>;
  // The derived key for one day and secret (private: never shown by inspect or JSON).
  #keyCache: { date: string; secret: string; key: ArrayBuffer } | undefined;

  constructor(options: { region: string; credentials: () => Promise<S3Credentials>; service?: string }) {
    this.#region = options.region;
    this.#service = options.service ?? "s3";
    this.#credentials = options.credentials;
  }

  async #signingKey(secret: string, date: string): Promise<ArrayBuffer> {
    const cached = this.#keyCache;
    if (cached?.date === date && cached.secret === secret) return cached.key;
    const kDate = await hmac(encoder.encode(`AWS4${secret}`), date);
    const kRegion = await hmac(kDate, this.#region);
    const kService = await hmac(kRegion, this.#service);
    const key = await hmac(kService, "aws4_request");
    this.#keyCache = { date, secret, key };
    return key;
  }

  /** The headers to send: the request's own plus `host`, `x-amz-date`, `x-amz-content-sha256`, `authorization`. */
  async sign(request: SignableRequest, now = new Date()): Promise<Record<string, string>> {
    const credentials = await this.#credentials();
    const { date, stamp } = amzDate(now);
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(request.headers)) headers[name.toLowerCase()] = value;
    headers.host = request.url.host;
    headers["x-amz-date"] = stamp;
    headers["x-amz-content-sha256"] ??= UNSIGNED_PAYLOAD;
    if (credentials.sessionToken) headers["x-amz-security-token"] = credentials.sessionToken;
    const names = Object.keys(headers).sort();
    const canonicalHeaders = names
      .map((n) => `${n}:${String(headers[n]).trim().replace(/\s+/g, " ")}\n`)
      .join("");
    const signedHeaders = names.join(";");
    const scope = `${date}/${this.#region}/${this.#service}/aws4_request`;
    const canonicalRequest = [
      request.method,
      request.url.pathname,
      canonicalQuery(request.url),
      canonicalHeaders,
      signedHeaders,
      headers["x-amz-content-sha256"],
    ].join("\n");
    const stringToSign = [ALGORITHM, stamp, scope, await sha256Hex(canonicalRequest)].join("\n");
    const signature = hex(
      await hmac(await this.#signingKey(credentials.secretAccessKey, date), stringToSign),
    );
    headers.authorization = `${ALGORITHM} Credential=${credentials.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
    // `host` is the URL's: fetch refuses to set it.
    delete headers.host;
    return headers;
  }

  /** A presigned URL: query-string authentication valid for `expiresIn` seconds. */
  async presign(method: string, url: URL, expiresIn: number, now = new Date()): Promise<string> {
    const credentials = await this.#credentials();
    const { date, stamp } = amzDate(now);
    const scope = `${date}/${this.#region}/${this.#service}/aws4_request`;
    const signed = new URL(url.href);
    signed.searchParams.set("X-Amz-Algorithm", ALGORITHM);
    signed.searchParams.set("X-Amz-Credential", `${credentials.accessKeyId}/${scope}`);
    signed.searchParams.set("X-Amz-Date", stamp);
    signed.searchParams.set("X-Amz-Expires", String(expiresIn));
    if (credentials.sessionToken) signed.searchParams.set("X-Amz-Security-Token", credentials.sessionToken);
    signed.searchParams.set("X-Amz-SignedHeaders", "host");
    const canonicalRequest = [
      method,
      signed.pathname,
      canonicalQuery(signed),
      `host:${signed.host}\n`,
      "host",
      UNSIGNED_PAYLOAD,
    ].join("\n");
    const stringToSign = [ALGORITHM, stamp, scope, await sha256Hex(canonicalRequest)].join("\n");
    const signature = hex(
      await hmac(await this.#signingKey(credentials.secretAccessKey, date), stringToSign),
    );
    // The query must be sent exactly as signed: build it from the canonical form.
    return `${signed.origin}${signed.pathname}?${canonicalQuery(signed)}&X-Amz-Signature=${signature}`;
  }
}
