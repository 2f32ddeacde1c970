/**
 * The S3 backend: one bucket (and an optional prefix in it) of AWS S3 or any S3-compatible service.
 * Isomorphic: it loads its request path (`sdk-transport.ts` or `fetch-transport.ts`) on the first
 * request, so constructing it is cheap and never loads the AWS SDK.
 *
 * Where services differ from S3 and how this copes:
 * - suffix ranges (`bytes=-N`) that a server answers wrongly are detected from `Content-Range` and
 *   asked again with explicit offsets;
 * - a server that ignores `Range` (200 instead of 206) is read only up to the end of the range;
 * - `CopySource` is sent percent-encoded as S3 documents it, and again as `encodeURI` leaves it for
 *   servers that decode it with `decodeURI` (s3rver) when the first form names no object;
 * - create-mode writes use `If-None-Match: *`; with `conditionalWrites: false` they check first.
 */
import type {
  Backend,
  CallOptions,
  Capabilities,
  CommonPrefix,
  DeleteOptions,
  ListedObject,
  ListOptions,
  ObjectMeta,
  ReadOptions,
  ReadResult,
  WriteOptions,
} from "../core/backend.js";
import { ConfigError } from "../core/errors.js";
import { validatePrefix } from "../core/keys.js";
import { S3Options, type S3OptionsInit } from "./options.js";
import type { S3Requests } from "./requests.js";
import type { S3Transport, TransportConfig } from "./transport.js";

/** A request path's class. */
export type TransportClass = new (config: TransportConfig) => S3Transport;

/**
 * Which request paths a build has, and how to load one. A loader is passed in rather than imported
 * here so that a build without the AWS SDK (the edge build) has no import of it anywhere in its
 * module graph: bundlers for workerd and Vercel's edge fail on the SDK's `node:` imports even when
 * they sit behind a dynamic import that never runs.
 */
export interface TransportLoader {
  readonly kinds: readonly ("sdk" | "fetch")[];
  load(kind: "sdk" | "fetch"): Promise<TransportClass>;
  /**
   * The request path for options that name none (and a backend given no `defaultTransport`).
   * @default the first of `kinds`
   */
  choose?(options: S3Options): "sdk" | "fetch";
}

/** The fetch request path alone: what every runtime can run. */
export const fetchTransportLoader: TransportLoader = {
  kinds: ["fetch"],
  load: async () => (await import("./fetch-transport.js")).FetchTransport,
};

/** How an {@link S3Backend} is made. */
export interface S3BackendInit {
  /** The scheme served (`s3`, `minio`, `r2`…). @default "s3" */
  scheme?: string;
  /** Options (or their fields) for this service. @default new S3Options() */
  options?: S3Options | S3OptionsInit;
  /** The request path when `options.transport` does not name one. @default the loader's first */
  defaultTransport?: "sdk" | "fetch";
  /** The request paths available. @default the fetch path only ({@link fetchTransportLoader}) */
  transports?: TransportLoader;
}

/**
 * A bucket (and prefix) of S3 or an S3-compatible service, as a {@link Backend}. This class has the
 * request paths its `transports` loader gives it (signed fetch alone by default); the `S3Backend` of
 * `autostore-js/s3` and of the Node and browser builds adds the AWS SDK, and uses it by default.
 *
 * @example
 * const backend = new S3Backend("my-bucket/data/", { options: { region: "eu-west-1" } });
 * await backend.write("a.json", new TextEncoder().encode("{}"));
 */
export class S3Backend implements Backend {
  readonly scheme: string;
  readonly root: string;
  readonly capabilities: Capabilities;
  /** The bucket's name. */
  readonly bucket: string;
  /** The prefix inside the bucket that keys are relative to: empty, or ending in `/`. */
  readonly prefix: string;
  readonly #options: S3Options;
  readonly #transportKind: "sdk" | "fetch";
  readonly #loader: TransportLoader;
  // The request code (`requests.ts`) loads with the first request: the class is exported by every
  // build, so a web app that never talks to S3 ships only this.
  #requests: Promise<S3Requests> | undefined;
  #closed = false;

