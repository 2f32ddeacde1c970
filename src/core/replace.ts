/**
 * One value per bare key under concurrent writers. A bare key can be stored in several files
 * (`k.json`, `k.txt`); writing it writes one file and then removes the others. Done naively, two
 * writers of different formats each remove the other's file and nothing is left. The rules here:
 *
 * - Within one JavaScript realm, writes that touch one bare key (sets, copies and moves onto it, its
 *   deletes) run one at a time, in call order, per backend root (`key-lock.ts`).
 * - After writing, a writer keeps the newest representation and removes the rest, its own file
 *   included when another is newer ({@link keepNewest}). "Newest" is the later modification time;
 *   equal times (timestamps are coarse: 1 ms on disk and in memory, 1 s on S3) go to the file this
 *   realm wrote last, and otherwise to the key that sorts last, so writers in two processes that
 *   tie still agree on one survivor.
 * - Each removal is conditional on the file still being the version that was judged (`ifMatch`): a
 *   value written meanwhile is never removed. Disk and memory make the check and the removal one step;
 *   on S3 they are two requests.
 */
import { type Backend, type CallOptions, type ObjectMeta, sameEtag } from "./backend.js";
import { KeyNotFoundError } from "./errors.js";
import type { HandlerRegistry } from "./handlers/registry.js";
import { findVariants } from "./resolve.js";

// Files this realm wrote recently, by backend root and key, with their ETag, to break timestamp ties in
// favour of the later call. Entries older than the coarsest timestamp (1 s on S3) plus clock slack
// are dropped.
const RECENT_MS = 5_000;
interface RecentWrite {
  etag: string | undefined;
  at: number;
  order: number;
}
const recentWrites = new Map<string, Map<string, RecentWrite>>();
let writeOrder = 0;

/** Notes that this realm just wrote `meta` (through `backend`), for {@link keepNewest}'s tie-break. */
export function noteWrite(backend: Backend, meta: ObjectMeta): void {
  const now = Date.now();
  // The root and the key name the file as its URI does, without building the URI (a file URL on disk).
  let recent = recentWrites.get(backend.root);
  if (recent === undefined) {
    recent = new Map();
    recentWrites.set(backend.root, recent);
  }
  // Updated in place: deleting and re-adding would leave the map a hole to compact per write.
  const entry = recent.get(meta.key);
  if (entry === undefined) recent.set(meta.key, { etag: meta.etag, at: now, order: ++writeOrder });
  else {
    entry.etag = meta.etag;
    entry.at = now;
    entry.order = ++writeOrder;
  }
  // Most writes come within the time an entry is kept of the last sweep: nothing to look at.
  if (now - sweptAt <= RECENT_MS) return;
  sweptAt = now;
  for (const [root, entries] of recentWrites) {
    for (const [key, entry] of entries) if (now - entry.at > RECENT_MS) entries.delete(key);
    if (entries.size === 0) recentWrites.delete(root);
  }
}

// When expired entries were last dropped. Sweeping at most once per RECENT_MS keeps up to twice
// RECENT_MS of writes, which costs only memory: an entry is matched by its ETag, so an old one still
// tells the truth about what this realm wrote.
let sweptAt = 0;

function writtenHere(backend: Backend, key: string, etag: string | undefined): number | undefined {
  const entry = recentWrites.get(backend.root)?.get(key);
  return entry && sameEtag(entry.etag, etag) ? entry.order : undefined;
}

interface Candidate {
  key: string;
  modifiedTime: number;
  etag: string | undefined;
}

/** True when `a` is newer than `b` by the rules of the module comment. */
function newer(backend: Backend, a: Candidate, b: Candidate): boolean {
  if (a.modifiedTime !== b.modifiedTime) return a.modifiedTime > b.modifiedTime;
  const orderA = writtenHere(backend, a.key, a.etag);
  const orderB = writtenHere(backend, b.key, b.etag);
  if (orderA !== undefined && orderB !== undefined) return orderA > orderB;
  // At least one came from another process at the same instant: no order can be known, so take the
  // rule every process applies alike.
  return a.key > b.key;
}

/**
 * After `written` was stored under a bare key, keeps the newest representation of the key and removes
 * the others. Returns the survivor's key (usually `written.key`; another writer's when it was newer).
 */
export async function keepNewest(
  backend: Backend,
  bare: string,
  written: ObjectMeta,
  registry: HandlerRegistry,
  options: CallOptions & { onRemove?: (key: string) => void } = {},
): Promise<string> {
  const call = options.signal ? { signal: options.signal } : {};
  const variants = await findVariants(backend, bare, registry, { ...call, exact: "never" });
  if (variants.withExtension.length <= 1) return written.key;
  const candidates: Candidate[] = [];
  for (const variant of variants.withExtension) {
    // What the listing shows for our own file may be newer than what we wrote (another writer of
    // the same format): the listing is the truth for every file alike.
    let { modifiedTime, etag } = variant;
    if (modifiedTime === undefined) {
      try {
        ({ modifiedTime, etag } = await backend.head(variant.key, call));
      } catch (err) {
        if (err instanceof KeyNotFoundError) continue;
        throw err;
      }
    }
    candidates.push({ key: variant.key, modifiedTime: modifiedTime.getTime(), etag });
  }
  let survivor = candidates[0];
  for (const candidate of candidates) {
    if (survivor === undefined || newer(backend, candidate, survivor)) survivor = candidate;
  }
  for (const candidate of candidates) {
    if (candidate === survivor) continue;
    try {
      await backend.delete(candidate.key, {
        ...call,
        ...(candidate.etag ? { ifMatch: candidate.etag } : {}),
      });
      options.onRemove?.(candidate.key);
    } catch (err) {
      if (!(err instanceof KeyNotFoundError)) throw err;
    }
  }
  return survivor?.key ?? written.key;
}
