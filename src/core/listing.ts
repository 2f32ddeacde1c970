/**
 * The store's listings (`keys()`, `listFiles()`), built to cost little per key: the backend's entries
 * come in pages where it has them, each call is one generator between the backend and the caller, and
 * bare keys are told apart without a set of every key seen.
 */
import type { Backend, CommonPrefix, ListedObject, ListOptions } from "./backend.js";
import type { HandlerRegistry } from "./handlers/registry.js";
import type { Target } from "./router.js";

/** One entry of a listing. */
export type ListEntry = ListedObject | CommonPrefix;

/**
 * A backend that can hand out its listing in pages: the same entries, in the same order, as its
 * `list` with the same options. Every step of an async iteration costs promises; a backend whose
 * listing comes in batches anyway (a disk folder's entries, a map's keys) saves one step per key.
 */
export interface PagedListing {
  listPages(prefix: string, options?: ListOptions): AsyncIterable<readonly ListEntry[]>;
}

/** The backend's listing in pages: its own where it has them, else one entry per page. */
export function listPages(
  backend: Backend,
  prefix: string,
  options: ListOptions,
): AsyncIterable<readonly ListEntry[]> {
  const paged = (backend as Backend & Partial<PagedListing>).listPages;
  return typeof paged === "function"
    ? paged.call(backend, prefix, options)
    : onePerPage(backend, prefix, options);
}

async function* onePerPage(backend: Backend, prefix: string, options: ListOptions) {
  for await (const entry of backend.list(prefix, options)) yield [entry];
}

/** How a store call reports an error: as the {@link AutoStoreError} it rejects with. */
type Typed = (err: unknown) => unknown;

/** The bare keys under a target, each once, shown as the caller names them (`keys()`). */
export async function* bareKeys(
  locate: () => Target,
  handlers: HandlerRegistry,
  options: { signal?: AbortSignal },
  typed: Typed,
): AsyncGenerator<string> {
  try {
    const { backend, key: prefix, outward } = locate();
    const unique = new UniqueBareKeys();
    for await (const page of listPages(backend, prefix, { ...options, delimiter: false })) {
      for (const entry of page) {
        if (!("key" in entry)) continue;
        let bare = handlers.bareKey(entry.key);
        // A bare key reads only through a lower-case extension (resolve.ts): `UP.JSON` is a key of its
        // own, else `keys()` would list a key that `get` and `has` cannot find.
        const ext = entry.key.slice(bare.length);
        if (ext !== ext.toLowerCase()) bare = entry.key;
        if (unique.first(entry.key, bare)) yield outward(bare);
      }
    }
  } catch (err) {
    throw typed(err);
  }
}

/** Files under a target that `matches` accepts, shown as the caller names them (`listFiles()`). */
export async function* matchingFiles(
  locate: () => Promise<{
    target: Target;
    prefix: string;
    shallow: boolean;
    matches: (key: string) => boolean;
  }>,
  options: { signal?: AbortSignal },
  typed: Typed,
): AsyncGenerator<string> {
  try {
    const { target, prefix, shallow, matches } = await locate();
    const call = { signal: options.signal, delimiter: shallow };
    for await (const page of listPages(target.backend, prefix, call)) {
      for (const entry of page) {
        if ("key" in entry && matches(entry.key)) yield target.outward(entry.key);
      }
    }
  } catch (err) {
    throw typed(err);
  }
}

/**
 * Tells the first file of each bare key in a listing. The representations of a bare key `k` (`k`,
 * `k.json`, `k.yaml`) are `k` and keys that start with `k.`, so in key order they lie in one run of
 * keys that start with `k` followed by nothing or a character up to `.` (`k`, `k-v2`, `k.json`): runs
 * nest (`a.json`, `a.k.json`, `a.yaml`) and never overlap otherwise. Only bare keys whose run may still
 * go on are kept, a stack as deep as runs nest, where a set of every key seen cost more than the rest
 * of the listing. A backend that lists out of key order gets the set.
 */
export class UniqueBareKeys {
  // Bare keys whose runs may still go on, innermost last.
  readonly #open: string[] = [];
  // Every bare key accepted, for the set should the order break.
  #accepted: string[] = [];
  #previous = "";
  #seen: Set<string> | undefined;

  /** True the first time a bare key comes up; `key` is the listed key it came from. */
  first(key: string, bare: string): boolean {
    const seen = this.#seen;
    if (seen !== undefined) {
      if (seen.has(bare)) return false;
      seen.add(bare);
      return true;
    }
    if (key < this.#previous) {
      this.#seen = new Set(this.#accepted);
      this.#accepted = [];
      return this.first(key, bare);
    }
    this.#previous = key;
    const open = this.#open;
    for (let top = open[open.length - 1]; top !== undefined; top = open[open.length - 1]) {
      if (key.length > top.length && key.charCodeAt(top.length) <= 46 /* . */ && key.startsWith(top)) break;
      open.pop();
    }
    if (open.includes(bare)) return false;
    open.push(bare);
    this.#accepted.push(bare);
    return true;
  }
}
