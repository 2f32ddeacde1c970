/**
 * An in-memory backend. `memory://name` roots with the same name share their objects within one
 * JavaScript realm, so two stores (or a store and an AutoPath) see each other's writes; an unnamed
 * backend is private. {@link MemoryBackend.drop} forgets a named space.
 */
import {
  type Backend,
  bytesResult,
  type CallOptions,
  type Capabilities,
  type CommonPrefix,
  collectStream,
  type DeleteOptions,
  type ListedObject,
  type ListOptions,
  notModifiedResult,
  type ObjectMeta,
  type ReadOptions,
  type ReadResult,
  resolveRange,
  sameEtag,
  type WriteOptions,
} from "../backend.js";
import { AutoStoreError, KeyNotFoundError, throwIfAborted } from "../errors.js";
import { isBorrowing, takeHandedOver } from "../handover.js";
import { validateKey, validatePrefix } from "../keys.js";
import { contentTypeFor, knownContentType } from "../mime.js";

// Default options, shared: no object per call.
const EMPTY: Readonly<Record<string, never>> = Object.freeze({});

/** A stored object: its bytes and what its metadata is made of (a fresh object per answer). */
interface Entry {
  data: Uint8Array;
  modifiedTime: number;
  etag: string;
  contentType: string;
}

/** The metadata of an entry as a new object, which the caller may change freely. */
function metaOf(key: string, entry: Entry): ObjectMeta {
  return {
    key,
    size: entry.data.length,
    modifiedTime: new Date(entry.modifiedTime),
    etag: entry.etag,
    contentType: entry.contentType,
  };
}

/**
 * The objects of one space, and an index of them by every prefix that ends just before a `.`
 * (`a/b.v2.json` under `a/b` and `a/b.v2`): listing `key.` (how the store finds a bare key's files)
 * then costs one lookup, not a pass over the space.
 */
class Space {
  readonly objects = new Map<string, Entry>();
  readonly #byDotPrefix = new Map<string, Set<string>>();

  set(key: string, entry: Entry): void {
    if (!this.objects.has(key)) {
      for (let dot = key.indexOf(".", 1); dot !== -1; dot = key.indexOf(".", dot + 1)) {
        const prefix = key.slice(0, dot);
        let keys = this.#byDotPrefix.get(prefix);
        if (!keys) {
          keys = new Set();
          this.#byDotPrefix.set(prefix, keys);
        }
        keys.add(key);
      }
    }
    this.objects.set(key, entry);
  }

  delete(key: string): void {
    if (!this.objects.delete(key)) return;
    for (let dot = key.indexOf(".", 1); dot !== -1; dot = key.indexOf(".", dot + 1)) {
      const prefix = key.slice(0, dot);
      const keys = this.#byDotPrefix.get(prefix);
      keys?.delete(key);
      if (keys?.size === 0) this.#byDotPrefix.delete(prefix);
    }
  }

  /** Every key starting with `prefix`, sorted. */
  keysStartingWith(prefix: string): string[] {
    const indexed = prefix.endsWith(".") ? this.#byDotPrefix.get(prefix.slice(0, -1)) : undefined;
    if (indexed) return [...indexed].sort();
    if (prefix.endsWith(".")) return [];
    return [...this.objects.keys()].filter((key) => key.startsWith(prefix)).sort();
  }
}

/**
 * The answer of a whole read, as `bytesResult` makes one (a plain object whose parts wrappers may
 * spread or take apart), with its metadata made when first asked for: a store decoding the body
 * never asks. Methods, not arrow functions: a build that keeps function names wraps each arrow.
 */
function wholeBody(key: string, entry: Entry, data: Uint8Array): ReadResult {
  const state: BodyState = { key, entry, data, meta: undefined };
  return {
    get meta(): ObjectMeta {
      state.meta ??= metaOf(state.key, state.entry);
      return state.meta;
    },
    set meta(meta: ObjectMeta) {
      state.meta = meta;
    },
    notModified: false,
    async bytes() {
      return takeBody(state);
    },
    stream() {
      const body = takeBody(state);
      return new ReadableStream<Uint8Array>({
        start(controller) {
          if (body.length > 0) controller.enqueue(body);
          controller.close();
        },
      });
    },
  };
}

interface BodyState {
  key: string;
  // The entry as it was read: a later write replaces the map's entry, never changes this one.
  entry: Entry;
  data: Uint8Array | undefined;
  meta: ObjectMeta | undefined;
}

function takeBody(state: BodyState): Uint8Array {
  const data = state.data;
  if (data === undefined) throw new TypeError(`the body of ${state.key} was already read`);
  state.data = undefined;
  return data;
}

const namedSpaces = new Map<string, Space>();
let generation = 0;
let privateSpaces = 0;

/** A backend that keeps objects in a `Map`; see the module comment for naming. */
export class MemoryBackend implements Backend {
  readonly scheme = "memory";
  readonly root: string;
  readonly capabilities: Capabilities = {
    rangeRead: true,
    presign: false,
    multipart: false,
    writable: true,
    conditionalWrite: true,
  };
  readonly #space: Space;
  /** Names a private space, whose URIs (`memory://a/x`) another space may also give. */
  readonly #identity: string;

