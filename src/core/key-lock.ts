/**
 * Writes that touch one bare key (sets, copies and moves onto it, its deletes) run one at a time, in
 * call order, per backend root, within one JavaScript realm (see `replace.ts` for why). Keyed by the
 * backend's root URI, so two stores over one folder or one bucket share the queue.
 *
 * A first-in-first-out lock per key rather than a chain of promises: a write that finds its key free
 * (almost every write) takes the lock with one small object and no promise, and hands it on at its
 * end with a plain call; only a write that must wait gets a promise. On a memory store the chain of
 * `then`s this replaced was a quarter of a small `set`.
 */
import type { Backend } from "./backend.js";

/** The writers of one key: the one holding the lock, and the ones waiting, in call order. */
interface KeyQueue {
  waiting: Array<() => void>;
}

// By backend root, then bare key. An entry lives while its key is held. Two levels, not `root + key`:
// the key string the caller holds is hashed once, for every map.
const queues = new Map<string, Map<string, KeyQueue>>();

/** A held (or awaited) lock on a key; `release` exactly once, when the write has settled. */
export interface KeyLock {
  /** Undefined when the lock was free and is now held; else resolves once it is this caller's. */
  readonly ready: Promise<void> | undefined;
  release(): void;
}

/**
 * Takes the lock of `bare` under `backend`'s root, or a place in its queue. The caller awaits
 * `ready` when it is defined, does its write, and calls `release` whatever happened (a `finally`).
 */
export function acquireKeyLock(backend: Backend, bare: string): KeyLock {
  const byKey = keysOf(queues, backend.root);
  const queue = byKey.get(bare);
  if (queue === undefined) {
    const held: KeyQueue = { waiting: [] };
    byKey.set(bare, held);
    return new Held(byKey, bare, held, undefined);
  }
  const ready = new Promise<void>((resolve) => queue.waiting.push(resolve));
  return new Held(byKey, bare, queue, ready);
}

class Held implements KeyLock {
  readonly ready: Promise<void> | undefined;
  readonly #byKey: Map<string, KeyQueue>;
  readonly #bare: string;
  readonly #queue: KeyQueue;
  #released = false;

  constructor(byKey: Map<string, KeyQueue>, bare: string, queue: KeyQueue, ready: Promise<void> | undefined) {
    this.#byKey = byKey;
    this.#bare = bare;
    this.#queue = queue;
    this.ready = ready;
  }

  release(): void {
    if (this.#released) return;
    this.#released = true;
    const next = this.#queue.waiting.shift();
    // Handed to the next writer in call order; with none, the key is free again.
    if (next) next();
    else this.#byKey.delete(this.#bare);
  }
}

/**
 * Runs `task` holding the lock of `bare` under `backend`'s root (see {@link acquireKeyLock}), and
 * lands its call ticket when it succeeds, or (`landsOn`) when it fails with an error that still
 * leaves the key as the call meant (a delete that found nothing).
 */
export async function withKeyLock<T>(
  backend: Backend,
  bare: string,
  task: () => Promise<T>,
  landsOn?: (err: unknown) => boolean,
): Promise<T> {
  const ticket = callTicket(backend, bare);
  const lock = acquireKeyLock(backend, bare);
  try {
    if (lock.ready) await lock.ready;
    const result = await task().catch((err: unknown) => {
      if (landsOn?.(err)) ticket.land();
      throw err;
    });
    ticket.land();
    return result;
  } finally {
    lock.release();
    ticket.end();
  }
}

/**
 * A write's place in call order, taken when it is called. A `set` validates and encodes its value
 * before it queues for the lock (a validator or an encoder that writes the same key would otherwise
 * wait for itself), so a later call may reach the lock first; the ticket tells it, at its turn, that
 * a later call has already landed, and it then writes nothing: the last call wins, as in call order.
 */
export interface CallTicket {
  /** True when a write called after this one has landed. */
  stale(): boolean;
  /** This write is done (it changed the key). */
  land(): void;
  /** Call once, whatever happened. */
  end(): void;
}

interface CallOrder {
  issued: number;
  landed: number;
  open: number;
}

// By backend root, then bare key, while a ticket of the key is open (then the numbers start again).
const orders = new Map<string, Map<string, CallOrder>>();

/** Takes the next place in call order among the writes of `bare` under `backend`'s root. */
export function callTicket(backend: Backend, bare: string): CallTicket {
  const byKey = keysOf(orders, backend.root);
  let order = byKey.get(bare);
  if (order === undefined) {
    order = { issued: 0, landed: 0, open: 0 };
    byKey.set(bare, order);
  }
  const mine = ++order.issued;
  order.open++;
  const state = order;
  const keys = byKey;
  let ended = false;
  return {
    stale: () => state.landed > mine,
    land: () => {
      if (mine > state.landed) state.landed = mine;
    },
    end: () => {
      if (ended) return;
      ended = true;
      if (--state.open === 0) {
        keys.delete(bare);
        if (keys.size === 0) orders.delete(backend.root);
      }
    },
  };
}

/** Resolves once every write of a bare key queued so far has settled: true, or false at once when none is. */
export async function keyLockSettled(backend: Backend, bare: string): Promise<boolean> {
  if (!queues.get(backend.root)?.has(bare)) return false;
  // A place at the end of the queue, given up as soon as it comes.
  const lock = acquireKeyLock(backend, bare);
  await lock.ready;
  lock.release();
  return true;
}

/** The map of one backend root's keys, made on first use. */
function keysOf<T>(byRoot: Map<string, Map<string, T>>, root: string): Map<string, T> {
  let byKey = byRoot.get(root);
  if (byKey === undefined) {
    byKey = new Map();
    byRoot.set(root, byKey);
  }
  return byKey;
}
