/**
 * Where a store's keys live: the root's backend, the backends opened for full-URI keys, and the
 * options that apply to each scheme. A key picks its backend by scheme (a relative key: the root's),
 * the `uriKeys` policy decides which URI keys are allowed, and a remote backend whose options enable
 * a cache is opened behind one. The store composes this with handlers; it holds no format logic.
 */
import type { Backend } from "./backend.js";
import { CachedBackend } from "./cache/cached-backend.js";
import { type CacheStorage, getCacheStorageFactory } from "./cache/storage.js";
import { AutoStoreError, ConfigError } from "./errors.js";
import { joinKey, parseUri, validateKey } from "./keys.js";
import { checkFields, describeValue, Options, type OptionsClass } from "./options.js";
import { checkLocalRoot, decideUriKey, LOCAL_FILE_KINDS } from "./roots.js";
import {
  type BackendFactory,
  factoryOfKind,
  getLocalScheme,
  optionsClassOf,
  registeredSchemes,
  schemeFactory,
  splitFirstSegment,
} from "./schemes.js";

/** Where a key lives: its backend, the key inside it, and how to show backend keys to the caller. */
export interface Target {
  backend: Backend;
  key: string;
  outward: (key: string) => string;
}

/** What a store is made with: option fields, and `options` (one object or one per scheme). */
export type RouterInit = object & { options?: Options | readonly Options[] };

const URI_OUTWARD = (root: string) => (key: string) => joinKey(root, key);
// Relative keys are shown as they are; one function for all, not one per call.
const AS_IS = (key: string): string => key;

// Backends whose bytes are already local (local files, and memory): a cache would only copy them.
const isLocalKind = (kind: string) => kind === "memory" || LOCAL_FILE_KINDS.has(kind);

/** The backends of one store; see the module comment. */
export class Router {
  /** The root as the store was given it (`./data`, `s3://bucket/prefix/`). */
  readonly root: string;
  /** The root's backend. */
  readonly primary: Backend;
  readonly #primaryKind: string;
  readonly #optionsList: readonly Options[];
  readonly #fields: Record<string, unknown>;
  readonly #ownFactories = new Map<string, BackendFactory>();
  readonly #optionsByScheme = new Map<string, Options>();
  // Backends opened for full-URI keys, by `scheme://root/`.
  readonly #opened = new Map<string, Backend>();
  // Cache storages by location (`cacheDir`), shared by every cached backend of this store.
  readonly #cacheStorages = new Map<string, CacheStorage>();
  #closed = false;

  constructor(root: string, init: RouterInit) {
    if (typeof root !== "string" || root === "")
      throw new ConfigError("AutoStore: root must be a non-empty string", { field: "root" });
    if (typeof init !== "object" || init === null || Array.isArray(init)) {
      throw new ConfigError(
        `AutoStore: the second argument must be an object of options, such as { cacheEnabled: true } (got ${describeValue(init)})`,
        { field: "init" },
      );
    }
    this.root = root;
    const { options, ...fields } = init as RouterInit & Record<string, unknown>;
    this.#optionsList = options === undefined ? [] : Array.isArray(options) ? options : [options as Options];
    for (const given of this.#optionsList) {
      if (!(given instanceof Options)) {
        throw new ConfigError("AutoStore: `options` must be an Options instance or a list of them", {
          field: "options",
        });
      }
      this.#registerOptionsScheme(given);
    }
    const { scheme, rest, localPath } = this.#parseRoot(root);
    const factory = this.#factory(scheme);
    const allowed = Object.assign(
      {},
      optionsClassOf(factory).fields,
      ...this.#optionsList.map((o) => (o.constructor as OptionsClass).fields),
    );
    checkFields(fields, allowed, "AutoStore");
    this.#fields = fields;
    this.#primaryKind = factory.kind;
    this.primary = this.#open(factory, rest, scheme, localPath === true);
  }

