/**
 * One value per bare key under concurrent writers. A bare key can be stored in several files
 * (`k.json`, `k.txt`); writing it writes one file and then removes the others. Done naively, two
 * writers of different formats each remove the other's file and nothing is left. The rules here:
 *
 * - Within one JavaScript realm, writes that touch one bare key (sets, copies and moves onto it, its
 *   deletes) run one at a time, in call order, per backend root ({@link withKeyLock}).
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

// Tails of the queues of writes per `root + bare key`. An entry lives while writes are queued.
const queues = new Map<string, Promise<void>>();

/**
 * Runs `task` after every earlier task of the same bare key of the same backend root has settled.
 * Keyed by the backend's root URI, so two stores over one folder or one bucket share the queue.
 */
export async function withKeyLock<T>(backend: Backend, bare: string, task: () => Promise<T>): Promise<T> {
  const id = backend.root + bare;
  const previous = queues.get(id);
  let release = (): void => undefined;
  const mine = new Promise<void>((resolve) => {
    release = resolve;
  });
  const tail = previous ? previous.then(() => mine) : mine;
  queues.set(id, tail);
  try {
    if (previous) await previous;
    return await task();
  } finally {
    release();
    if (queues.get(id) === tail) queues.delete(id);
  }
}

/** Resolves once every write of a bare key queued so far has settled (at once when none is). */
export async function keyLockSettled(backend: Backend, bare: string): Promise<boolean> {
  const pending = queues.get(backend.root + bare);
  if (!pending) return false;
  await pending;
  return true;
}

// Files this realm wrote recently, by URI, with their ETag, to break timestamp ties in favour of the
// later call. Entries older than the coarsest timestamp (1 s on S3) plus clock slack are dropped.
const RECENT_MS = 5_000;
const recentWrites = new Map<string, { etag: string | undefined; at: number; order: number }>();
let writeOrder = 0;

/** Notes that this realm just wrote `meta` (through `backend`), for {@link keepNewest}'s tie-break. */
export function noteWrite(backend: Backend, meta: ObjectMeta): void {
  const now = Date.now();
  const uri = backend.uri(meta.key);
  recentWrites.delete(uri); // re-inserted last: the map stays in time order
  recentWrites.set(uri, { etag: meta.etag, at: now, order: ++writeOrder });
  for (const [key, entry] of recentWrites) {
    if (now - entry.at <= RECENT_MS) break;
    recentWrites.delete(key);
  }
}

function writtenHere(backend: Backend, key: string, etag: string | undefined): number | undefined {
  const entry = recentWrites.get(backend.uri(key));
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
