/**
 * Cached variant listings: the objects directly under `key.`, which tell which representations a
 * bare key has (`profile.json`, `profile.yaml`). Without them a cached bare-key read still costs one
 * LIST. A listing is an entry of its own, kept and expired like bytes: filled under the generation
 * protocol (a listing that began before an invalidation is never stored), and invalidated by every
 * change through the cache to a key that can be one of its representations ({@link bareKeysOf}).
 */
import type { ListedObject } from "../backend.js";
import type { CacheEntries } from "./entries.js";

/**
 * Ends a listing's entry id, after the bare key's own URI. Keys never hold a control character, so
 * no object's id ends so, and a listing's entry can never be taken for an object's.
 */
const LISTING_MARKER = "\u0000variants";

/** The entry id of the variant listing of the bare key whose object entry id is `objectId`. */
export function listingIdOf(objectId: string): string {
  return objectId + LISTING_MARKER;
}

/**
 * The bare keys a key can be a representation of: one for each `.` of its last segment but a
 * leading one (`a/b.tar` and `a/b` for `a/b.tar.gz`; none for `a/b`, only `a/.env` for `a/.env.json`).
 */
export function bareKeysOf(key: string): string[] {
  const start = key.lastIndexOf("/") + 1;
  const bare: string[] = [];
  for (let dot = key.indexOf(".", start + 1); dot !== -1; dot = key.indexOf(".", dot + 1)) {
    bare.push(key.slice(0, dot));
  }
  return bare;
}

/**
 * A bare key's listing: a fresh cached one with no request, else `list()`'s, kept for the next read.
 * `refresh` (a read with `ignoreCache`) never serves the cached one.
 */
export async function cachedListing(
  entries: CacheEntries,
  key: string,
  list: () => Promise<ListedObject[]>,
  refresh = false,
): Promise<ListedObject[]> {
  const id = await entries.listingId(key);
  if (id === undefined) return list();
  if (refresh) return entries.refreshing(key, id, () => listAndKeep(entries, key, id, list));
  const cached = await entries.stored(key, id);
  const served = cached && entries.isFresh(cached.record) ? decodeListing(cached.data) : undefined;
  if (served) {
    entries.touch(id);
    return served;
  }
  return listAndKeep(entries, key, id, list);
}

/** Lists on the remote and keeps the listing, unless an invalidation came meanwhile. */
async function listAndKeep(
  entries: CacheEntries,
  key: string,
  id: string,
  list: () => Promise<ListedObject[]>,
): Promise<ListedObject[]> {
  // The generation must be known before the remote is asked, as for bytes (see entries.ts).
  const invalidations = entries.invalidationCount;
  const since = await entries.generation(key, id);
  const listed = await list();
  // No object has this entry's URI: the listing's is the prefix, `key.*`, and its time is now.
  const described = { uri: `${entries.uri(key)}.*`, modifiedTime: entries.now() };
  await entries.keep(key, id, described, encodeListing(listed), since, invalidations);
  return listed;
}

/** A listing as stored: JSON of each object's key, size, time (ms), ETag and content type. */
export function encodeListing(listed: readonly ListedObject[]): Uint8Array {
  const objects = listed.map((o) => ({
    key: o.key,
    size: o.size,
    modifiedTime: o.modifiedTime?.getTime(),
    etag: o.etag,
    contentType: o.contentType,
  }));
  return new TextEncoder().encode(JSON.stringify({ objects }));
}

/** A stored listing; undefined when the bytes are not one (then the remote is listed again). */
export function decodeListing(data: Uint8Array): ListedObject[] | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(data));
  } catch {
    return undefined;
  }
  const objects = (parsed as { objects?: unknown } | null)?.objects;
  if (!Array.isArray(objects)) return undefined;
  const listed: ListedObject[] = [];
  for (const o of objects as Array<Record<string, unknown> | null>) {
    if (typeof o?.key !== "string") return undefined;
    const entry: ListedObject = { key: o.key };
    if (typeof o.size === "number") entry.size = o.size;
    if (typeof o.modifiedTime === "number") entry.modifiedTime = new Date(o.modifiedTime);
    if (typeof o.etag === "string") entry.etag = o.etag;
    if (typeof o.contentType === "string") entry.contentType = o.contentType;
    listed.push(entry);
  }
  return listed;
}
