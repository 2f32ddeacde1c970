/**
 * Where cached files live: a small interface each runtime implements (files on Node, IndexedDB in
 * browsers). It keeps bytes and their record; the policy (expiry, revalidation) is not its business.
 */

/** What the cache knows of one cached object. */
export interface CacheRecord {
  /** The object's full URI (the cache's key). */
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

/** Storage of cache entries for one cache folder or database. */
export interface CacheStorage {
  /**
   * The entry for a URI with its bytes verified against the record's size and checksum; undefined
   * when missing, or when corrupt or truncated (the bad entry is removed).
   */
  read(uri: string): Promise<CacheEntry | undefined>;
  /** The record alone, without reading or verifying the bytes. */
  readRecord(uri: string): Promise<CacheRecord | undefined>;
  /** Stores an entry atomically: a reader sees the old entry or the new one, never a mix. */
  write(record: CacheRecord, data: Uint8Array): Promise<void>;
  /** Replaces an entry's record (e.g. a new `validatedAt` after a 304). */
  updateRecord(record: CacheRecord): Promise<void>;
  /** Removes an entry; nothing there is fine. */
  delete(uri: string): Promise<void>;
  /** Every entry's record. */
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

/** SHA-256 of bytes as hex, with WebCrypto (every runtime has it). */
export async function sha256Hex(data: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", data as Uint8Array<ArrayBuffer>);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}
