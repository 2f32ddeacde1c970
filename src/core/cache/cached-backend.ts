/**
 * A backend decorator that keeps remote objects in a {@link CacheStorage}: a fresh entry is served
 * with no request, an expired one is revalidated with its ETag (a 304 renews it), concurrent reads
 * of one key share one download, and writes through the decorator drop the entry they change.
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

/** A backend whose reads go through a cache. */
export class CachedBackend implements Backend {
  readonly #inner: Backend;
  readonly #storage: CacheStorage;
  readonly #policy: CachePolicy;
  readonly #logger: Logger | undefined;
  readonly #now: () => number;
  // One download per URI at a time: concurrent readers await the same promise.
  readonly #inflight = new Map<string, Promise<CacheEntry>>();
  readonly #lastUsed = new Map<string, number>();

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

  get urlKeys(): boolean {
    return this.#inner.urlKeys === true;
  }

  /** The backend behind the cache. */
  get inner(): Backend {
    return this.#inner;
  }

  uri(key: string): string {
    return this.#inner.uri(key);
  }

  async read(key: string, options: ReadOptions = {}): Promise<ReadResult> {
    // Conditional reads are the caller's own protocol with the remote: the cache stays out of them.
    if (options.ignoreCache || options.ifMatch !== undefined || options.ifNoneMatch !== undefined) {
      return this.#inner.read(key, options);
    }
    throwIfAborted(options.signal);
    if (options.range) return this.#readRange(key, options.range, options);
    const uri = this.uri(key);
    // A hit reads its own copy of the file: nothing is shared, so nothing needs copying.
    const cached = await this.#storage.read(uri);
    const now = this.#now();
    let entry: CacheEntry;
    if (cached && isFresh(cached.record, this.#policy, now)) {
      this.#lastUsed.set(uri, now);
      this.#logger?.debug(`cache hit: ${uri}`);
      entry = cached;
    } else {
      // Downloads are shared by concurrent readers; each gets its own copy of the bytes.
      const shared = await raceAbort(this.#refresh(key, uri, cached), options.signal);
      entry = { record: shared.record, data: shared.data.slice() };
    }
    options.onProgress?.({ loaded: entry.data.length, total: entry.data.length });
    return bytesResult(metaOf(key, entry.record), entry.data);
  }

  /**
   * A range comes from a fresh cached object when there is one; otherwise it goes to the remote
   * alone: fetching a whole object to serve a Parquet footer would defeat the point of the range.
   */
  async #readRange(key: string, wanted: ByteRange, options: ReadOptions): Promise<ReadResult> {
    const cached = await this.#storage.read(this.uri(key));
    if (!cached || !isFresh(cached.record, this.#policy, this.#now())) return this.#inner.read(key, options);
    this.#lastUsed.set(cached.record.uri, this.#now());
    const range = resolveRange(wanted, cached.data.length);
    return bytesResult(metaOf(key, cached.record), cached.data.slice(range.start, range.end), range);
  }

  async head(key: string, options: CallOptions = {}): Promise<ObjectMeta> {
    const record = await this.#storage.readRecord(this.uri(key));
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
      await this.#drop(key);
    }
  }

  async delete(key: string, options?: CallOptions): Promise<void> {
    try {
      await this.#inner.delete(key, options);
    } finally {
      await this.#drop(key);
    }
  }

  async copy(from: string, to: string, options?: CallOptions): Promise<ObjectMeta> {
    try {
      return await this.#inner.copy(from, to, options);
    } finally {
      await this.#drop(to);
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
      await this.#drop(to);
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
    for await (const record of this.#storage.records()) {
      if (record.uri.startsWith(this.root) && isExpired(record, this.#policy, now)) {
        await this.#storage.delete(record.uri);
        this.#lastUsed.delete(record.uri);
        removed++;
      }
    }
    return removed;
  }

  /** Fetches (or revalidates) an object once for all concurrent readers. */
  #refresh(key: string, uri: string, cached: CacheEntry | undefined): Promise<CacheEntry> {
    let pending = this.#inflight.get(uri);
    if (!pending) {
      pending = this.#fetch(key, uri, cached).finally(() => this.#inflight.delete(uri));
      this.#inflight.set(uri, pending);
    }
    return pending;
  }

  async #fetch(key: string, uri: string, cached: CacheEntry | undefined): Promise<CacheEntry> {
    const now = this.#now();
    this.#lastUsed.set(uri, now);
    if (cached?.record.etag !== undefined) {
      const result = await this.#inner.read(key, { ifNoneMatch: cached.record.etag });
      if (result.notModified) {
        const record: CacheRecord = { ...cached.record, validatedAt: now };
        await this.#storage.updateRecord(record);
        this.#logger?.debug(`cache revalidated (304): ${uri}`);
        return { record, data: cached.data };
      }
      this.#logger?.debug(`cache stale, object changed: ${uri}`);
      return this.#store(uri, result.meta, await result.bytes());
    }
    this.#logger?.debug(`cache miss: ${uri}`);
    const result = await this.#inner.read(key);
    return this.#store(uri, result.meta, await result.bytes());
  }

  async #store(uri: string, meta: ObjectMeta, data: Uint8Array): Promise<CacheEntry> {
    const now = this.#now();
    const record: CacheRecord = {
      uri,
      size: data.length,
      modifiedTime: meta.modifiedTime.getTime(),
      storedAt: now,
      validatedAt: now,
      sha256: await sha256Hex(data),
    };
    if (meta.etag !== undefined) record.etag = meta.etag;
    if (meta.contentType !== undefined) record.contentType = meta.contentType;
    const entry = { record, data };
    // An object larger than the whole cache is served, not kept.
    if (this.#policy.maxBytes !== undefined && data.length > this.#policy.maxBytes) return entry;
    await this.#storage.write(record, data);
    if (this.#policy.maxBytes !== undefined) await this.#evict(this.#policy.maxBytes, uri);
    return entry;
  }

  async #evict(maxBytes: number, keep: string): Promise<void> {
    const records: CacheRecord[] = [];
    for await (const record of this.#storage.records()) records.push(record);
    for (const record of entriesToEvict(records, maxBytes, this.#lastUsed)) {
      if (record.uri === keep) continue;
      await this.#storage.delete(record.uri);
      this.#lastUsed.delete(record.uri);
      this.#logger?.debug(`cache evicted: ${record.uri}`);
    }
  }

  async #drop(key: string): Promise<void> {
    const uri = this.uri(key);
    this.#lastUsed.delete(uri);
    await this.#storage.delete(uri);
  }
}

function metaOf(key: string, record: CacheRecord): ObjectMeta {
  const meta: ObjectMeta = { key, size: record.size, modifiedTime: new Date(record.modifiedTime) };
  if (record.etag !== undefined) meta.etag = record.etag;
  if (record.contentType !== undefined) meta.contentType = record.contentType;
  return meta;
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