  /**
   * @param root `bucket/prefix/` (what follows `s3://`), or a full `scheme://bucket/prefix/` URI.
   * @param init the scheme, options and default request path.
   */
  constructor(root: string, init: S3BackendInit = {}) {
    const uri = /^([a-z][a-z0-9+.-]*):\/\/(.*)$/is.exec(root);
    this.scheme = (init.scheme ?? uri?.[1] ?? "s3").toLowerCase();
    const rest = uri ? (uri[2] as string) : root;
    const slash = rest.indexOf("/");
    this.bucket = slash === -1 ? rest : rest.slice(0, slash);
    const prefix = slash === -1 ? "" : rest.slice(slash + 1).replace(/\/+$/, "");
    if (this.bucket === "") {
      throw new ConfigError(`${this.scheme}://${rest}: name a bucket, as in ${this.scheme}://bucket/prefix/`);
    }
    validatePrefix(prefix);
    this.prefix = prefix === "" ? "" : `${prefix}/`;
    this.root = `${this.scheme}://${this.bucket}/${this.prefix}`;
    const given = init.options ?? {};
    this.#options = given instanceof S3Options ? given : new S3Options(given);
    if ((this.#options.accessKeyId === undefined) !== (this.#options.secretAccessKey === undefined)) {
      throw new ConfigError(`${this.root}: give both accessKeyId and secretAccessKey, or neither`, {
        field: this.#options.accessKeyId === undefined ? "accessKeyId" : "secretAccessKey",
      });
    }
    this.#loader = init.transports ?? fetchTransportLoader;
    this.#transportKind =
      this.#options.transport ??
      init.defaultTransport ??
      this.#loader.choose?.(this.#options) ??
      (this.#loader.kinds[0] as "sdk" | "fetch");
    if (!this.#loader.kinds.includes(this.#transportKind)) {
      throw new ConfigError(
        `${this.root}: this build has no '${this.#transportKind}' request path (it has: ${this.#loader.kinds.join(", ")}); set transport: "fetch"`,
        { field: "transport" },
      );
    }
    this.capabilities = {
      rangeRead: true,
      presign: !this.#options.anonymous,
      multipart: true,
      writable: true,
      conditionalWrite: this.#options.conditionalWrites,
    };
  }

  uri(key: string): string {
    return this.root + key;
  }

  /**
   * The endpoint (or AWS), region, addressing style and a hash of the account behind this bucket;
   * see {@link Backend.cacheIdentity}.
   */
  cacheIdentity(): Promise<string> {
    return import("./identity.js").then((m) => m.s3CacheIdentity(this.scheme, this.#options));
  }

  /** The request path in use: `"sdk"` or `"fetch"`. */
  get transport(): "sdk" | "fetch" {
    return this.#transportKind;
  }

  async read(key: string, options: ReadOptions = {}): Promise<ReadResult> {
    return (await this.#load()).read(key, options);
  }

  async head(key: string, options: CallOptions = {}): Promise<ObjectMeta> {
    return (await this.#load()).head(key, options);
  }

  async write(
    key: string,
    body: Uint8Array | ReadableStream<Uint8Array>,
    options: WriteOptions = {},
  ): Promise<ObjectMeta> {
    return (await this.#load()).write(key, body, options);
  }

  async *list(prefix: string, options: ListOptions = {}): AsyncIterable<ListedObject | CommonPrefix> {
    validatePrefix(prefix);
    yield* (await this.#load()).list(prefix, options);
  }

  /** Deletes an object, or a folder marker (`folder/`, as `list` with `markers` names them). */
  async delete(key: string, options: DeleteOptions = {}): Promise<void> {
    return (await this.#load()).delete(key, options);
  }

  /** A server-side copy (CopyObject), pinned to the source's version; over 5 GiB, a streamed one. */
  async copy(from: string, to: string, options: CallOptions = {}): Promise<ObjectMeta> {
    return (await this.#load()).serverCopy(this, from, to, options);
  }

  /**
   * Copies `from` of another backend to `to` here on the server (no bytes through the client) when
   * both are buckets of one service: the same scheme and the same options, as a store opens them for
   * `s3://a/x` and `s3://b/y`. Resolves to undefined when `source` is not such a backend, so the caller
   * can stream the copy instead.
   */
  async copyFrom(
    source: Backend,
    from: string,
    to: string,
    options: CallOptions = {},
  ): Promise<ObjectMeta | undefined> {
    if (
      !(source instanceof S3Backend) ||
      source.scheme !== this.scheme ||
      source.#options !== this.#options
    ) {
      return undefined;
    }
    return (await this.#load()).serverCopy(source, from, to, options);
  }

  /** A presigned URL that grants `method` on `key` for `expiresIn` seconds (at most 7 days). */
  async presign(key: string, options: { expiresIn: number; method: "GET" | "PUT" }): Promise<string> {
    return (await this.#load()).presign(key, options);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const requests = this.#requests;
    if (requests) await (await requests.catch(() => undefined))?.close();
  }

  toString(): string {
    return `S3Backend(${this.root})`;
  }

  /** The request code, loaded once; a failed load is tried again on the next request. */
  #load(): Promise<S3Requests> {
    this.#requests ??= import("./requests.js").then(
      ({ S3Requests }) => new S3Requests(this, this.#options, this.#loader, () => this.#closed),
      (err: unknown) => {
        this.#requests = undefined;
        throw err;
      },
    );
    return this.#requests;
  }
}
