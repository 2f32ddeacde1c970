/**
 * A backend decorator that keeps remote objects in a {@link CacheStorage}: a fresh entry is served
 * with no request, an expired one is revalidated with its ETag (a 304 renews it), concurrent reads
 * of one key share one download, and writes through the decorator invalidate the entry they change.
 *
 * Two rules hold whatever the timing, across every store and process sharing the storage:
 * - after a write, delete or copy resolves, no read that starts later sees the older bytes: a
 *   download that began before the invalidation is neither stored (the storage checks its
 *   generation) nor shared with a reader that began after it;
 * - a failing cache is never the caller's problem: the read goes to the remote and the logger's
 *   `warn` says what failed.
 */
import {
  type Backend,
  type ByteRange,
  bytesResult,
  type CallOptions,
  type Capabilities,
  type CommonPrefix,
  type ListedObject,
  type ListOptions,
  type ObjectMeta,
  type ReadOptions,
  type ReadResult,
  resolveRange,
  type WriteOptions,
} from "../backend.js";
import { abortReason, throwIfAborted, UnsupportedOperationError } from "../errors.js";
import type { Logger } from "../options.js";
import { type CachePolicy, entriesToEvict, isExpired, isFresh } from "./policy.js";
import { type CacheEntry, type CacheRecord, type CacheStorage, sha256Hex } from "./storage.js";

/** A download in flight, shared by the readers allowed to use it. */
interface Fill {
  /** The storage generation read before the download; undefined when it could not be read. */
  since: Promise<string | undefined>;
  /** The decorator's invalidation count when the download began. */
  invalidations: number;
  result: Promise<CacheEntry>;
}

/** A backend whose reads go through a cache. */
export class CachedBackend implements Backend {
  readonly #inner: Backend;
  readonly #storage: CacheStorage;
  readonly #policy: CachePolicy;
  readonly #logger: Logger | undefined;
  readonly #now: () => number;
  // One download per entry at a time: concurrent readers await the same promise.
  readonly #fills = new Map<string, Fill>();
  readonly #lastUsed = new Map<string, number>();
  // Entries whose invalidation failed: this decorator reads them from the remote until one succeeds.
  readonly #untrusted = new Set<string>();
  // Counts invalidations through this decorator, so a reader can tell a download began before one.
  #invalidations = 0;
  #idPrefix: Promise<string> | undefined;

  constructor(
    inner: Backend,
    storage: CacheStorage,
    policy: CachePolicy,
    options: { logger?: Logger | undefined; now?: () => number } = {},
  ) {
    this.#inner = inner;
    this.#storage = storage;
    this.#policy = policy;
    this.#logger = options.logger;
    this.#now = options.now ?? Date.now;
  }

  get scheme(): string {
    return this.#inner.scheme;
  }

  get root(): string {
    return this.#inner.root;
  }

  get capabilities(): Capabilities {
    return this.#inner.capabilities;
  }

  /** The backend behind the cache. */
  get inner(): Backend {
    return this.#inner;
  }

  uri(key: string): string {
    return this.#inner.uri(key);
  }