  /** @param name a shared space's name (`memory://name`); omit for a private space. */
  constructor(name?: string) {
    if (name === undefined) {
      this.#space = new Space();
      this.root = "memory://";
      this.#identity = `private-${++privateSpaces}`;
    } else {
      this.#identity = "";
      let space = namedSpaces.get(name);
      if (!space) {
        space = new Space();
        namedSpaces.set(name, space);
      }
      this.#space = space;
      this.root = `memory://${name}/`;
    }
  }

  /** Forgets a named space and everything in it. */
  static drop(name: string): void {
    namedSpaces.delete(name);
  }

  uri(key: string): string {
    return this.root + key;
  }

  /**
   * Empty for a named space (its URIs name its objects); a private space's own name otherwise, so
   * that nothing takes two private spaces, or a private one and a named one, for the same place.
   */
  async cacheIdentity(): Promise<string> {
    return this.#identity;
  }

  #get(key: string): Entry {
    validateKey(key);
    const entry = this.#space.objects.get(key);
    if (!entry) throw new KeyNotFoundError(`not found: ${this.uri(key)}`, this.#context(key));
    return entry;
  }

  #context(key: string) {
    return { key, uri: this.uri(key), backend: this.scheme };
  }

  async read(key: string, options: ReadOptions = EMPTY): Promise<ReadResult> {
    throwIfAborted(options.signal);
    const entry = this.#get(key);
    if (options.ifMatch !== undefined && options.ifMatch !== entry.etag) {
      throw new AutoStoreError(`changed since it was first read: ${this.uri(key)}`, {
        ...this.#context(key),
        status: 412,
      });
    }
    if (options.ifNoneMatch !== undefined && options.ifNoneMatch === entry.etag)
      return notModifiedResult(metaOf(key, entry));
    // Copies, so that a caller mutating what it read cannot change the stored object.
    if (options.range) {
      const range = resolveRange(options.range, entry.data.length);
      const part = entry.data.slice(range.start, range.end);
      options.onProgress?.({ loaded: part.length, total: part.length });
      return bytesResult(metaOf(key, entry), part, range);
    }
    // The copy is the whole transfer: one event, at its end. A borrowing caller (see handover.ts)
    // decodes the bytes at once and keeps no reference: it gets them without a copy.
    options.onProgress?.({ loaded: entry.data.length, total: entry.data.length });
    return wholeBody(key, entry, isBorrowing(options) ? entry.data : entry.data.slice());
  }

  async write(
    key: string,
    body: Uint8Array | ReadableStream<Uint8Array>,
    options: WriteOptions = EMPTY,
  ): Promise<ObjectMeta> {
    validateKey(key);
    throwIfAborted(options.signal);
    // A copy, so that a caller changing its array later cannot change the stored object; not for bytes
    // the store handed over (see handover.ts).
    const data =
      body instanceof Uint8Array
        ? takeHandedOver(body)
          ? body
          : body.slice()
        : await collectStream(body, {
            signal: options.signal,
            total: options.size,
            onProgress: options.onProgress,
          });
    // Before the existence check: no await may come between the check and the write. The common
    // types are known at once; only others wait for the full table.
    const contentType = options.contentType ?? knownContentType(key) ?? (await contentTypeFor(key));
    throwIfAborted(options.signal);
    if (options.mode === "create" && this.#space.objects.has(key)) {
      throw new AutoStoreError(`already exists: ${this.uri(key)}`, { ...this.#context(key), status: 412 });
    }
    const entry: Entry = {
      data,
      modifiedTime: Date.now(),
      etag: `"m${(++generation).toString(16)}-${data.length.toString(16)}"`,
      contentType,
    };
    this.#space.set(key, entry);
    if (body instanceof Uint8Array) options.onProgress?.({ loaded: data.length, total: data.length });
    return metaOf(key, entry);
  }

  async head(key: string, options: CallOptions = EMPTY): Promise<ObjectMeta> {
    throwIfAborted(options.signal);
    return metaOf(key, this.#get(key));
  }

  async *list(prefix: string, options: ListOptions = {}): AsyncIterable<ListedObject | CommonPrefix> {
    validatePrefix(prefix);
    const keys = this.#space.keysStartingWith(prefix);
    let lastPrefix: string | undefined;
    for (const key of keys) {
      throwIfAborted(options.signal);
      if (options.delimiter) {
        const slash = key.indexOf("/", prefix.length);
        if (slash !== -1) {
          const folder = key.slice(0, slash + 1);
          if (folder !== lastPrefix) {
            lastPrefix = folder;
            yield { prefix: folder };
          }
          continue;
        }
      }
      const entry = this.#space.objects.get(key);
      if (entry) yield metaOf(key, entry);
    }
  }

  async delete(key: string, options: DeleteOptions = {}): Promise<void> {
    throwIfAborted(options.signal);
    const entry = this.#get(key);
    if (options.ifMatch !== undefined && !sameEtag(entry.etag, options.ifMatch)) return;
    this.#space.delete(key);
  }

  async copy(from: string, to: string, options: CallOptions = {}): Promise<ObjectMeta> {
    const source = this.#get(from);
    validateKey(to);
    return this.write(to, source.data, { ...options, contentType: source.contentType });
  }
}
