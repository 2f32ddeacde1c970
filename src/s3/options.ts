/**
 * Options of S3 and S3-compatible services (MinIO, R2, DigitalOcean Spaces, GCS interoperability…).
 * Secrets (`secretAccessKey`, `sessionToken`, `credentials`) never appear in `toString`, `toJSON`,
 * `util.inspect` or error messages.
 */
import { type FieldSpec, Options, type OptionsInit } from "../core/options.js";

const MiB = 1024 * 1024;
const CHECKSUM_MODES = ["WHEN_SUPPORTED", "WHEN_REQUIRED"] as const;
/** S3's smallest allowed part (all but the last). */
export const MIN_PART_SIZE = 5 * MiB;

/** Static credentials, as the AWS SDK takes them. */
export interface S3Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}

/** The fields of {@link S3Options}, on top of {@link OptionsInit}. */
export interface S3OptionsInit extends OptionsInit {
  /** A profile of the shared AWS config/credentials files (Node only). */
  profile?: string;
  /** The region. @default from the environment, else `us-east-1` */
  region?: string;
  /** The service's URL, for S3-compatible services (`http://127.0.0.1:9000`). */
  endpoint?: string;
  /** Address buckets as `endpoint/bucket` rather than `bucket.endpoint`. @default true when `endpoint` is set */
  forcePathStyle?: boolean;
  /** Static credentials, or a function that resolves them (refreshed when they expire). */
  credentials?: S3Credentials | (() => Promise<S3Credentials>);
  accessKeyId?: string;
  secretAccessKey?: string;
  sessionToken?: string;
  /** Send unsigned requests (public buckets). @default false */
  anonymous?: boolean;
  /** Values larger than this go up in parts. @default 64 MiB */
  multipartThreshold?: number;
  /** The size of each part (S3's 5 MiB minimum is enforced). @default 16 MiB */
  multipartChunkSize?: number;
  /** Parts (and other requests of one call) in flight at once. @default 10 */
  maxConcurrency?: number;
  /**
   * When to send request checksums. `"WHEN_SUPPORTED"` (the AWS SDK's default) sends stream bodies as
   * `aws-chunked` with a trailing CRC32, which many S3-compatible servers reject or store verbatim
   * (a silently corrupt object); `"WHEN_REQUIRED"` sends checksums only where S3 demands one.
   * @default "WHEN_SUPPORTED" for AWS, "WHEN_REQUIRED" when `endpoint` is set
   */
  requestChecksumCalculation?: "WHEN_SUPPORTED" | "WHEN_REQUIRED";
  /**
   * When to validate response checksums; see {@link S3OptionsInit.requestChecksumCalculation}.
   * @default "WHEN_SUPPORTED" for AWS, "WHEN_REQUIRED" when `endpoint` is set
   */
  responseChecksumValidation?: "WHEN_SUPPORTED" | "WHEN_REQUIRED";
  /**
   * The service honours `If-None-Match: *` on PUT, so `mode: "create"` writes are atomic. Set `false`
   * for servers that ignore it; create-mode writes then check with a HEAD first, which is not atomic.
   * @default true
   */
  conditionalWrites?: boolean;
  /**
   * How requests are made: `"sdk"` through `@aws-sdk/client-s3` (loaded on the first request), or
   * `"fetch"`, SigV4-signed requests with no SDK client: over `node:http` keep-alive agents on Node,
   * over the global `fetch` elsewhere (the SDK does not run on workerd or Vercel's edge).
   * @default on Node, "fetch" when the options carry credentials (`credentials`, or `accessKeyId` and
   * `secretAccessKey`) or `anonymous: true` and name no `profile`, else "sdk" (the AWS default
   * credential chain); "fetch" in browsers and in the edge build
   */
  transport?: "sdk" | "fetch";
}

/** Options of S3 and S3-compatible services; see {@link S3OptionsInit} for each field. */
export class S3Options extends Options {
  /** Options of this class name schemes served by the S3 backend. */
  static readonly backendKind = "s3";

  static override readonly fields: Readonly<Record<string, FieldSpec>> = {
    ...Options.fields,
    profile: { kind: "string" },
    region: { kind: "string" },
    endpoint: { kind: "url", description: "a URL such as https://minio.example.com" },
    forcePathStyle: { kind: "boolean" },
    credentials: {
      kind: "credentials",
      secret: true,
      description: "credentials or a function returning them",
    },
    accessKeyId: { kind: "string" },
    secretAccessKey: { kind: "string", secret: true },
    sessionToken: { kind: "string", secret: true },
    anonymous: { kind: "boolean" },
    multipartThreshold: { kind: "integer", min: MIN_PART_SIZE, description: "bytes, at least 5 MiB" },
    multipartChunkSize: {
      kind: "integer",
      min: MIN_PART_SIZE,
      max: 5 * 1024 * MiB,
      description: "bytes, 5 MiB to 5 GiB",
    },
    maxConcurrency: { kind: "integer", min: 1, max: 1000 },
    requestChecksumCalculation: { kind: "string", oneOf: CHECKSUM_MODES },
    responseChecksumValidation: { kind: "string", oneOf: CHECKSUM_MODES },
    conditionalWrites: { kind: "boolean" },
    transport: { kind: "string", oneOf: ["sdk", "fetch"] },
  };

  static override readonly defaults: Readonly<Record<string, unknown>> = {
    ...Options.defaults,
    scheme: "s3",
    anonymous: false,
    multipartThreshold: 64 * MiB,
    multipartChunkSize: 16 * MiB,
    maxConcurrency: 10,
    conditionalWrites: true,
  };

  declare readonly profile?: string;
  declare readonly region?: string;
  declare readonly endpoint?: string;
  declare readonly forcePathStyle?: boolean;
  declare readonly credentials?: S3Credentials | (() => Promise<S3Credentials>);
  declare readonly accessKeyId?: string;
  declare readonly secretAccessKey?: string;
  declare readonly sessionToken?: string;
  declare readonly anonymous: boolean;
  declare readonly multipartThreshold: number;
  declare readonly multipartChunkSize: number;
  declare readonly maxConcurrency: number;
  declare readonly requestChecksumCalculation?: "WHEN_SUPPORTED" | "WHEN_REQUIRED";
  declare readonly responseChecksumValidation?: "WHEN_SUPPORTED" | "WHEN_REQUIRED";
  declare readonly conditionalWrites: boolean;
  declare readonly transport?: "sdk" | "fetch";

  /** Validates the fields; see {@link S3OptionsInit}. */
  constructor(init: S3OptionsInit = {}) {
    super(init);
  }
}
