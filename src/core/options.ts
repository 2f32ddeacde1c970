/**
 * Options shared by every backend, with validation on construction: a wrong type, a value out of
 * range or an unknown field (a typo) throws {@link ConfigError} naming the field. Subclasses (such as
 * `S3Options`) add fields by extending the static `fields` table.
 */
import { ConfigError } from "./errors.js";

/** Anything with `debug`, `info` and `warn`, e.g. `console`. Never receives a secret. */
export interface Logger {
  debug(message: string, ...details: unknown[]): void;
  info(message: string, ...details: unknown[]): void;
  warn(message: string, ...details: unknown[]): void;
}

/** How one option is checked. */
export interface FieldSpec {
  kind:
    | "boolean"
    | "string"
    | "number"
    | "integer"
    | "logger"
    | "function"
    | "object"
    | "credentials"
    | "url";
  min?: number;
  max?: number;
  /** Allowed string values. */
  oneOf?: readonly string[];
  /** Never shown by `toString`, `toJSON` or `util.inspect`. */
  secret?: boolean;
  /** What the option means, for error messages. */
  description?: string;
}

/** The fields of {@link Options}. */
export interface OptionsInit {
  /**
   * The URI scheme these options apply to (`s3`, `minio`, `file`…). Options that name a scheme the
   * store does not know register it, when their class implies a backend (S3Options → S3).
   */
  scheme?: string;
  /** Keep remote files in a local cache. @default false */
  cacheEnabled?: boolean;
  /** Where the cache lives: a folder (Node), an IndexedDB database name (browser). @default the user's cache folder (Node), `autostore-js-cache` (browser) */
  cacheDir?: string;
  /** Age after which a cached file is revalidated; `0` never expires. @default 24 */
  cacheExpiryHours?: number;
  /** Bound the cache's size, evicting the least recently used files. @default unbounded */
  cacheMaxBytes?: number;
  /**
   * Seconds a request attempt may wait: for the answer's headers in all, then for each next bytes
   * of a body (a long download is bounded by its pauses, not its length). @default 30
   */
  timeout?: number;
  /** Retries of a transient failure (5xx, throttling, resets, timeouts). @default 3 */
  maxRetries?: number;
  /** Base delay in seconds of the exponential backoff (with jitter) between retries. @default 1 */
  retryDelay?: number;
  /** Receives requests, retries, multipart parts, cache hits and misses. @default none */
  logger?: Logger;
  /**
   * Which full-URI keys (`s3://b/k.json`, `file:///x`) the store accepts; a refused one is a
   * `PermissionDeniedError` before any I/O. Read from the options of the store's root.
   * - `"remote"`: every registered remote scheme (S3, HTTP…) and `memory://`; local files (`file://`,
   *   `opfs://`) only inside the store's root. Note that a key such as `http://169.254.169.254/…` then
   *   makes the process fetch that URL: keys from untrusted input need `"none"`.
   * - `"any"`: also local files anywhere (the owner opts in).
   * - `"none"`: no URI keys at all, only keys relative to the root: a store for untrusted input.
   * @default "remote"
   */
  uriKeys?: UriKeys;
}

/** Which full-URI keys a store accepts; see {@link OptionsInit.uriKeys}. */
export type UriKeys = "remote" | "any" | "none";

const SCHEME_PATTERN = /^[a-z][a-z0-9+.-]*$/;
const INSPECT = Symbol.for("nodejs.util.inspect.custom");

/** Options for every backend; see {@link OptionsInit} for each field. */
export class Options {
  /** The fields this class accepts and how each is checked. */
  static readonly fields: Readonly<Record<string, FieldSpec>> = {
    scheme: { kind: "string", description: "a URI scheme such as s3 or minio" },
    cacheEnabled: { kind: "boolean" },
    cacheDir: { kind: "string" },
    cacheExpiryHours: { kind: "number", min: 0, description: "hours, 0 = never expire" },
    cacheMaxBytes: { kind: "integer", min: 1 },
    timeout: { kind: "number", min: 0.001, max: 86_400, description: "seconds per attempt" },
    maxRetries: { kind: "integer", min: 0, max: 100 },
    retryDelay: { kind: "number", min: 0, max: 3_600, description: "seconds" },
    logger: { kind: "logger", description: "an object with debug, info and warn methods" },
    uriKeys: { kind: "string", oneOf: ["remote", "any", "none"] },
  };

  /** Values used for fields that are not given. */
  static readonly defaults: Readonly<Record<string, unknown>> = {
    cacheEnabled: false,
    cacheExpiryHours: 24,
    timeout: 30,
    maxRetries: 3,
    retryDelay: 1,
    uriKeys: "remote",
  };

  declare readonly scheme?: string;
  declare readonly cacheEnabled: boolean;
  declare readonly cacheDir?: string;
  declare readonly cacheExpiryHours: number;
  declare readonly cacheMaxBytes?: number;
  declare readonly timeout: number;
  declare readonly maxRetries: number;
  declare readonly retryDelay: number;
  declare readonly logger?: Logger;
  declare readonly uriKeys: UriKeys;

  readonly #secrets = new Map<string, unknown>();