  async cacheIdentity(): Promise<string> {
    return (await this.#inner.cacheIdentity?.()) ?? "";
  }

  async read(key: string, options: ReadOptions = {}): Promise<ReadResult> {
    // Conditional reads are the caller's own protocol with the remote: the cache stays out of them.
    if (options.ignoreCache || options.ifMatch !== undefined || options.ifNoneMatch !== undefined) {
      return this.#inner.read(key, options);
    }
    throwIfAborted(options.signal);
    const id = await this.#id(key);
    if (id === undefined || this.#untrusted.has(id)) return this.#inner.read(key, options);
    if (options.range) return this.#readRange(key, id, options.range, options);
    // A hit reads its own copy of the file: nothing is shared, so nothing needs copying.
    const cached = await this.#attempt("read", key, () => this.#storage.read(id));
    const now = this.#now();
    let entry: CacheEntry;
    if (cached && isFresh(cached.record, this.#policy, now)) {
      this.#lastUsed.set(id, now);
      this.#logger?.debug(`cache hit: ${cached.record.uri}`);
      entry = cached;
    } else {
      // Downloads are shared by concurrent readers; each gets its own copy of the bytes.
      const shared = await raceAbort(this.#download(key, id, cached), options.signal);
      entry = { record: shared.record, data: shared.data.slice() };
    }
    options.onProgress?.({ loaded: entry.data.length, total: entry.data.length });
    return bytesResult(metaOf(key, entry.record), entry.data);
  }

  /**
   * A range comes from a fresh cached object when there is one; otherwise it goes to the remote
   * alone: fetching a whole object to serve a Parquet footer would defeat the point of the range.
   */
  async #readRange(key: string, id: string, wanted: ByteRange, options: ReadOptions): Promise<ReadResult> {
    const cached = await this.#attempt("read", key, () => this.#storage.read(id));
    if (!cached || !isFresh(cached.record, this.#policy, this.#now())) return this.#inner.read(key, options);
    this.#lastUsed.set(id, this.#now());
    const range = resolveRange(wanted, cached.data.length);
    return bytesResult(metaOf(key, cached.record), cached.data.slice(range.start, range.end), range);
  }

  async head(key: string, options: CallOptions = {}): Promise<ObjectMeta> {
    const id = await this.#id(key);
    const usable = id !== undefined && !this.#untrusted.has(id);
    const record = usable ? await this.#attempt("read", key, () => this.#storage.readRecord(id)) : undefined;
    if (record && isFresh(record, this.#policy, this.#now())) return metaOf(key, record);
    return this.#inner.head(key, options);
  }

  list(prefix: string, options?: ListOptions): AsyncIterable<ListedObject | CommonPrefix> {
    return this.#inner.list(prefix, options);
  }

  async write(
    key: string,
    body: Uint8Array | ReadableStream<Uint8Array>,
    options?: WriteOptions,
  ): Promise<ObjectMeta> {
    try {
      return await this.#inner.write(key, body, options);
    } finally {
      await this.#invalidate(key);
    }
  }

  async delete(key: string, options?: CallOptions): Promise<void> {
    try {
      await this.#inner.delete(key, options);
    } finally {
      await this.#invalidate(key);
    }
  }

  async copy(from: string, to: string, options?: CallOptions): Promise<ObjectMeta> {
    try {
      return await this.#inner.copy(from, to, options);
    } finally {
      await this.#invalidate(to);
    }
  }

  async copyFrom(
    source: Backend,
    from: string,
    to: string,
    options?: CallOptions,
  ): Promise<ObjectMeta | undefined> {
    if (!this.#inner.copyFrom) return undefined;
    // The source may be cached too: the server-side copy needs the backend behind it.
    const origin = source instanceof CachedBackend ? source.inner : source;
    try {
      return await this.#inner.copyFrom(origin, from, to, options);
    } finally {
      await this.#invalidate(to);
    }
  }

  async presign(key: string, options: { expiresIn: number; method: "GET" | "PUT" }): Promise<string> {
    if (!this.#inner.presign) {
      throw new UnsupportedOperationError(`presign: the ${this.scheme} backend has no presigned URLs`);
    }
    return this.#inner.presign(key, options);
  }

  async close(): Promise<void> {
    await this.#inner.close?.();
  }

  /** Removes this backend's expired entries; returns how many. */
  async cleanup(): Promise<number> {
    const now = this.#now();
    let removed = 0;
    const mine = await this.#id("");
    if (mine === undefined) return 0;
    await this.#attempt("clean up", "", async () => {
      for await (const record of this.#storage.records()) {
        if (record.id.startsWith(mine) && isExpired(record, this.#policy, now)) {
          await this.#storage.delete(record.id);
          this.#lastUsed.delete(record.id);
          removed++;
        }
      }
    });
    return removed;
  }

  /**
   * The entry id of a key: its URI behind a hash of the backend's identity. Undefined, with a
   * warning, when the identity cannot be had (a credentials provider failed): the cache is skipped.
   */
  async #id(key: string): Promise<string | undefined> {
    this.#idPrefix ??= this.#makeIdPrefix().catch((err: unknown) => {
      this.#idPrefix = undefined; // never keep a failure: the next call tries again
      throw err;
    });
    try {
      return (await this.#idPrefix) + this.uri(key);
    } catch (err) {
      this.#logger?.warn(
        `cache: skipped for ${this.uri(key)}: no identity for its service (${describe(err)})`,
      );
      return undefined;
    }
  }

  async #makeIdPrefix(): Promise<string> {
    const identity = await this.#inner.cacheIdentity?.();
    return identity ? `${(await sha256Hex(identity)).slice(0, 32)} ` : "";
  }

  /**
   * The object for a reader whose cached copy was missing or stale. It joins a download in flight
   * only when no invalidation (here, or in the storage by another store or process) came after that
   * download began: the download could otherwise hold bytes older than a write this reader must see.
   */
  async #download(key: string, id: string, cached: CacheEntry | undefined): Promise<CacheEntry> {
    for (;;) {
      const fill = this.#fills.get(id);
      if (!fill) return this.#startFill(key, id, cached);
      if (fill.invalidations === this.#invalidations) {
        const [since, now] = await Promise.all([fill.since, this.#generation(key, id)]);
        if (since !== undefined && since === now && fill.invalidations === this.#invalidations) {
          return fill.result;
        }
      }
      // Another reader may have replaced the download meanwhile: look at that one instead.
      if (this.#fills.get(id) === fill) return this.#startFill(key, id, cached);
    }
  }

  #startFill(key: string, id: string, cached: CacheEntry | undefined): Promise<CacheEntry> {
    const invalidations = this.#invalidations;
    const since = this.#generation(key, id);
    let fill: Fill | undefined;
    const result = this.#fetch(key, id, cached, since, invalidations).finally(() => {
      if (fill && this.#fills.get(id) === fill) this.#fills.delete(id);
    });
    fill = { since, invalidations, result };
    this.#fills.set(id, fill);
    return result;
  }

  #generation(key: string, id: string): Promise<string | undefined> {
    return this.#attempt("read the generation", key, () => this.#storage.generation(id));
  }

  /** Fetches (or revalidates) an object; stores it unless an invalidation came after `since`. */
  async #fetch(
    key: string,
    id: string,
    cached: CacheEntry | undefined,
    since: Promise<string | undefined>,
    invalidations: number,
  ): Promise<CacheEntry> {
    // The generation must be known before the remote is asked: that ordering is the whole guarantee.
    const generation = await since;
    const uri = this.uri(key);
    const now = this.#now();
    this.#lastUsed.set(id, now);
    if (cached?.record.etag !== undefined) {
      const result = await this.#inner.read(key, { ifNoneMatch: cached.record.etag });
      if (result.notModified) {
        const record: CacheRecord = { ...cached.record, validatedAt: now };
        // The storage renews only an entry holding these very bytes, so a late renewal is harmless.
        await this.#attempt("renew", key, () => this.#storage.updateRecord(record));
        this.#logger?.debug(`cache revalidated (304): ${uri}`);
        return { record, data: cached.data };
      }
      this.#logger?.debug(`cache stale, object changed: ${uri}`);
      return this.#store(key, id, result.meta, await result.bytes(), generation, invalidations);
    }
    this.#logger?.debug(`cache miss: ${uri}`);
    const result = await this.#inner.read(key);
    return this.#store(key, id, result.meta, await result.bytes(), generation, invalidations);
  }

  async #store(
    key: string,
    id: string,
    meta: ObjectMeta,
    data: Uint8Array,
    since: string | undefined,
    invalidations: number,
  ): Promise<CacheEntry> {
    const now = this.#now();
    const record: CacheRecord = {
      id,
      uri: this.uri(key),
      size: data.length,
      modifiedTime: meta.modifiedTime.getTime(),
      storedAt: now,
      validatedAt: now,
      sha256: await sha256Hex(data),
    };
    if (meta.etag !== undefined) record.etag = meta.etag;
    if (meta.contentType !== undefined) record.contentType = meta.contentType;
    const entry = { record, data };
    // An object larger than the whole cache is served, not kept; so is one an invalidation overtook.
    if (this.#policy.maxBytes !== undefined && data.length > this.#policy.maxBytes) return entry;
    if (since === undefined || invalidations !== this.#invalidations || this.#untrusted.has(id)) return entry;
    const stored = await this.#attempt("store", key, () => this.#storage.write(record, data, since));
    if (!stored) this.#logger?.debug(`cache not stored, written meanwhile: ${record.uri}`);
    else if (this.#policy.maxBytes !== undefined) await this.#evict(this.#policy.maxBytes, id);
    return entry;
  }

  async #evict(maxBytes: number, keep: string): Promise<void> {
    await this.#attempt("evict", "", async () => {
      const records: CacheRecord[] = [];
      for await (const record of this.#storage.records()) records.push(record);
      for (const record of entriesToEvict(records, maxBytes, this.#lastUsed)) {
        if (record.id === keep) continue;
        await this.#storage.delete(record.id);
        this.#lastUsed.delete(record.id);
        this.#logger?.debug(`cache evicted: ${record.uri}`);
      }
    });
  }

  /** After a change to the object (or a failed attempt at one, which may have changed it). */
  async #invalidate(key: string): Promise<void> {
    this.#invalidations++;
    const id = await this.#id(key);
    if (id === undefined) return;
    this.#lastUsed.delete(id);
    const done = await this.#attempt("invalidate", key, async () => {
      await this.#storage.invalidate(id);
      return true;
    });
    if (done) this.#untrusted.delete(id);
    else {
      this.#untrusted.add(id);
      this.#logger?.warn(
        `cache: other stores sharing this cache may serve the old ${this.uri(key)} until it expires`,
      );
    }
  }

  /** Runs a cache storage operation; a failure is logged and reads as "nothing there". */
  async #attempt<T>(action: string, key: string, operation: () => Promise<T>): Promise<T | undefined> {
    try {
      return await operation();
    } catch (err) {
      const what = key === "" ? this.root : this.uri(key);
      this.#logger?.warn(`cache: ${action} failed for ${what}, using the remote (${describe(err)})`);
      return undefined;
    }
  }
}

function metaOf(key: string, record: CacheRecord): ObjectMeta {
  const meta: ObjectMeta = { key, size: record.size, modifiedTime: new Date(record.modifiedTime) };
  if (record.etag !== undefined) meta.etag = record.etag;
  if (record.contentType !== undefined) meta.contentType = record.contentType;
  return meta;
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Waits for a shared promise, but lets this caller's signal give up on it without cancelling it for others. */
function raceAbort<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortReason(signal));
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(err);
      },
    );
  });
}
