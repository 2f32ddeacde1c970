/**
 * The stores AutoPaths without a store use: one per scheme and root, made on first use, reused, and
 * clearable. A store whose making fails is not kept (the next call tries again).
 */
import type { AutoStore } from "../store.js";
import { storeInternals } from "./internals.js";
import { formatPath, type PurePath } from "./pure.js";

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
  // A URI goes to its store as a full-URI key, as to a bound store: the store then opens it as a URL
  // (an http(s) URL keeps its escapes and query, so a presigned URL stays valid).
  if (p.uri && segments.length > 0) return { store, key: formatPath(p) };
  return { store, key: segments.join("/") + (p.query ?? "") };
}

/** Closes and forgets every default store. */
export async function clearDefaultStores(): Promise<void> {
  const all = [...stores.values()];
  stores.clear();
  await Promise.all(all.map((s) => s.close()));
}
