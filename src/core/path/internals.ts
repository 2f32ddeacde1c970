/**
 * The narrow door through which AutoPath reaches a store's own routing and codecs. The store fills
 * it from a static block (so its private fields stay private, and this module imports no store
 * code: no import cycle at load time).
 */
import type { Backend } from "../backend.js";
import { AutoStoreError } from "../errors.js";
import type { HandlerRegistry } from "../handlers/registry.js";
import type { AutoStore } from "../store.js";

/** Where a store key lives: its backend, the key inside it, and how to name backend keys outward. */
export interface StoreTarget {
  backend: Backend;
  key: string;
  outward: (key: string) => string;
}

export interface StoreInternals {
  /** Routes a key or URI (checking it and the `uriKeys` policy) to its backend. */
  locate(store: AutoStore, key: string): StoreTarget;
  handlers(store: AutoStore): HandlerRegistry;
  decode(
    store: AutoStore,
    target: StoreTarget,
    fileKey: string,
    ext: string,
    bytes: Uint8Array,
    signal?: AbortSignal,
  ): Promise<unknown>;
  encode(
    store: AutoStore,
    target: StoreTarget,
    fileKey: string,
    ext: string,
    value: unknown,
    signal?: AbortSignal,
  ): Promise<Uint8Array>;
  /** A new store with default options. */
  create(root: string): AutoStore;
}

let bound: StoreInternals | undefined;

/** Called once by the store module. */
export function bindStoreInternals(internals: StoreInternals): void {
  bound = internals;
}

export function storeInternals(): StoreInternals {
  if (!bound) throw new AutoStoreError("AutoPath: the store module is not loaded");
  return bound;
}