  constructor(init: OptionsInit = {}) {
    const ctor = new.target as typeof Options;
    const fields = ctor.fields;
    checkFields(init as Record<string, unknown>, fields, ctor.name);
    const values: Record<string, unknown> = { ...ctor.defaults };
    for (const [name, value] of Object.entries(init)) if (value !== undefined) values[name] = value;
    for (const [name, value] of Object.entries(values)) {
      if (fields[name]?.secret) {
        this.#secrets.set(name, value);
        // Readable by name, but not enumerable: JSON.stringify, spreads and inspect skip it.
        Object.defineProperty(this, name, { get: () => this.#secrets.get(name), enumerable: false });
      } else {
        Object.defineProperty(this, name, { value, enumerable: true });
      }
    }
  }

  /** Every field's value as a plain init object (secrets included: pass it on, never print it). */
  toInit(): Record<string, unknown> {
    return { ...this, ...Object.fromEntries(this.#secrets) };
  }

  /** A copy of these options with some fields replaced, validated again. */
  with(overrides: Record<string, unknown>): this {
    const ctor = this.constructor as new (init: Record<string, unknown>) => this;
    return new ctor({ ...this.toInit(), ...overrides });
  }

  /** The fields without secrets or the logger: safe to print. */
  toJSON(): Record<string, unknown> {
    const shown: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(this)) if (name !== "logger") shown[name] = value;
    for (const name of this.#secrets.keys()) shown[name] = "[redacted]";
    return shown;
  }

  toString(): string {
    return `${this.constructor.name} ${JSON.stringify(this.toJSON())}`;
  }

  [INSPECT](): string {
    return this.toString();
  }
}

/** A class of options (Options or a subclass), as schemes refer to it. */
export type OptionsClass = (new (
  init: Record<string, unknown>,
) => Options) & {
  readonly fields: Readonly<Record<string, FieldSpec>>;
};

/** Checks every field of `init` against `fields`; throws {@link ConfigError} on the first problem. */
export function checkFields(
  init: Record<string, unknown>,
  fields: Readonly<Record<string, FieldSpec>>,
  owner: string,
): void {
  if (typeof init !== "object" || init === null || Array.isArray(init)) {
    throw new ConfigError(`${owner}: options must be an object`);
  }
  for (const [name, value] of Object.entries(init)) {
    const spec = fields[name];
    if (!spec) {
      const hint = closest(name, Object.keys(fields));
      throw new ConfigError(
        `${owner}: unknown option '${name}'${hint ? ` (did you mean '${hint}'?)` : ""}; allowed: ${Object.keys(fields).join(", ")}`,
        { field: name },
      );
    }
    if (value === undefined) continue;
    const problem = checkValue(value, spec, name);
    if (problem) {
      // The value itself is shown only for non-secret fields, and a URL without its user info.
      const shown = spec.secret
        ? ""
        : ` (got ${describeValue(spec.kind === "url" ? redactUserInfo(value) : value)})`;
      throw new ConfigError(`${owner}: option '${name}' ${problem}${shown}`, { field: name });
    }
  }
}

function checkValue(value: unknown, spec: FieldSpec, name: string): string | undefined {
  const what = spec.description ? ` (${spec.description})` : "";
  switch (spec.kind) {
    case "boolean":
      return typeof value === "boolean" ? undefined : "must be true or false";
    case "string":
      if (typeof value !== "string") return `must be a string${what}`;
      if (spec.oneOf && !spec.oneOf.includes(value)) return `must be one of ${spec.oneOf.join(", ")}`;
      if (name === "scheme" && !SCHEME_PATTERN.test(value)) {
        return "must be a lower-case URI scheme such as s3 or minio";
      }
      return value === "" ? "must not be empty" : undefined;
    case "number":
    case "integer": {
      if (typeof value !== "number" || Number.isNaN(value)) return `must be a number${what}`;
      if (spec.kind === "integer" && !Number.isInteger(value)) return `must be a whole number${what}`;
      if (spec.min !== undefined && value < spec.min) return `must be at least ${spec.min}${what}`;
      if (spec.max !== undefined && value > spec.max) return `must be at most ${spec.max}${what}`;
      if (!Number.isFinite(value)) return `must be finite${what}`;
      return undefined;
    }
    case "logger": {
      const logger = value as Partial<Logger> | null;
      const ok =
        typeof logger === "object" &&
        logger !== null &&
        ["debug", "info", "warn"].every((m) => typeof logger[m as keyof Logger] === "function");
      return ok ? undefined : `must be ${spec.description}`;
    }
    case "function":
      return typeof value === "function" ? undefined : `must be a function${what}`;
    case "object":
      return typeof value === "object" && value !== null ? undefined : `must be an object${what}`;
    case "url": {
      if (typeof value !== "string") return `must be a string${what}`;
      let url: URL;
      try {
        url = new URL(value);
      } catch {
        return `must be a full URL${what}`;
      }
      if (url.protocol !== "http:" && url.protocol !== "https:")
        return `must be an http:// or https:// URL${what}`;
      if (url.username !== "" || url.password !== "") {
        return "must not carry credentials (user:password@host): give accessKeyId and secretAccessKey instead";
      }
      return undefined;
    }
    case "credentials":
      return typeof value === "function" || (typeof value === "object" && value !== null)
        ? undefined
        : `must be ${spec.description ?? "an object or a function"}`;
  }
}

/** A URL string with any `user:password@` replaced, for messages. */
function redactUserInfo(value: unknown): unknown {
  return typeof value === "string"
    ? value.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, "$1[redacted]@")
    : value;
}

/** A value as a short phrase for messages (`"abc"`, `42`, `an object`); never the whole of a long string. */
export function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "string") return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === "object") return "an object";
  return typeof value === "number" || typeof value === "boolean" ? String(value) : typeof value;
}

/** The known name nearest to a typo, when it is near enough to be the intended one. */
export function closest(name: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(name.length / 3)) + 1;
  for (const candidate of known) {
    const distance = editDistance(name.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min((previous[j] as number) + 1, (current[j - 1] as number) + 1, substitution);
    }
    previous = current;
  }
  return previous[b.length] as number;
}
