/**
 * The browser cache storage: cached objects in one IndexedDB database per cache location (`cacheDir`
 * names the database; default {@link DEFAULT_CACHE_DATABASE}). This class is what a page loads at
 * start: it checks that the runtime can keep a cache (synchronously, so a store with `cacheEnabled`
 * fails at creation where it cannot), and loads the IndexedDB code (`cache-idb-store.ts`, with
 * idb-keyval) on its first call, so a page that never reads through a cache never loads it.
 */
import type { CacheEntry, CacheRecord, CacheStorage } from "../core/cache/storage.js";
import { BackendError, ConfigError, describeCause } from "../core/errors.js";
import type { IdbStore } from "./cache-idb-store.js";

/** The database the browser cache uses when `cacheDir` is not set. */
export const DEFAULT_CACHE_DATABASE = "autostore-js-cache";

/** Cached objects in an IndexedDB database, shared by every tab and worker of the origin. */
export class IdbCacheStorage implements CacheStorage {
  /** The IndexedDB database's name. */
  readonly database: string;
  #store: Promise<IdbStore> | undefined;

  /**
   * @param database the database's name (the store's `cacheDir`). @default "autostore-js-cache"
   * @throws {ConfigError} when the runtime has no IndexedDB or no WebCrypto (not a secure context).
   */
  constructor(database: string = DEFAULT_CACHE_DATABASE) {
    assertIdbUsable(database);
    this.database = database;
  }

  async read(id: string): Promise<CacheEntry | undefined> {
    return (await this.#open()).read(id);
  }

  async readRecord(id: string): Promise<CacheRecord | undefined> {
    return (await this.#open()).readRecord(id);
  }

  async generation(id: string): Promise<string> {
    return (await this.#open()).generation(id);
  }

  async write(record: CacheRecord, data: Uint8Array, since: string): Promise<boolean> {
    return (await this.#open()).write(record, data, since);
  }

  async updateRecord(record: CacheRecord): Promise<void> {
    return (await this.#open()).updateRecord(record);
  }

  async invalidate(id: string): Promise<void> {
    return (await this.#open()).invalidate(id);
  }

  async delete(id: string): Promise<void> {
    return (await this.#open()).delete(id);
  }

  async *records(): AsyncIterable<CacheRecord> {
    yield* (await this.#open()).records();
  }

  /** The implementation, loaded once; a failed load is tried again on the next call. */
  #open(): Promise<IdbStore> {
    this.#store ??= import("./cache-idb-store.js").then(
      ({ IdbStore }) => new IdbStore(this.database),
      (err: unknown) => {
        this.#store = undefined;
        throw new BackendError(`cache: could not load the IndexedDB cache code: ${describeCause(err)}`, {
          backend: "indexeddb",
          cause: err,
        });
      },
    );
    return this.#store;
  }
}

/**
 * Throws a {@link ConfigError} when this runtime cannot keep a browser cache: no `indexedDB` global
 * (edge runtimes, Node, some private modes) or no WebCrypto digest (a page served over plain http
 * from another host than localhost is not a secure context), which every read needs to verify bytes.
 */
export function assertIdbUsable(database: string): void {
  const unavailable =
    typeof indexedDB === "undefined"
      ? "this runtime has no IndexedDB (an edge runtime, a worker without it, or a private mode that disables it)"
      : typeof crypto === "undefined" || typeof crypto.subtle?.digest !== "function"
        ? "the page is not a secure context (serve it over https or from localhost): the cache checks bytes with WebCrypto"
        : undefined;
  if (unavailable) {
    throw new ConfigError(`cacheEnabled: the browser cache '${database}' cannot work: ${unavailable}`, {
      field: "cacheEnabled",
    });
  }
}
