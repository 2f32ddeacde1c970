/**
 * Where an AutoPath's I/O goes: its store, its key there and the backend that key routes to. Apart from
 * `io.ts` because `AutoPath.asUri()` needs it synchronously, while the I/O modules load on first use.
 */
import type { AutoStore } from "../store.js";
import type { AutoPath } from "./autopath.js";
import { defaultStoreFor } from "./defaults.js";
import { type StoreTarget, storeInternals } from "./internals.js";
import { asUriOf, formatPath } from "./pure.js";

/** A path's place: its store, its key there, and the backend that key routes to. */
export interface Located {
  store: AutoStore;
  storeKey: string;
  target: StoreTarget;
  uri: string;
}

export function locate(path: AutoPath): Located {
  const p = path.pure;
  const bound = path.boundStore;
  let store: AutoStore;
  let storeKey: string;
  if (!bound) ({ store, key: storeKey } = defaultStoreFor(p));
  else {
    store = bound;
    // A relative path is a key of the store; an absolute local path goes as a file URI (so the
    // store's `uriKeys` policy decides whether it may leave the root); a URI goes as itself.
    if (p.uri) storeKey = p.segments.length === 0 ? `${p.anchor}/` : formatPath(p);
    else storeKey = p.anchor === "" ? p.segments.join("/") : (asUriOf(p) as string);
  }
  const target = storeInternals().locate(store, storeKey);
  return { store, storeKey, target, uri: target.backend.uri(target.key) };
}