  /** The backend and inner key of a key or full-URI key; refused keys throw before any I/O. */
  target(key: string, rules: { allowTrailingSlash?: boolean; allowEmpty?: boolean } = {}): Target {
    if (this.#closed) throw new AutoStoreError(`AutoStore(${this.root}): the store is closed`, { key });
    const uri = typeof key === "string" ? parseUri(key) : undefined;
    if (!uri) return { backend: this.primary, key: validateKey(key, rules), outward: AS_IS };
    const factory = this.#factory(uri.scheme);
    const decision = decideUriKey(key, uri, factory.kind, this.optionsFor().uriKeys, {
      kind: this.#primaryKind,
      root: this.primary.root,
    });
    if (decision.route === "primary") {
      const primary = this.primary;
      return { backend: primary, key: validateKey(decision.key, rules), outward: (k) => primary.uri(k) };
    }
    const within = this.#insidePrimary(key, factory.kind);
    if (within !== undefined) {
      const primary = this.primary;
      return { backend: primary, key: validateKey(within, rules), outward: (k) => primary.uri(k) };
    }
    const { root, key: inner } = (factory.split ?? splitFirstSegment)(uri.rest);
    validateKey(inner, rules);
    const id = `${uri.scheme}://${root}${root.endsWith("/") ? "" : "/"}`;
    let backend = this.#opened.get(id);
    if (!backend) {
      backend = this.#open(factory, root, uri.scheme, false, true);
      this.#opened.set(id, backend);
    }
    return { backend, key: inner, outward: URI_OUTWARD(id) };
  }

  /** The options that apply to a scheme (the root's without an argument). */
  optionsFor(scheme?: string): Options {
    const name = scheme ?? this.#parseRoot(this.root).scheme;
    const cached = this.#optionsByScheme.get(name);
    if (cached) return cached;
    const cls = optionsClassOf(this.#ownFactories.get(name) ?? schemeFactory(name));
    const given = this.#optionsList.find((o) => o.scheme === name);
    let options: Options =
      given instanceof cls
        ? given
        : new cls({ ...((given as Options | undefined)?.toInit() ?? {}), scheme: name });
    // Plain fields win over an options object, for every scheme whose class knows them.
    const applicable = Object.fromEntries(
      Object.entries(this.#fields).filter(([field]) => field in cls.fields),
    );
    if (Object.keys(applicable).length > 0) options = options.with(applicable);
    this.#optionsByScheme.set(name, options);
    return options;
  }

  /** Every scheme this store can open. */
  supportedSchemes(): string[] {
    return [...new Set([...registeredSchemes(), ...this.#ownFactories.keys()])].sort();
  }

  /** The backends in use, for `listActiveBackends`: the primary one, then those opened for URI keys. */
  active(): string[] {
    const active = [`primary: ${this.root}`];
    for (const [id, backend] of this.#opened) active.push(`${backend.scheme}: ${id}`);
    return active;
  }

  /** Every backend opened so far. */
  backends(): Backend[] {
    return [this.primary, ...this.#opened.values()];
  }

  /** Closes every backend; later calls are refused. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const backends = this.backends();
    this.#opened.clear();
    await Promise.all(backends.map((b) => b.close?.()));
  }

  /**
   * The primary backend's key for a URI that names an object under the root (`s3://b/root/x.json` in
   * a store at `s3://b/root/`). Such a key must reach the same backend as its relative name, or a move
   * between the two names would delete the only copy, and the two names would not share a key lock.
   * Only object names count here: an `https://` key is a URL with escapes and a query.
   */
  #insidePrimary(key: string, kind: string): string | undefined {
    if (kind !== this.#primaryKind || (kind !== "s3" && kind !== "memory")) return undefined;
    const root = this.primary.root;
    // A root with no bucket or space (`memory://`, a private space) holds no URI's objects.
    if (!/^[^:]+:\/\/[^/]+\//.test(root)) return undefined;
    return key.startsWith(root) && key.length > root.length ? key.slice(root.length) : undefined;
  }

  #parseRoot(root: string): { scheme: string; rest: string; localPath?: boolean } {
    const uri = parseUri(root);
    if (uri) return uri;
    checkLocalRoot(root, this.supportedSchemes());
    const local = getLocalScheme();
    if (!local) {
      throw new ConfigError(
        `AutoStore: '${root}' is a local path, and this build has no local storage; use a URI such as memory://name or s3://bucket/`,
      );
    }
    return { scheme: local, rest: root, localPath: true };
  }

  #factory(scheme: string): BackendFactory {
    const factory = this.#ownFactories.get(scheme) ?? schemeFactory(scheme);
    if (!factory) {
      throw new ConfigError(
        `no backend for scheme '${scheme}://'; known: ${this.supportedSchemes().join(", ")}. ` +
          `Register one with AutoStore.registerScheme('${scheme}', 's3') or pass options naming it`,
      );
    }
    return factory;
  }

  /** Opens a backend, behind a cache when its scheme's options enable one and its bytes are remote. */
  #open(factory: BackendFactory, root: string, scheme: string, localPath: boolean, uriKeys = false): Backend {
    const options = this.optionsFor(scheme);
    const backend = factory.open(root, { scheme, options, localPath, uriKeys });
    if (!options.cacheEnabled || isLocalKind(factory.kind)) return backend;
    const location = options.cacheDir ?? "";
    let storage = this.#cacheStorages.get(location);
    if (!storage) {
      const makeStorage = getCacheStorageFactory();
      if (!makeStorage) {
        throw new ConfigError(`cacheEnabled: this runtime has no cache storage (scheme '${scheme}')`, {
          field: "cacheEnabled",
        });
      }
      storage = makeStorage(options.cacheDir);
      this.#cacheStorages.set(location, storage);
    }
    const policy: { expiryHours: number; maxBytes?: number } = { expiryHours: options.cacheExpiryHours };
    if (options.cacheMaxBytes !== undefined) policy.maxBytes = options.cacheMaxBytes;
    return new CachedBackend(backend, storage, policy, { logger: options.logger });
  }

  #registerOptionsScheme(given: Options): void {
    const scheme = given.scheme;
    if (scheme === undefined || schemeFactory(scheme)) return;
    const kind = (given.constructor as { backendKind?: string }).backendKind;
    if (!kind) {
      throw new ConfigError(
        `options name scheme '${scheme}', which no backend serves; register it with AutoStore.registerScheme`,
        { field: "scheme" },
      );
    }
    this.#ownFactories.set(scheme, factoryOfKind(kind));
  }
}
