/**
 * A backend decorator that keeps remote objects in a {@link CacheStorage}: a fresh entry is served
 * with no request, an expired one is revalidated with its ETag (a 304 renews it), concurrent reads
 * of one key share one download, and writes through the decorator invalidate the entry they change.
 * A bare key's variant listing is kept the same way (`variant-listings.ts`).
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
  listVariantsOf,
  type ObjectMeta,
  type ReadOptions,
  type ReadResult,
  resolveRange,
  type VariantListOptions,
  type WriteOptions,
} from "../backend.js";
import { raceAbort, throwIfAborted, UnsupportedOperationError } from "../errors.js";
import type { Logger } from "../options.js";
import type { CacheEntries } from "./entries.js";
import type { CachePolicy } from "./policy.js";
import type { CacheEntry, CacheRecord, CacheStorage } from "./storage.js";

/** A backend whose reads go through a cache. */
export class CachedBackend implements Backend {
  readonly #inner: Backend;
  // The bookkeeping loads with the first cached call: a store without a cache never ships it.
  readonly #makeEntries: () => Promise<CacheEntries>;
  #entries: Promise<CacheEntries> | undefined;
  readonly #logger: Logger | undefined;

  constructor(
    inner: Backend,
    storage: CacheStorage,
    policy: CachePolicy,
    options: { logger?: Logger | undefined; now?: () => number } = {},
  ) {
    this.#inner = inner;
    this.#makeEntries = async () => {
      const { CacheEntries } = await import("./entries.js");
      return new CacheEntries(inner, storage, policy, options);
    };
    this.#logger = options.logger;
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

  async cacheIdentity(): Promise<string> {
    return (await this.#inner.cacheIdentity?.()) ?? "";
  }

  async read(key: string, options: ReadOptions = {}): Promise<ReadResult> {
    // Conditional reads are the caller's own protocol with the remote: the cache stays out of them.
    // So is a range that must come from the remote (`ignoreCache`): it is not the whole object.
    if (
      options.ifMatch !== undefined ||
      options.ifNoneMatch !== undefined ||
      (options.ignoreCache && options.range)
    ) {
      return this.#inner.read(key, options);
    }
    throwIfAborted(options.signal);
    const entries = await this.#loadEntries();
    const id = await entries.usableId(key);
    if (id === undefined) return this.#inner.read(key, options);
    if (options.range) return this.#readRange(entries, key, id, options.range, options);
    let entry: CacheEntry;
    // A hit reads its own copy of the file: nothing is shared, so nothing needs copying.
    const cached = options.ignoreCache ? undefined : await entries.stored(key, id);
    if (options.ignoreCache) {
      // Asked of the remote now (one plain GET), and kept: a later read without ignoreCache never
      // serves an older value than this one.
      const shared = await raceAbort(entries.refresh(key, id), options.signal);
      entry = { record: shared.record, data: shared.data.slice() };
    } else if (cached && entries.isFresh(cached.record)) {
      entries.touch(id);
      this.#logger?.debug(`cache hit: ${cached.record.uri}`);
      entry = cached;
    } else {
      // Downloads are shared by concurrent readers; each gets its own copy of the bytes.
      const shared = await raceAbort(entries.download(key, id, cached), options.signal);
      entry = { record: shared.record, data: shared.data.slice() };
    }
    options.onProgress?.({ loaded: entry.data.length, total: entry.data.length });
    return bytesResult(metaOf(key, entry.record), entry.data);
  }

  /**
   * A range comes from a fresh cached object when there is one; otherwise it goes to the remote
   * alone: fetching a whole object to serve a Parquet footer would defeat the point of the range.
   */
  async #readRange(
    entries: CacheEntries,
    key: string,
    id: string,
    wanted: ByteRange,
    options: ReadOptions,
  ): Promise<ReadResult> {
    const cached = await entries.fresh(key, id);
    if (!cached) return this.#inner.read(key, options);
    const range = resolveRange(wanted, cached.data.length);
    return bytesResult(metaOf(key, cached.record), cached.data.slice(range.start, range.end), range);
  }

  async head(key: string, options: CallOptions = {}): Promise<ObjectMeta> {
    const entries = await this.#loadEntries();
    const id = await entries.usableId(key);
    const record = id === undefined ? undefined : await entries.freshRecord(key, id);
    return record ? metaOf(key, record) : this.#inner.head(key, options);
  }

  list(prefix: string, options?: ListOptions): AsyncIterable<ListedObject | CommonPrefix> {
    return this.#inner.list(prefix, options);
  }

  /**
   * A bare key's variant listing, served from the cache while fresh as bytes are: a cached bare-key
   * read then costs no request at all. Writes, deletes and copies through here invalidate it.
   */
  async listVariants(key: string, options: VariantListOptions = {}): Promise<ListedObject[]> {
    const call = options.signal ? { signal: options.signal } : {};
    const remote = () => listVariantsOf(this.#inner, key, call);
    throwIfAborted(options.signal);
    // ignoreCache lists on the remote now and keeps that listing, as a read keeps its bytes.
    return (await this.#loadEntries()).variants(key, remote, options.ignoreCache === true);
  }

  async write(
    key: string,
    body: Uint8Array | ReadableStream<Uint8Array>,
    options?: WriteOptions,
  ): Promise<ObjectMeta> {
    try {
      return await this.#inner.write(key, body, options);
    } finally {
      await (await this.#loadEntries()).invalidate(key);
    }
  }

  async delete(key: string, options?: CallOptions): Promise<void> {
    try {
      await this.#inner.delete(key, options);
    } finally {
      await (await this.#loadEntries()).invalidate(key);
    }
  }

  async copy(from: string, to: string, options?: CallOptions): Promise<ObjectMeta> {
    try {
      return await this.#inner.copy(from, to, options);
    } finally {
      await (await this.#loadEntries()).invalidate(to);
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
      await (await this.#loadEntries()).invalidate(to);
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
    return (await this.#loadEntries()).cleanup();
  }

  /** The cache's entries, made once; a failed load is not kept (the next call retries). */
  #loadEntries(): Promise<CacheEntries> {
    this.#entries ??= this.#makeEntries().catch((err: unknown) => {
      this.#entries = undefined;
      throw err;
    });
    return this.#entries;
  }
}

function metaOf(key: string, record: CacheRecord): ObjectMeta {
  const meta: ObjectMeta = { key, size: record.size, modifiedTime: new Date(record.modifiedTime) };
  if (record.etag !== undefined) meta.etag = record.etag;
  if (record.contentType !== undefined) meta.contentType = record.contentType;
  return meta;
}
