/**
 * The stores AutoPaths without a store use: one per scheme and root, made on first use, reused, and
 * clearable. A store whose making fails is not kept (the next call tries again).
 */
import type { AutoStore } from "../store.js";
import { storeInternals } from "./internals.js";
import type { PurePath } from "./pure.js";

const stores = new Map<string, AutoStore>();

/**
 * The default store of a path and the path's key in it: `s3://b/x/y` → the store of `s3://b/` and
 * `x/y`; `../a/b` → the store of `..` and `a/b`; `/srv/x` → the store of `/` and `srv/x`.
 */
export function defaultStoreFor(p: PurePath): { store: AutoStore; key: string } {
  let root: string;
  let segments = p.segments;
  if (p.uri) root = `${p.anchor}/`;
  else if (p.anchor !== "") root = "/";
  else {
    // A relative path that climbs (`../x`) gets its store where it climbs to: keys never hold `..`.
    let up = 0;
    while (segments[up] === "..") up++;
    root = up === 0 ? "." : Array(up).fill("..").join("/");
    segments = segments.slice(up);
  }
  let store = stores.get(root);
  if (!store) {
    store = storeInternals().create(root);
    stores.set(root, store);
  }
  return { store, key: segments.join("/") + (p.query ?? "") };
}

/** Closes and forgets every default store. */
export async function clearDefaultStores(): Promise<void> {
  const all = [...stores.values()];
  stores.clear();
  await Promise.all(all.map((s) => s.close()));
}
