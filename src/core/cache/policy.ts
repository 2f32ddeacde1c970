/**
 * Cache policy: when a cached object may be served without asking the remote, and which entries a
 * cleanup removes. Pure functions over records and the clock.
 */
import type { CacheRecord } from "./storage.js";

/** How the cache behaves for one scheme, from its options. */
export interface CachePolicy {
  /** Hours after validation during which an entry is served with no request; 0 never expires. */
  expiryHours: number;
  /** Largest total size of the cache; least recently used entries go first. */
  maxBytes?: number;
}

/** True when the entry may be served with no request at `now`. */
export function isFresh(record: CacheRecord, policy: CachePolicy, now: number): boolean {
  if (policy.expiryHours === 0) return true;
  return now - record.validatedAt < policy.expiryHours * 3_600_000;
}

/** True when a cleanup removes the entry at `now`. */
export function isExpired(record: CacheRecord, policy: CachePolicy, now: number): boolean {
  return !isFresh(record, policy, now);
}

/**
 * Which entries to evict so the total fits `maxBytes`: least recently used first (`lastUsed` by entry id,
 * falling back to when an entry was validated).
 */
export function entriesToEvict(
  records: readonly CacheRecord[],
  maxBytes: number,
  lastUsed: ReadonlyMap<string, number>,
): CacheRecord[] {
  let total = records.reduce((sum, r) => sum + r.size, 0);
  if (total <= maxBytes) return [];
  const byAge = [...records].sort(
    (a, b) => (lastUsed.get(a.id) ?? a.validatedAt) - (lastUsed.get(b.id) ?? b.validatedAt),
  );
  const evicted: CacheRecord[] = [];
  for (const record of byAge) {
    if (total <= maxBytes) break;
    evicted.push(record);
    total -= record.size;
  }
  return evicted;
}
