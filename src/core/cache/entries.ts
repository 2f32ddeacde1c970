/**
 * The entries of one backend in a cache storage: how a key becomes an entry id, downloads shared by
 * concurrent readers, storing what was downloaded, and invalidating after a change. The rules of
 * {@link CachedBackend} (no stale read after a change resolves; a failing cache only costs a
 * request) are kept here.
 */
import type { Backend, ListedObject, ObjectMeta } from "../backend.js";
import type { Logger } from "../options.js";
import { type CachePolicy, entriesToEvict, isExpired, isFresh } from "./policy.js";
import { type CacheEntry, type CacheRecord, type CacheStorage, sha256Hex } from "./storage.js";
import { bareKeysOf, cachedListing, listingIdOf } from "./variant-listings.js";

/** What a record says of the object beyond its bytes: {@link CacheEntries.keep} adds the rest. */
export type Described = Pick<CacheRecord, "uri" | "modifiedTime" | "etag" | "contentType">;

/** A download in flight, shared by the readers allowed to use it. */
interface Fill {
  /** The storage generation read before the download; undefined when it could not be read. */
  since: Promise<string | undefined>;
  /** The invalidation count when the download began. */
  invalidations: number;
  result: Promise<CacheEntry>;
}

/** One backend's view of a cache storage; see the module comment. */
export class CacheEntries {
  readonly #inner: Backend;
  readonly #storage: CacheStorage;
  readonly #policy: CachePolicy;
  readonly #logger: Logger | undefined;
  readonly #now: () => number;
  // One download per entry at a time: concurrent readers await the same promise.
  readonly #fills = new Map<string, Fill>();
  readonly #lastUsed = new Map<string, number>();
  // Entries whose invalidation failed: read from the remote until one succeeds.
  readonly #untrusted = new Set<string>();
  // Counts invalidations through this backend, so a reader can tell a download began before one.
  #invalidations = 0;
  #idPrefix: Promise<string> | undefined;

  constructor(
    inner: Backend,
    storage: CacheStorage,
    policy: CachePolicy,
    options: { logger?: Logger | undefined; now?: () => number },
  ) {
    this.#inner = inner;
    this.#storage = storage;
    this.#policy = policy;
    this.#logger = options.logger;
    this.#now = options.now ?? Date.now;
  }

  /** The entry id for a key; undefined when the cache must be skipped for it. */
  async usableId(key: string): Promise<string | undefined> {
    const id = await this.#id(key);
    return id === undefined || this.#untrusted.has(id) ? undefined : id;
  }

