/**
 * AutoStore: a dictionary over any backend. Composition only: a key picks its backend (by scheme),
 * the backend moves bytes, a handler turns them into values.
 */

import {
  type Capabilities,
  containsFileOf,
  copyAcross,
  deletePrefix,
  exists,
  isDirectory,
  type ObjectMeta,
} from "./backend.js";
import { CachedBackend } from "./cache/cached-backend.js";
import { type CallOptionKind, checkCallOptions } from "./call-options.js";
import { contextOf, decodeWith, encodeWith, isThenable } from "./coding.js";
import {
  AmbiguousKeyError,
  AutoStoreError,
  asCallError,
  ConfigError,
  InvalidKeyError,
  isAutoStoreError,
  KeyNotFoundError,
  UnsupportedFormatError,
  UnsupportedOperationError,
} from "./errors.js";
import { builtinHandlers } from "./handlers/builtins.js";
import type { DataHandler } from "./handlers/handler.js";
import { HandlerRegistry, type SplitKey } from "./handlers/registry.js";
import { borrowing, handOver, isTextCodec } from "./handover.js";
import { acquireKeyLock, callTicket, keyLockSettled, withKeyLock } from "./key-lock.js";
import { showKey, validatePrefix } from "./keys.js";
import { bareKeys, matchingFiles } from "./listing.js";
import type { Logger, Options } from "./options.js";
import { AutoPath } from "./path/autopath.js";
import { bindStoreInternals } from "./path/internals.js";
import { keepNewest, noteWrite } from "./replace.js";
import { findVariants, type ResolvedFile, resolveByExtension, resolveForRead } from "./resolve.js";
import { Router, type Target } from "./router.js";
import { type StandardSchemaV1, validateWithSchema } from "./schema.js";
import { type BackendFactory, type BuiltinKind, registerSchemeFactory } from "./schemes.js";
import type {
  AutoStoreInit,
  FileMetadata,
  GetOptions,
  PrimaryBackend,
  SetOptions,
  TransferOptions,
} from "./store-options.js";

const GET_OPTIONS = {
  format: "string",
  ignoreCache: "boolean",
  schema: "schema",
  onProgress: "function",
} as const satisfies Record<string, CallOptionKind>;
const SET_OPTIONS = { format: "string", schema: "schema", onProgress: "function" } as const satisfies Record<
  string,
  CallOptionKind
>;

/** Extensions of the files a folder dataset is made of. */
export const TABULAR_EXTENSIONS: readonly string[] = [".parquet", ".csv", ".arrow", ".feather"];

/**
 * A dictionary-like store.
 *
 * @example
 * const store = new AutoStore("./data");
 * await store.set("config", { key: "value" }); // → "config.json"
 * const config = await store.get("config");    // { key: "value" }
 */
export class AutoStore implements AsyncDisposable {
  readonly #router: Router;
  readonly #handlers: HandlerRegistry;

  /**
   * @param root a local path (`./data`), or a URI (`s3://bucket/prefix/`, `memory://name`, `file:///abs`).
   * @param init option fields, `options`, or both; see {@link AutoStoreInit}.
   */
  constructor(root: string, init: AutoStoreInit = {}) {
    this.#router = new Router(root, init);
    this.#handlers = new HandlerRegistry(builtinHandlers());
  }

  /** Registers a scheme for every store: a built-in backend kind, or a factory of your own. */
  static registerScheme(scheme: string, backend: BuiltinKind | BackendFactory): void {
    registerSchemeFactory(scheme, backend);
  }

  /** Adds a format handler to this store; it overrides built-in handlers of lower or equal priority. */
  registerHandler(handler: DataHandler): void {
    this.#handlers.register(handler);
  }

