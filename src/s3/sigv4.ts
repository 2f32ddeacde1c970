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

/**
 * A request to sign: its URL, or the parts of it that are signed (the encoded path, and the query
 * already in canonical form, as {@link canonicalQueryOf} writes it). `headers` must not hold `host`,
 * `x-amz-date` or `authorization`.
 */
export interface SignableRequest {
  method: string;
  url: URL | { host: string; pathname: string; query: string };
  headers: Record<string, string>;
}

/**
 * The two hashes SigV4 needs. Web Crypto ({@link webCrypto}) runs everywhere; Node injects
 * `node:crypto`, which answers synchronously and costs a fraction of `crypto.subtle`'s per-call work.
 */
export interface SigV4Crypto {
  hmac(key: Uint8Array, data: string): Uint8Array | Promise<Uint8Array>;
  sha256Hex(data: string): string | Promise<string>;
  /** The HMAC as hex, where the runtime writes it faster than {@link hex} does. */
  hmacHex?(key: Uint8Array, data: string): string;
}

function subtle(): SubtleCrypto {
  const crypto = (globalThis as { crypto?: Crypto }).crypto;
  if (!crypto?.subtle)
    throw new Error("SigV4 signing needs crypto.subtle (Web Crypto), which this runtime lacks");
  return crypto.subtle;
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

function hex(bytes: Uint8Array): string {
  let out = "";
  for (let i = 0; i < bytes.length; i++) out += HEX[bytes[i] as number];
  return out;
}

/** {@link SigV4Crypto} over Web Crypto. */
export const webCrypto: SigV4Crypto = {
  async hmac(key, data) {
    const cryptoKey = await subtle().importKey(
      "raw",
      key as BufferSource,
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["sign"],
    );
    return new Uint8Array(await subtle().sign("HMAC", cryptoKey, encoder.encode(data)));
  },
  async sha256Hex(data) {
    return hex(new Uint8Array(await subtle().digest("SHA-256", encoder.encode(data))));
  },
};

const UNRESERVED = /^[A-Za-z0-9\-_.~]*$/;

/** RFC 3986 encoding as SigV4 wants it: everything but `A-Z a-z 0-9 - _ . ~` escaped. */
export function encodeRfc3986(value: string): string {
  // Most keys and values need no escape at all: skip the regex pass for them.
  if (UNRESERVED.test(value)) return value;
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** A key as an S3 URL path: each segment encoded, `/` kept. S3 signs this exact path (no double encoding). */
export function encodeKeyPath(key: string): string {
  return key.split("/").map(encodeRfc3986).join("/");
}

// Requests come many to the second: the stamp of the last second is kept.
let lastSecond = Number.NaN;
let lastStamp = { date: "", stamp: "" };

function amzDate(now: Date): { date: string; stamp: string } {
  const second = Math.floor(now.getTime() / 1000);
  if (second === lastSecond) return lastStamp;
  const iso = now.toISOString(); // 2026-12-01T03:53:48.123Z
  const stamp = `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
  lastSecond = second;
  lastStamp = { date: stamp.slice(0, 8), stamp };
  return lastStamp;
}

function byName([a, av]: [string, string], [b, bv]: [string, string]): number {
  return a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0;
}

/**
 * A query in SigV4's canonical form (names and values RFC 3986-encoded, sorted): also a valid query
 * string to send, so the request path builds it once and sends what it signed. Undefined values are
 * left out; an empty value keeps its `=` (`uploads=`), as S3 accepts.
 */
export function canonicalQueryOf(query: Record<string, string | undefined>): string {
  const pairs: Array<[string, string]> = [];
  for (const name in query) {
    const value = query[name];
    if (value !== undefined) pairs.push([encodeRfc3986(name), encodeRfc3986(value)]);
  }
  if (pairs.length > 1) pairs.sort(byName);
  let out = "";
  for (const [name, value] of pairs) out += `${out === "" ? "" : "&"}${name}=${value}`;
  return out;
}

function canonicalQuery(url: SignableRequest["url"]): string {
  if (!(url instanceof URL)) return url.query;
  const pairs: Array<[string, string]> = [];
  url.searchParams.forEach((value, name) => {
    pairs.push([encodeRfc3986(name), encodeRfc3986(value)]);
  });
  pairs.sort(byName);
  return pairs.map(([name, value]) => `${name}=${value}`).join("&");
}

/** Signs S3 requests for one region with one set of credentials (or a provider of them). */
export class SigV4Signer {
  readonly #region: string;
  readonly #service: string;
  readonly #credentials: () => Promise<S3Credentials>;
  readonly #crypto: SigV4Crypto;
  // The derived key for one day and secret (private: never shown by inspect or JSON).
  #keyCache: { date: string; secret: string; key: Uint8Array; scope: string } | undefined;

  constructor(options: {
    region: string;
    credentials: () => Promise<S3Credentials>;
    service?: string;
    crypto?: SigV4Crypto;
  }) {
    this.#region = options.region;
    this.#service = options.service ?? "s3";
    this.#credentials = options.credentials;
    this.#crypto = options.crypto ?? webCrypto;
  }

  async #signingKey(secret: string, date: string): Promise<{ key: Uint8Array; scope: string }> {
    const cached = this.#keyCache;
    if (cached?.date === date && cached.secret === secret) return cached;
    const c = this.#crypto;
    const kDate = await c.hmac(encoder.encode(`AWS4${secret}`), date);
    const kRegion = await c.hmac(kDate, this.#region);
    const kService = await c.hmac(kRegion, this.#service);
    const key = await c.hmac(kService, "aws4_request");
    const scope = `${date}/${this.#region}/${this.#service}/aws4_request`;
    this.#keyCache = { date, secret, key, scope };
    return this.#keyCache;
  }

  /**
   * The headers to send: the request's own (names in lower case) plus `x-amz-date`,
   * `x-amz-content-sha256`, `authorization` and a session token; never `host` (the URL's).
   */
  async sign(request: SignableRequest, now = new Date()): Promise<Record<string, string>> {
    const credentials = await this.#credentials();
    const { date, stamp } = amzDate(now);
    const headers: Record<string, string> = {};
    for (const name in request.headers) headers[name.toLowerCase()] = request.headers[name] as string;
    headers["x-amz-date"] = stamp;
    headers["x-amz-content-sha256"] ??= UNSIGNED_PAYLOAD;
    if (credentials.sessionToken) headers["x-amz-security-token"] = credentials.sessionToken;
    const names = Object.keys(headers);
    names.push("host");
    names.sort();
    let canonicalHeaders = "";
    for (const name of names) {
      const value = name === "host" ? request.url.host : (headers[name] as string);
      canonicalHeaders += `${name}:${SPACES.test(value) ? value.trim().replace(/\s+/g, " ") : value}\n`;
    }
    const signedHeaders = names.join(";");
    const { key, scope } = await this.#signingKey(credentials.secretAccessKey, date);
    const canonicalRequest = `${request.method}\n${request.url.pathname}\n${canonicalQuery(request.url)}\n${canonicalHeaders}\n${signedHeaders}\n${headers["x-amz-content-sha256"]}`;
    const signature = await this.#signature(key, stamp, scope, canonicalRequest);
    headers.authorization = `${ALGORITHM} Credential=${credentials.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
    return headers;
  }

  async #signature(key: Uint8Array, stamp: string, scope: string, canonicalRequest: string): Promise<string> {
    const c = this.#crypto;
    const hash = await c.sha256Hex(canonicalRequest);
    const stringToSign = `${ALGORITHM}\n${stamp}\n${scope}\n${hash}`;
    return c.hmacHex ? c.hmacHex(key, stringToSign) : hex(await c.hmac(key, stringToSign));
  }

  /** A presigned URL: query-string authentication valid for `expiresIn` seconds. */
  async presign(method: string, url: URL, expiresIn: number, now = new Date()): Promise<string> {
    const credentials = await this.#credentials();
    const { date, stamp } = amzDate(now);
    const { key, scope } = await this.#signingKey(credentials.secretAccessKey, date);
    const signed = new URL(url.href);
    signed.searchParams.set("X-Amz-Algorithm", ALGORITHM);
    signed.searchParams.set("X-Amz-Credential", `${credentials.accessKeyId}/${scope}`);
    signed.searchParams.set("X-Amz-Date", stamp);
    signed.searchParams.set("X-Amz-Expires", String(expiresIn));
    if (credentials.sessionToken) signed.searchParams.set("X-Amz-Security-Token", credentials.sessionToken);
    signed.searchParams.set("X-Amz-SignedHeaders", "host");
    const query = canonicalQuery(signed);
    const canonicalRequest = `${method}\n${signed.pathname}\n${query}\nhost:${signed.host}\n\nhost\n${UNSIGNED_PAYLOAD}`;
    const signature = await this.#signature(key, stamp, scope, canonicalRequest);
    // The query must be sent exactly as signed: build it from the canonical form.
    return `${signed.origin}${signed.pathname}?${query}&X-Amz-Signature=${signature}`;
  }
}

/** Header values that need SigV4's whitespace folding (most have none to fold). */
const SPACES = /^\s|\s$|\s\s|[\t\n\r]/;
