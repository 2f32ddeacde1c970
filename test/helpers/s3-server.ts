/**
 * A local S3-compatible server for tests and benchmarks: s3rver 3.7.1 on 127.0.0.1 (a free port), in
 * a child process of its own, with buckets (and a CORS rule, for browser tests) created up front.
 *
 * Why a child process: s3rver signs ListObjectsV2 continuation tokens with DES, which OpenSSL 3 only
 * offers with `--openssl-legacy-provider`; without it every listing that pages fails with a 500. The
 * flag must be given when Node starts, so the server gets a Node of its own. It also keeps the
 * server's CPU off the test process's event loop.
 *
 * @example
 * const s3 = await startS3Server({ buckets: ["data"] });
 * const store = new AutoStore("s3://data/", { options: new S3Options(s3.options()) });
 * // …
 * await s3.stop();
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { S3Client } from "@aws-sdk/client-s3";
import type { S3OptionsInit } from "../../src/s3/index.js";

/** The only credentials s3rver knows; any other access key id gets 403 InvalidAccessKeyId. */
export const S3RVER_ACCESS_KEY_ID = "S3RVER";
export const S3RVER_SECRET_ACCESS_KEY = "S3RVER";

/** CORS rule that lets a browser page on any origin read, write and see ETags. */
export const OPEN_CORS_XML = `<CORSConfiguration>
  <CORSRule>
    <AllowedOrigin>*</AllowedOrigin>
    <AllowedMethod>GET</AllowedMethod>
    <AllowedMethod>HEAD</AllowedMethod>
    <AllowedMethod>PUT</AllowedMethod>
    <AllowedMethod>POST</AllowedMethod>
    <AllowedMethod>DELETE</AllowedMethod>
    <AllowedHeader>*</AllowedHeader>
    <ExposeHeader>ETag</ExposeHeader>
    <ExposeHeader>Content-Range</ExposeHeader>
    <ExposeHeader>Content-Length</ExposeHeader>
    <MaxAgeSeconds>3000</MaxAgeSeconds>
  </CORSRule>
</CORSConfiguration>`;

/** Options of {@link startS3Server}. */
export interface S3ServerOptions {
  /** Buckets to create before the server answers. @default ["test"] */
  buckets?: string[];
  /** Give every bucket (true), or the buckets named, {@link OPEN_CORS_XML}; the others have no CORS rule. @default true */
  cors?: boolean | string[];
}

/** A running server. */
export interface S3Server {
  /** `http://127.0.0.1:<port>` */
  endpoint: string;
  port: number;
  /** The server process's id (to read its CPU time, as the benchmark does). */
  pid: number;
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
  buckets: string[];
  /**
   * S3Options fields that reach this server: endpoint, path-style addressing and credentials. The
   * checksum settings are left to the backend's defaults for custom endpoints, which tests check.
   * `overrides` win.
   */
  options(overrides?: S3OptionsInit): S3OptionsInit;
  /** Stops the server and removes its files. */
  stop(): Promise<void>;
}

// Runs in the child: CommonJS, so `require` of the s3rver path works without a loader.
const CHILD_SCRIPT = `
const S3rver = require(process.argv[1]);
const config = JSON.parse(process.argv[2]);
const server = new S3rver({
  address: "127.0.0.1",
  port: 0,
  silent: true,
  directory: config.directory,
  configureBuckets: config.buckets.map((name) => ({
    name,
    configs: config.cors === true || (Array.isArray(config.cors) && config.cors.includes(name)) ? [config.corsXml] : [],
  })),
});
server.run().then(
  (address) => process.stdout.write(JSON.stringify({ port: address.port }) + "\\n"),
  (err) => { process.stderr.write(String(err && err.stack || err) + "\\n"); process.exit(1); },
);
// The parent holds our stdin open: when it goes (even by a crash), so do we.
process.stdin.on("end", () => process.exit(0));
process.stdin.resume();
`;

/** Starts s3rver on 127.0.0.1 with a free port and the given buckets; see the module comment. */
export async function startS3Server(options: S3ServerOptions = {}): Promise<S3Server> {
  const buckets = options.buckets ?? ["test"];
  const directory = await mkdtemp(join(tmpdir(), "autostore-s3rver-"));
  const s3rverPath = createRequire(import.meta.url).resolve("s3rver");
  const config = { directory, buckets, cors: options.cors ?? true, corsXml: OPEN_CORS_XML };
  const child = spawn(
    process.execPath,
    ["--openssl-legacy-provider", "-e", CHILD_SCRIPT, s3rverPath, JSON.stringify(config)],
    { stdio: ["pipe", "pipe", "pipe"] },
  );
  let port: number;
  try {
    port = await readPort(child);
  } catch (err) {
    child.kill();
    await rm(directory, { recursive: true, force: true });
    throw err;
  }
  const endpoint = `http://127.0.0.1:${port}`;
  let stopped: Promise<void> | undefined;
  return {
    endpoint,
    port,
    pid: child.pid ?? 0,
    accessKeyId: S3RVER_ACCESS_KEY_ID,
    secretAccessKey: S3RVER_SECRET_ACCESS_KEY,
    region: "us-east-1",
    buckets,
    options: (overrides = {}) => ({
      endpoint,
      region: "us-east-1",
      forcePathStyle: true,
      accessKeyId: S3RVER_ACCESS_KEY_ID,
      secretAccessKey: S3RVER_SECRET_ACCESS_KEY,
      // s3rver ignores If-None-Match on PUT.
      conditionalWrites: false,
      ...overrides,
    }),
    stop: () => {
      stopped ??= (async () => {
        const exited = new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) resolve();
          else child.once("exit", () => resolve());
        });
        child.stdin?.end();
        const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
        await exited;
        clearTimeout(timer);
        await rm(directory, { recursive: true, force: true });
      })();
      return stopped;
    },
  };
}

function readPort(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    let out = "";
    let err = "";
    const timer = setTimeout(() => reject(new Error(`s3rver did not start within 20 s: ${err}`)), 20_000);
    child.stderr?.on("data", (chunk: Buffer) => {
      err += chunk.toString();
    });
    child.stdout?.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split("\n")[0];
      if (out.includes("\n") && line) {
        clearTimeout(timer);
        try {
          resolve((JSON.parse(line) as { port: number }).port);
        } catch (parseError) {
          reject(parseError);
        }
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`s3rver exited with code ${code} before listening: ${err}`));
    });
  });
}

/**
 * A raw AWS SDK client for a local server, independent of the store (to check what the store wrote,
 * or to make objects the store did not). Checksums only where required: s3rver stores `aws-chunked`
 * framing verbatim otherwise (see FIELD-NOTES).
 */
export function rawS3Client(server: {
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
}): S3Client {
  return new S3Client({
    endpoint: server.endpoint,
    region: server.region,
    forcePathStyle: true,
    credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
}