  /** Reads and decodes a value. */
  async get<S extends StandardSchemaV1>(
    key: string,
    options: GetOptions & { schema: S },
  ): Promise<StandardSchemaV1.InferOutput<S>>;
  async get<T = unknown>(key: string, options?: GetOptions & { schema?: undefined }): Promise<T>;
  async get(key: string, options: GetOptions & { schema?: StandardSchemaV1 } = {}): Promise<unknown> {
    checkCallOptions("get", options, GET_OPTIONS);
    // One async layer, no closure per call: this is the hot path of small values. Every promise
    // returned below is awaited, so that its rejection is typed here.
    try {
      const target = this.#target(key, { allowTrailingSlash: true });
      const signal = options.signal;
      if (target.key === "" || target.key.endsWith("/")) return await this.#openDataset(target, signal);
      // A key with its extension names its file: no lookup, no await.
      let file =
        options.format === undefined
          ? resolveByExtension(target.backend, target.key, this.#handlers)
          : undefined;
      if (file === undefined) {
        try {
          file = await this.#resolve(target, {
            signal,
            format: options.format,
            ignoreCache: options.ignoreCache,
          });
        } catch (err) {
          // A bare key that names a folder of tabular files reads as a dataset, as `key/` does.
          if (
            err instanceof KeyNotFoundError &&
            (await containsFileOf(target.backend, target.key, TABULAR_EXTENSIONS))
          ) {
            return await this.#openDataset({ ...target, key: `${target.key}/` }, signal);
          }
          throw this.#withContext(err, target, "read");
        }
      }
      const handler = file.ext === undefined ? undefined : this.#handlers.forReading(file.ext);
      const read = { signal, onProgress: options.onProgress, ignoreCache: options.ignoreCache };
      // A text codec turns the bytes into a string at once: the backend may lend its own array.
      const result = await target.backend.read(
        file.key,
        handler && isTextCodec(handler) ? borrowing(read) : read,
      );
      const bytes = await result.bytes();
      let value =
        handler === undefined || file.ext === undefined
          ? bytes
          : decodeWith(handler, target, file.key, file.ext, bytes, signal);
      if (isThenable(value)) value = await value;
      if (!options.schema) return value;
      return await validateWithSchema(options.schema, value, {
        action: "read",
        ...this.#context(target, file.key),
      });
    } catch (err) {
      throw this.#typed(err, "read", key, options.signal);
    }
  }

  /**
   * Encodes and writes a value; returns the stored key with its extension (the full URI for a URI
   * key). A bare key picks its format from the value and replaces the key's other representations,
   * which are removed only after the new file is written.
   */
  async set(key: string, value: unknown, options: SetOptions = {}): Promise<string> {
    checkCallOptions("set", options, SET_OPTIONS);
    // One async layer, no closure per call (as in `get`).
    try {
      const target = this.#target(key);
      const signal = options.signal;
      // The key's place in call order is taken now: a validator or an encoder that awaits (binary,
      // Parquet, CBOR…) lets a later call reach the lock first, and then this write must not land
      // after it (see `callTicket`). The lock itself is taken after encoding, so a validator or an
      // encoder that writes the same key does not wait for itself.
      const split = this.#handlers.splitKey(target.key);
      const ticket = callTicket(target.backend, split?.bare ?? target.key);
      try {
        if (options.schema) {
          value = await validateWithSchema(options.schema, value, {
            action: "write",
            ...this.#context(target),
          });
        }
        const { handler, ext, fileKey, bare, bareKey } = this.#writerFor(
          target,
          split,
          value,
          options.format,
        );
        let bytes = encodeWith(handler, target, fileKey, ext, value, signal);
        if (isThenable(bytes)) bytes = await bytes;
        const lock = acquireKeyLock(target.backend, bareKey);
        try {
          if (lock.ready) await lock.ready;
          // A later call landed while this one encoded: it is the last call, and it stays.
          if (ticket.stale()) return target.outward(fileKey);
          // A text codec's bytes are new and held by no one: a memory backend may keep them uncopied.
          const body = isTextCodec(handler) ? handOver(bytes) : bytes;
          const written = await target.backend.write(fileKey, body, {
            signal,
            onProgress: options.onProgress,
          });
          ticket.land();
          noteWrite(target.backend, written);
          if (bare) await this.#keepNewest(target, bareKey, written, signal);
          return target.outward(fileKey);
        } finally {
          lock.release();
        }
      } finally {
        ticket.end();
      }
    } catch (err) {
      throw this.#typed(err, "write", key, options.signal);
    }
  }

  /** True when the key names a file (any representation of a bare key), or a folder for `dir/`. */
  async has(key: string, options: { signal?: AbortSignal } = {}): Promise<boolean> {
    checkCallOptions("has", options);
    return this.#guard("check", key, options, () => this.#has(key, options));
  }

  async #has(key: string, options: { signal?: AbortSignal }): Promise<boolean> {
    const target = this.#target(key, { allowTrailingSlash: true });
    if (target.key === "" || target.key.endsWith("/"))
      return isDirectory(target.backend, target.key, options);
    if (this.#handlers.splitKey(target.key)) return exists(target.backend, target.key, options);
    const variants = await findVariants(target.backend, target.key, this.#handlers, options);
    return variants.withExtension.length > 0 || variants.exact !== undefined;
  }

  /**
   * Deletes a key: a file, every representation of a bare key, or everything under `dir/`. Nothing
   * there: {@link KeyNotFoundError}.
   */
  async delete(key: string, options: { signal?: AbortSignal } = {}): Promise<void> {
    checkCallOptions("delete", options);
    return this.#guard("delete", key, options, () => this.#delete(key, options));
  }

  async #delete(key: string, options: { signal?: AbortSignal }): Promise<void> {
    const target = this.#target(key, { allowTrailingSlash: true });
    if (target.key.endsWith("/")) {
      const removed = await deletePrefix(target.backend, target.key, options);
      if (removed === 0) throw this.#notFound(target);
      return;
    }
    const split = this.#handlers.splitKey(target.key);
    await withKeyLock(
      target.backend,
      split?.bare ?? target.key,
      async () => {
        if (split) {
          await target.backend.delete(target.key, options);
          return;
        }
        // What exists now, not what a cached listing last saw: every representation goes.
        const variants = await findVariants(target.backend, target.key, this.#handlers, {
          ...options,
          exact: "always",
          ignoreCache: true,
        });
        const files = [...variants.withExtension, ...(variants.exact ? [variants.exact] : [])];
        if (files.length === 0) throw this.#notFound(target);
        for (const file of files) {
          try {
            await target.backend.delete(file.key, options);
          } catch (err) {
            // Removed by another process meanwhile: the goal is reached.
            if (!(err instanceof KeyNotFoundError)) throw err;
          }
        }
      },
      // A delete that found nothing leaves the key as it meant to: it still counts in call order.
      (err) => err instanceof KeyNotFoundError,
    );
  }

  /** Keys without their extensions, `/`-separated, under an optional prefix; each bare key once. */
  keys(prefix = "", options: { signal?: AbortSignal } = {}): AsyncIterable<string> {
    // One generator between the backend and the caller (see listing.ts); errors surface on iteration.
    return bareKeys(
      () => {
        checkCallOptions("keys", options);
        return this.#target(prefix, { allowTrailingSlash: true, allowEmpty: true });
      },
      this.#handlers,
      options,
      (err) => this.#typed(err, "list", prefix, options?.signal),
    );
  }

  /**
   * File keys with their extensions that match a glob; all files without a pattern. With
   * `recursive`, a file also matches when one of its folders does. Only `*`, `?` (within a segment),
   * `**` (whole segments), `[abc]`/`[a-z]`/`[!abc]` and `{a,b}` are special; every other character
   * matches itself, and `[*]`, `[?]`, `[[]`, `[{]` match those characters literally.
   */
  listFiles(
    pattern = "**",
    options: { recursive?: boolean; signal?: AbortSignal } = {},
  ): AsyncIterable<string> {
    return matchingFiles(
      async () => {
        checkCallOptions("listFiles", options, { recursive: "boolean" });
        if (typeof pattern === "string" && pattern.includes("\\")) {
          // Keys hold no backslashes, so a backslash could only be an escape, which globs here lack.
          throw new InvalidKeyError(
            `invalid pattern ${JSON.stringify(pattern)}: patterns have no backslash escapes; match *, ? and [ literally with [*], [?] and [[]`,
            { key: pattern },
          );
        }
        const target = this.#target(pattern, { allowTrailingSlash: true });
        // Glob matching loads with the first listing by pattern: `keys()` and a page that never lists
        // by pattern do without it.
        const { compileGlob } = await import("./glob.js");
        const glob = compileGlob(target.key, { recursive: options.recursive });
        return { target, prefix: glob.prefix, shallow: glob.shallow, matches: (key) => glob.matches(key) };
      },
      options,
      (err) => this.#typed(err, "list", pattern, options?.signal),
    );
  }

  /** Size, modification time, ETag and content type of the file a key names. */
  async getMetadata(key: string, options: { signal?: AbortSignal } = {}): Promise<FileMetadata> {
    checkCallOptions("getMetadata", options);
    return this.#guard("head", key, options, async () => {
      const target = this.#target(key);
      const file = await this.#resolve(target, { signal: options.signal });
      const meta = await target.backend.head(file.key, options);
      return this.#fileMetadata(target, meta);
    });
  }

  /**
   * Copies a file, within one backend (server-side where possible) or across backends (streamed).
   * A bare destination takes the source's extension. Returns the destination key with its extension.
   */
  async copy(src: string, dst: string, options: TransferOptions = {}): Promise<string> {
    checkCallOptions("copy", options, { onProgress: "function" });
    return this.#guard("copy", src, options, async () => {
      const { to, toKey } = await this.#transfer(src, dst, options, false);
      return to.outward(toKey);
    });
  }

  /** Moves a file (copy, then delete the source; a rename where the backend has one). */
  async move(src: string, dst: string, options: TransferOptions = {}): Promise<string> {
    checkCallOptions("move", options, { onProgress: "function" });
    return this.#guard("move", src, options, async () => {
      const { to, toKey } = await this.#transfer(src, dst, options, true);
      return to.outward(toKey);
    });
  }

  /**
   * An {@link AutoPath} bound to this store: a key relative to the root (`"data/x.json"`) or a URI.
   *
   * @example
   * const p = store.path("reports/q1.json");
   * await p.save({ total: 3 });
   */
  path(p: string): AutoPath {
    return new AutoPath(p, { store: this });
  }

  static {
    bindStoreInternals({
      locate: (store, key) => store.#target(key, { allowEmpty: true }),
      handlers: (store) => store.#handlers,
      decode: async (store, target, fileKey, ext, bytes, signal) =>
        decodeWith(store.#handlers.forReading(ext), target, fileKey, ext, bytes, signal),
      encode: async (store, target, fileKey, ext, value, signal) =>
        encodeWith(store.#handlers.forWritingExtension(ext, value), target, fileKey, ext, value, signal),
      create: (root) => new AutoStore(root),
    });
  }

  /** A presigned URL for a key, on backends that have them (S3). */
  async presign(key: string, options: { expiresIn?: number; method?: "GET" | "PUT" } = {}): Promise<string> {
    checkCallOptions("presign", options, { expiresIn: "number", method: "string" });
    if (options.method !== undefined && options.method !== "GET" && options.method !== "PUT") {
      throw new ConfigError(`presign: option 'method' must be "GET" or "PUT"`, { field: "method" });
    }
    return this.#guard("presign", key, {}, () => this.#presign(key, options));
  }

  async #presign(key: string, options: { expiresIn?: number; method?: "GET" | "PUT" }): Promise<string> {
    const target = this.#target(key);
    const { backend } = target;
    if (!backend.presign || !backend.capabilities.presign) {
      throw new UnsupportedOperationError(`presign: the ${backend.scheme} backend has no presigned URLs`, {
        ...this.#context(target),
      });
    }
    const method = options.method ?? "GET";
    const fileKey = method === "GET" ? (await this.#resolve(target, {})).key : target.key;
    return backend.presign(fileKey, { expiresIn: options.expiresIn ?? 3600, method });
  }

  /** Removes expired cache entries of the backends in use; returns how many. */
  async cleanupCache(): Promise<number> {
    let removed = 0;
    for (const backend of this.#router.backends()) {
      if (backend instanceof CachedBackend) removed += await backend.cleanup();
    }
    return removed;
  }

  /** Every scheme this store can open. */
  getSupportedBackends(): string[] {
    return this.#router.supportedSchemes();
  }

  /** The backends in use: the primary one, then those opened for full-URI keys. */
  listActiveBackends(): string[] {
    return this.#router.active();
  }

  /** The backend of the store's root. */
  get primaryBackend(): PrimaryBackend {
    const backend = this.#router.primary;
    return {
      scheme: backend.scheme,
      root: backend.root,
      capabilities: backend.capabilities,
      read: backend.read.bind(backend),
      write: backend.write.bind(backend),
      head: backend.head.bind(backend),
      list: backend.list.bind(backend),
      delete: backend.delete.bind(backend),
      copy: backend.copy.bind(backend),
      uri: backend.uri.bind(backend),
      presign: backend.presign?.bind(backend),
      copyFrom: backend.copyFrom?.bind(backend),
      rename: backend.rename?.bind(backend),
      close: backend.close?.bind(backend),
      isDirectory: (key) => isDirectory(backend, validatePrefix(key)),
      isDataset: (key) => containsFileOf(backend, validatePrefix(key), TABULAR_EXTENSIONS),
    };
  }

  /** What the backend of a key or URI can do (the primary backend's without an argument). */
  capabilities(uriOrKey?: string): Capabilities {
    const backend =
      uriOrKey === undefined ? this.#router.primary : this.#target(uriOrKey, { allowEmpty: true }).backend;
    return { ...backend.capabilities };
  }

  /** The options that apply to a scheme (the root's without an argument). */
  optionsFor(scheme?: string): Options {
    return this.#router.optionsFor(scheme);
  }

  /**
   * Releases every backend's clients and temporary files. The store cannot be used afterwards; calls
   * still in flight on S3 end with a `BackendError` (on the SDK path, where `AbortSignal.any` exists).
   */
  async close(): Promise<void> {
    await this.#router.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  toString(): string {
    return `AutoStore(${this.#router.root})`;
  }

  // ---- internals ----

  /**
   * Runs a public call so that it rejects only with an {@link AutoStoreError} (or, once its signal
   * has fired, with the signal's reason): anything else that escapes is wrapped, naming the call,
   * the key and the cause.
   */
  async #guard<T>(
    action: string,
    key: unknown,
    options: { signal?: AbortSignal },
    run: () => Promise<T>,
  ): Promise<T> {
    try {
      return await run();
    } catch (err) {
      throw this.#typed(err, action, key, options.signal);
    }
  }

  #typed(err: unknown, action: string, key: unknown, signal: AbortSignal | undefined): unknown {
    if (isAutoStoreError(err) && !signal?.aborted) return err;
    const shown = showKey(key);
    let uri: string | undefined;
    try {
      const target = this.#target(shown, { allowTrailingSlash: true, allowEmpty: true });
      uri = target.backend.uri(target.key);
    } catch {
      uri = undefined;
    }
    return asCallError(err, { action, key: shown, ...(uri ? { uri } : {}), ...(signal ? { signal } : {}) });
  }

  /** The logger of the root's options, if any. */
  get #logger(): Logger | undefined {
    return this.optionsFor().logger;
  }

  #target(key: string, rules: { allowTrailingSlash?: boolean; allowEmpty?: boolean } = {}): Target {
    return this.#router.target(key, rules);
  }

  /**
   * The handler and file a value is written to: `format`'s, else the key's extension's, else the
   * value's own (a bare key, which gets the extension).
   */
  /** How to write `value` at `target`, whose key `split` is (`splitKey`, computed once by `set`). */
  #writerFor(target: Target, split: SplitKey | undefined, value: unknown, format: string | undefined) {
    try {
      if (format !== undefined) {
        const ext = this.#handlers.normalizeFormat(format);
        const handler = this.#handlers.forWritingExtension(ext, value);
        return split
          ? { handler, ext, fileKey: target.key, bare: false, bareKey: split.bare }
          : this.#bareWriter(target, handler, ext);
      }
      if (split) {
        const handler = this.#handlers.forWritingExtension(split.ext, value);
        return { handler, ext: split.ext, fileKey: target.key, bare: false, bareKey: split.bare };
      }
      const { handler, ext } = this.#handlers.forWritingValue(value);
      return this.#bareWriter(target, handler, ext);
    } catch (err) {
      throw this.#withContext(err, target, "write");
    }
  }

  /**
   * The file of a bare key: the key and the extension. Refused when that file would read as another
   * key: `user.pydantic` + `.json` is `user.pydantic.json`, the key `user` in `.pydantic.json`, which
   * `get("user.pydantic")` would not find and a write of `user` would replace.
   */
  #bareWriter<H>(target: Target, handler: H, ext: string) {
    const fileKey = target.key + ext;
    const read = this.#handlers.splitKey(fileKey);
    if (read && read.bare !== target.key) {
      const context = this.#context(target);
      throw new InvalidKeyError(
        `write ${context.uri}: as a bare key it would be stored as '${fileKey}', which is the key '${read.bare}' in '${read.ext}'; name the file in full (e.g. '${read.bare}${read.ext}')`,
        context,
      );
    }
    return { handler, ext, fileKey, bare: true, bareKey: target.key };
  }

  /** A registry's error (which knows no key) again, naming the key and URI it was about. */
  #withContext(err: unknown, target: Target, action: "read" | "write"): unknown {
    if (!(err instanceof UnsupportedFormatError) || err.key !== undefined) return err;
    const context = this.#context(target);
    return new UnsupportedFormatError(`${action} ${context.uri}: ${err.message}`, { ...context, cause: err });
  }

  async #openDataset(target: Target, signal?: AbortSignal): Promise<unknown> {
    // Loaded on first use: a store that never reads a folder never loads Arrow or Parquet.
    const { openDataset } = await import("./dataset/index.js");
    return openDataset(target.backend, target.key, { outward: target.outward, signal });
  }

  #context(target: Target, fileKey = target.key) {
    return contextOf(target, fileKey);
  }

  #notFound(target: Target): KeyNotFoundError {
    const context = this.#context(target);
    return new KeyNotFoundError(`not found: ${context.uri}`, context);
  }

  /**
   * The file a key reads from. A bare key seen with two files while this realm is writing it (the
   * moment between writing the new file and removing the old one) is resolved again once that write
   * has settled, rather than reported ambiguous.
   */
  async #resolve(
    target: Target,
    options: { signal?: AbortSignal; format?: string; ignoreCache?: boolean },
  ): Promise<ResolvedFile> {
    const resolve = () =>
      resolveForRead(target.backend, target.key, this.#handlers, { ...options, outward: target.outward });
    try {
      return await resolve();
    } catch (err) {
      if (err instanceof AmbiguousKeyError && (await keyLockSettled(target.backend, target.key)))
        return resolve();
      throw err;
    }
  }

  /** After a bare-key write, removes the key's other representations (see `replace.ts`). */
  async #keepNewest(target: Target, bare: string, written: ObjectMeta, signal?: AbortSignal) {
    const logger = this.#logger;
    await keepNewest(target.backend, bare, written, this.#handlers, {
      ...(signal ? { signal } : {}),
      ...(logger
        ? {
            onRemove: (key: string) =>
              logger.debug(`replaced ${target.backend.uri(key)} (a bare key keeps one file)`),
          }
        : {}),
    });
  }

  async #transfer(src: string, dst: string, options: TransferOptions, removeSource: boolean) {
    const from = this.#target(src);
    const to = this.#target(dst);
    const file = await this.#resolve(from, { signal: options.signal });
    const srcExt = this.#handlers.splitKey(file.key)?.ext ?? "";
    const dstSplit = this.#handlers.splitKey(to.key);
    const toKey = dstSplit ? to.key : to.key + srcExt;
    let reported = -1;
    const given = options.onProgress;
    const streamed: TransferOptions = { ...options };
    if (given) {
      streamed.onProgress = (progress) => {
        reported = progress.loaded;
        given(progress);
      };
    }
    // The same file under two names (its key and its URI, or a bare key and its file): a copy would
    // be refused by S3, and a move across "two" backends would delete the only copy.
    if (from.backend.uri(file.key) === to.backend.uri(toKey)) {
      const { size } = await from.backend.head(file.key, options);
      options.onProgress?.({ loaded: size, total: size });
      return { to, toKey };
    }
    await withKeyLock(to.backend, dstSplit?.bare ?? to.key, async () => {
      let written: ObjectMeta;
      if (from.backend === to.backend && removeSource && from.backend.rename) {
        written = await from.backend.rename(file.key, toKey, streamed);
      } else {
        written =
          from.backend === to.backend
            ? await from.backend.copy(file.key, toKey, streamed)
            : ((await to.backend.copyFrom?.(from.backend, file.key, toKey, streamed)) ??
              (await copyAcross(from.backend, file.key, to.backend, toKey, streamed)));
        if (removeSource) await from.backend.delete(file.key, options);
      }
      // Copies on the server and renames move no bytes through here: the end is still reported.
      if (reported !== written.size) options.onProgress?.({ loaded: written.size, total: written.size });
      noteWrite(to.backend, written);
      if (!dstSplit && srcExt !== "") await this.#keepNewest(to, to.key, written, options.signal);
    });
    return { to, toKey };
  }

  #fileMetadata(target: Target, meta: ObjectMeta): FileMetadata {
    const out: FileMetadata = {
      key: target.outward(meta.key),
      uri: target.backend.uri(meta.key),
      size: meta.size,
      modifiedTime: meta.modifiedTime,
    };
    if (meta.etag !== undefined) out.etag = meta.etag;
    if (meta.contentType !== undefined) out.contentType = meta.contentType;
    return out;
  }
}