  /** The entry when it is stored and fresh (it is then marked used); else undefined. */
  async fresh(key: string, id: string): Promise<CacheEntry | undefined> {
    const entry = await this.stored(key, id);
    if (!entry || !isFresh(entry.record, this.#policy, this.#now())) return undefined;
    this.#lastUsed.set(id, this.#now());
    return entry;
  }

  /** The stored entry, fresh or not; undefined when missing or when the storage failed. */
  stored(key: string, id: string): Promise<CacheEntry | undefined> {
    return this.#attempt("read", key, () => this.#storage.read(id));
  }

  /** The record of a fresh stored entry; else undefined. */
  async freshRecord(key: string, id: string): Promise<CacheRecord | undefined> {
    const record = await this.#attempt("read", key, () => this.#storage.readRecord(id));
    return record && isFresh(record, this.#policy, this.#now()) ? record : undefined;
  }

  /** True when a stored entry may be served with no request now. */
  isFresh(record: CacheRecord): boolean {
    return isFresh(record, this.#policy, this.#now());
  }

  /** Marks an entry used now (least recently used entries are evicted first). */
  touch(id: string): void {
    this.#lastUsed.set(id, this.#now());
  }

  /** Removes this backend's expired entries; returns how many. */
  async cleanup(): Promise<number> {
    const now = this.#now();
    let removed = 0;
    const prefix = await this.#prefix(this.#inner.root);
    if (prefix === undefined) return 0;
    const mine = prefix + this.#inner.root;
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
    const uri = this.#inner.uri(key);
    const prefix = await this.#prefix(uri);
    return prefix === undefined ? undefined : prefix + uri;
  }

  async #prefix(uri: string): Promise<string | undefined> {
    this.#idPrefix ??= this.#makeIdPrefix().catch((err: unknown) => {
      this.#idPrefix = undefined; // never keep a failure: the next call tries again
      throw err;
    });
    try {
      return await this.#idPrefix;
    } catch (err) {
      this.#logger?.warn(`cache: skipped for ${uri}: no identity for its service (${describe(err)})`);
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
  async download(key: string, id: string, cached: CacheEntry | undefined): Promise<CacheEntry> {
    for (;;) {
      const fill = this.#fills.get(id);
      if (!fill) return this.#startFill(key, id, cached);
      if (fill.invalidations === this.#invalidations) {
        const [since, now] = await Promise.all([fill.since, this.generation(key, id)]);
        if (since !== undefined && since === now && fill.invalidations === this.#invalidations) {
          return fill.result;
        }
      }
      // Another reader may have replaced the download meanwhile: look at that one instead.
      if (this.#fills.get(id) === fill) return this.#startFill(key, id, cached);
    }
  }

  /**
   * The object as the remote has it now, for a reader that passed `ignoreCache`: the entry is
   * invalidated first (so no download that began earlier, here or in another store sharing the
   * storage, can store its older bytes after this one), then downloaded whole and kept. So the cache
   * keeps what the reader saw, and no later read serves an older value. The request is a plain GET,
   * not a revalidation: in a page, `If-None-Match` needs a CORS preflight that a server allowing
   * simple reads may refuse.
   */
  refresh(key: string, id: string): Promise<CacheEntry> {
    return this.refreshing(key, id, () => this.#startFill(key, id, undefined));
  }

  /**
   * Runs `fetch` (which asks the remote and keeps what it gets) for a read that passed `ignoreCache`,
   * on the entry `id` (an object's or a listing's), invalidated first: no fill that began earlier
   * stores after it. Of two refreshes in flight only the later-begun may store, yet the earlier may
   * end last with a newer answer: then the entry is dropped, and the next read asks the remote.
   */
  async refreshing<T>(key: string, id: string, fetch: () => Promise<T>): Promise<T> {
    const mine = (this.#refreshes.get(id) ?? 0) + 1;
    this.#refreshes.set(id, mine);
    await this.#forget(key, id);
    try {
      return await fetch();
    } finally {
      if (this.#refreshes.get(id) === mine) this.#refreshes.delete(id);
      else await this.#forget(key, id);
    }
  }

  /** Invalidates one entry: every fill of it that began before stores nothing. */
  async #forget(key: string, id: string): Promise<void> {
    this.#invalidations++;
    await this.#invalidateId(key, id);
  }

  /** The latest refresh begun of each entry id still in flight (see {@link refreshing}). */
  readonly #refreshes = new Map<string, number>();

  #startFill(key: string, id: string, cached: CacheEntry | undefined): Promise<CacheEntry> {
    const invalidations = this.#invalidations;
    const since = this.generation(key, id);
    let fill: Fill | undefined;
    const result = this.#fetch(key, id, cached, since, invalidations).finally(() => {
      if (fill && this.#fills.get(id) === fill) this.#fills.delete(id);
    });
    fill = { since, invalidations, result };
    this.#fills.set(id, fill);
    return result;
  }

  /** The id's storage generation, read before fetching what will be stored; undefined on failure. */
  generation(key: string, id: string): Promise<string | undefined> {
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
    const uri = this.#inner.uri(key);
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
    const described: Described = { uri: this.#inner.uri(key), modifiedTime: meta.modifiedTime.getTime() };
    if (meta.etag !== undefined) described.etag = meta.etag;
    if (meta.contentType !== undefined) described.contentType = meta.contentType;
    return this.keep(key, id, described, data, since, invalidations);
  }

  /**
   * Stores fetched bytes as the entry `id`, unless an invalidation came after the fetch began (here:
   * `invalidations` is no longer the count; anywhere: the generation is no longer `since`) or they
   * are larger than the whole cache. Returns the entry either way, for the caller to serve.
   */
  async keep(
    key: string,
    id: string,
    described: Described,
    data: Uint8Array,
    since: string | undefined,
    invalidations: number,
  ): Promise<CacheEntry> {
    const now = this.#now();
    const record: CacheRecord = {
      id,
      ...described,
      size: data.length,
      storedAt: now,
      validatedAt: now,
      sha256: await sha256Hex(data),
    };
    const entry = { record, data };
    if (this.#policy.maxBytes !== undefined && data.length > this.#policy.maxBytes) return entry;
    if (since === undefined || invalidations !== this.#invalidations || this.#untrusted.has(id)) return entry;
    this.#lastUsed.set(id, now);
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

  /** The object's full URI. */
  uri(key: string): string {
    return this.#inner.uri(key);
  }

  /** The clock of the policy (ms since the epoch). */
  now(): number {
    return this.#now();
  }

  /** How many invalidations went through here: a fill compares it before it stores. */
  get invalidationCount(): number {
    return this.#invalidations;
  }

  /**
   * The entry id of a bare key's variant listing (see `variant-listings.ts`); undefined when the
   * cache must be skipped for it.
   */
  async listingId(key: string): Promise<string | undefined> {
    const id = await this.#id(key);
    if (id === undefined) return undefined;
    const listing = listingIdOf(id);
    return this.#untrusted.has(listing) ? undefined : listing;
  }

  /**
   * A bare key's variant listing: a fresh cached one with no request, else `list()`'s, kept;
   * `refresh` always lists (and keeps what it finds).
   */
  variants(key: string, list: () => Promise<ListedObject[]>, refresh = false): Promise<ListedObject[]> {
    return cachedListing(this, key, list, refresh);
  }

  /**
   * After a change to the object (or a failed attempt at one, which may have changed it): its own
   * entry goes, and so do the variant listings of the bare keys it can be a representation of.
   */
  async invalidate(key: string): Promise<void> {
    this.#invalidations++;
    const id = await this.#id(key);
    if (id === undefined) return;
    const listings = await Promise.all(bareKeysOf(key).map((bare) => this.#id(bare)));
    const ids = [id, ...listings.flatMap((listed) => (listed === undefined ? [] : [listingIdOf(listed)]))];
    await Promise.all(ids.map((each) => this.#invalidateId(key, each)));
  }

  async #invalidateId(key: string, id: string): Promise<void> {
    this.#lastUsed.delete(id);
    const done = await this.#attempt("invalidate", key, async () => {
      await this.#storage.invalidate(id);
      return true;
    });
    if (done) this.#untrusted.delete(id);
    else {
      this.#untrusted.add(id);
      this.#logger?.warn(
        `cache: other stores sharing this cache may serve the old ${this.#inner.uri(key)} until it expires`,
      );
    }
  }

  /** Runs a cache storage operation; a failure is logged and reads as "nothing there". */
  async #attempt<T>(action: string, key: string, operation: () => Promise<T>): Promise<T | undefined> {
    try {
      return await operation();
    } catch (err) {
      const what = key === "" ? this.#inner.root : this.#inner.uri(key);
      this.#logger?.warn(`cache: ${action} failed for ${what}, using the remote (${describe(err)})`);
      return undefined;
    }
  }
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
