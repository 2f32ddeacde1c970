/**
 * Where cached files live: a small interface each runtime implements (files on Node, IndexedDB in
 * browsers). It keeps bytes and their record; the policy (expiry, revalidation) is not its business.
 *
 * Entries are keyed by an id, not by the object's URI alone: two services can answer one URI
 * (`s3://data/k` on AWS and on a MinIO server) and must never share an entry.
 */

/** What the cache knows of one cached object. */
export interface CacheRecord {
  /**
   * The entry's identity, the storage's key: the object's URI, prefixed by a hash of the service
   * behind it (endpoint, region, account) when its backend names one. It holds no secret.
   */
  id: string;
  /** The object's full URI, for messages and for telling which backend an entry belongs to. */
  uri: string;
  /** The object's ETag when it was fetched or last revalidated. */
  etag?: string;
  size: number;
  /** The object's modification time, in ms since the epoch. */
  modifiedTime: number;
  contentType?: string;
  /** When the bytes were stored, in ms since the epoch. */
  storedAt: number;
  /** When the remote last confirmed the bytes are current (fetch or 304), in ms since the epoch. */
  validatedAt: number;
  /** SHA-256 of the bytes, hex: checked on every read, so a corrupt entry is never served. */
  sha256: string;
}

/** A cached object: its record and verified bytes. */
export interface CacheEntry {
  record: CacheRecord;
  data: Uint8Array;
}

/**
 * Storage of cache entries for one cache folder or database, shared by every store (and every
 * process) that uses that folder.
 *
 * Invalidation contract: {@link CacheStorage.invalidate} changes the id's generation. A fill reads
 * the generation before it asks the remote and hands it to {@link CacheStorage.write}, which stores
 * the entry only if no invalidation happened in between, in any process: a download that began
 * before a write to the object can never be served after that write's invalidation returned.
 */
export interface CacheStorage {
  /**
   * The entry for an id with its bytes verified against the record's size and checksum; undefined
   * when missing, not yet committed, or corrupt or truncated (the bad entry is removed).
   */
  read(id: string): Promise<CacheEntry | undefined>;
  /** The record alone, without reading or verifying the bytes; committed entries only. */
  readRecord(id: string): Promise<CacheRecord | undefined>;
  /**
   * The id's invalidation generation: an opaque token that {@link CacheStorage.invalidate} changes
   * and that never comes back once changed. Read it before fetching what will be written.
   */
  generation(id: string): Promise<string>;
  /**
   * Stores an entry atomically (a reader sees the old entry or the new one, never a mix), unless
   * the id's generation is no longer `since`: then nothing is stored. True when stored.
   */
  write(record: CacheRecord, data: Uint8Array, since: string): Promise<boolean>;
  /**
   * Renews an entry's record (e.g. a new `validatedAt` after a 304) when the stored entry still
   * holds the same bytes (same checksum, size and ETag); otherwise does nothing.
   */
  updateRecord(record: CacheRecord): Promise<void>;
  /** Changes the id's generation, then removes its entry: see the interface's contract. */
  invalidate(id: string): Promise<void>;
  /** Removes an entry (eviction, expiry); nothing there is fine. The generation stays. */
  delete(id: string): Promise<void>;
  /** Every committed entry's record. */
  records(): AsyncIterable<CacheRecord>;
}

/** Makes the storage for a cache location (`cacheDir`, or the runtime's default when undefined). */
export type CacheStorageFactory = (location: string | undefined) => CacheStorage;

let storageFactory: CacheStorageFactory | undefined;

/** Called by a runtime's entry point: how this runtime stores cached files. */
export function setCacheStorageFactory(factory: CacheStorageFactory): void {
  storageFactory = factory;
}

/** This runtime's cache storage factory, if it has one. */
export function getCacheStorageFactory(): CacheStorageFactory | undefined {
  return storageFactory;
}

/** SHA-256 of bytes (or of a string's UTF-8) as hex, with WebCrypto (every runtime has it). */
export async function sha256Hex(data: Uint8Array | string): Promise<string> {
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  const digest = await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}
