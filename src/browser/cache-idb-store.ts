/**
 * The browser cache storage's implementation, loaded by {@link IdbCacheStorage} on its first call:
 * cached objects in one IndexedDB database per cache location, through idb-keyval's `createStore`.
 * One object store holds four kinds of keys, so one transaction can span them all:
 *
 * - `["record", id]`: `{ record, version }`, small, so {@link IdbCacheStorage.readRecord} and
 *   {@link IdbCacheStorage.records} never load bytes;
 * - `["bytes", id]`: `{ version, data }`, the bytes, written with the record in one transaction (the
 *   `version`, random per write, must match the record's);
 * - `["generation", id]`: the id's invalidation token, replaced by every invalidation, never removed;
 * - `["epoch"]`: a random token made with the database, part of every generation, so a database that
 *   is deleted and made again ("Clear site data", `indexedDB.deleteDatabase`) never hands out a
 *   generation an older fill has seen.
 *
 * Every read hashes the bytes (SHA-256, WebCrypto) and checks them against the record's size and
 * checksum; a corrupt or truncated entry is removed and reported missing, so the caller fetches the
 * object again. There is no per-page memory of entries already checked: unlike a file, an IndexedDB
 * value has no stamp that every change moves, so a remembered check could hide a change made outside
 * this class.
 *
 * Why it is safe across tabs and workers with no lock: IndexedDB runs readwrite transactions whose
 * scopes overlap one after another, whatever the connection, and each commits whole or not at all.
 * A write reads the generation and puts record and bytes in one readwrite transaction; an
 * invalidation replaces the generation and removes the entry in another. So the write either sees
 * the new generation and stores nothing, or commits entirely before the invalidation, which then
 * removes it: no read that starts after `invalidate` returns sees bytes fetched before it. Doing the
 * check and the put in two transactions would let an invalidation land between them.
 */
import { createStore, promisifyRequest, type UseStore } from "idb-keyval";
import type { CacheEntry, CacheRecord, CacheStorage } from "../core/cache/storage.js";
import { sha256Hex } from "../core/cache/storage.js";
import type { IdbCacheStorage } from "./cache-idb.js";
import { errorName, idbError } from "./cache-idb-errors.js";

/** The object store inside each cache database. */
const STORE = "entries";
const EPOCH: IDBValidKey = ["epoch"];

const recordKey = (id: string): IDBValidKey => ["record", id];
const bytesKey = (id: string): IDBValidKey => ["bytes", id];
const generationKey = (id: string): IDBValidKey => ["generation", id];

interface StoredRecord {
  record: CacheRecord;
  version: string;
}

interface StoredBytes {
  version: string;
  data: Uint8Array;
}

/** Cached objects in an IndexedDB database, shared by every tab and worker of the origin. */
export class IdbStore implements CacheStorage {
  /** The IndexedDB database's name. */
  readonly database: string;
  #useStore: UseStore | undefined;
  readonly #watched = new WeakSet<IDBDatabase>();

  /** @param database the database's name, checked usable by {@link IdbCacheStorage}. */
  constructor(database: string) {
    this.database = database;
  }

  async read(id: string): Promise<CacheEntry | undefined> {
    const [stored, bytes] = await this.#run("readonly", "read", id, (store) =>
      Promise.all([get(store, recordKey(id)), get(store, bytesKey(id))]),
    );
    if (stored === undefined) return undefined;
    if (
      isStoredRecord(stored, id) &&
      isStoredBytes(bytes) &&
      bytes.version === stored.version &&
      bytes.data.length === stored.record.size &&
      (await sha256Hex(bytes.data)) === stored.record.sha256
    ) {
      return { record: stored.record, data: bytes.data };
    }
    await this.#removeIfUnchanged(id, versionOf(stored));
    return undefined;
  }

  async readRecord(id: string): Promise<CacheRecord | undefined> {
    const stored = await this.#run("readonly", "read", id, (store) => get(store, recordKey(id)));
    return isStoredRecord(stored, id) ? stored.record : undefined;
  }

  async generation(id: string): Promise<string> {
    const token = await this.#run("readonly", "read the generation of", id, (store) => tokenOf(store, id));
    if (token !== undefined) return token;
    // A new database: its epoch is made once, by whichever connection gets there first.
    return this.#run("readwrite", "read the generation of", id, async (store) => {
      await ensureEpoch(store);
      return (await tokenOf(store, id)) as string;
    });
  }

  async write(record: CacheRecord, data: Uint8Array, since: string): Promise<boolean> {
    const version = randomToken();
    // A view would store its whole underlying buffer: keep exactly the bytes.
    const exact = data.byteOffset === 0 && data.byteLength === data.buffer.byteLength ? data : data.slice();
    const value: StoredBytes = { version, data: exact };
    return this.#run("readwrite", "store", record.id, async (store) => {
      if ((await tokenOf(store, record.id)) !== since) return false;
      store.put({ record, version } satisfies StoredRecord, recordKey(record.id));
      store.put(value, bytesKey(record.id));
      return true;
    });
  }

  async updateRecord(record: CacheRecord): Promise<void> {
    await this.#run("readwrite", "renew", record.id, async (store) => {
      const stored = await get(store, recordKey(record.id));
      if (!isStoredRecord(stored, record.id)) return;
      const old = stored.record;
      if (old.sha256 === record.sha256 && old.size === record.size && old.etag === record.etag) {
        store.put({ record, version: stored.version } satisfies StoredRecord, recordKey(record.id));
      }
    });
  }

  async invalidate(id: string): Promise<void> {
    await this.#run("readwrite", "invalidate", id, async (store) => {
      await ensureEpoch(store);
      store.put(randomToken(), generationKey(id));
      store.delete(recordKey(id));
      store.delete(bytesKey(id));
    });
  }

  async delete(id: string): Promise<void> {
    await this.#run("readwrite", "remove", id, async (store) => {
      store.delete(recordKey(id));
      store.delete(bytesKey(id));
    });
  }

  async *records(): AsyncIterable<CacheRecord> {
    // Collected in one transaction: a transaction cannot stay open while the caller awaits.
    const range = IDBKeyRange.bound(["record"], ["record", []]);
    const [keys, values] = await this.#run("readonly", "list", undefined, (store) =>
      Promise.all([promisifyRequest(store.getAllKeys(range)), promisifyRequest(store.getAll(range))]),
    );
    const damaged: string[] = [];
    const found: CacheRecord[] = [];
    keys.forEach((key, i) => {
      const id = Array.isArray(key) ? key[1] : undefined;
      if (typeof id !== "string") return;
      const value: unknown = values[i];
      if (isStoredRecord(value, id)) found.push(value.record);
      else damaged.push(id);
    });
    // Damaged entries would otherwise hold space for ever: nothing lists or evicts them.
    for (const id of damaged) await this.read(id);
    yield* found;
  }

  /** Removes an entry that failed its check, unless a write replaced it meanwhile. */
  async #removeIfUnchanged(id: string, version: string | undefined): Promise<void> {
    await this.#run("readwrite", "remove", id, async (store) => {
      if (versionOf(await get(store, recordKey(id))) !== version) return;
      store.delete(recordKey(id));
      store.delete(bytesKey(id));
    });
  }

  /**
   * Runs `body` in one transaction and resolves once it committed; every failure becomes a typed
   * error naming the object and the database. `body` must issue its requests without awaiting
   * anything but them: a transaction commits as soon as it has nothing left to do.
   */
  async #run<T>(
    mode: IDBTransactionMode,
    action: string,
    id: string | undefined,
    body: (store: IDBObjectStore) => Promise<T>,
  ): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const use = this.#use();
      try {
        return await use(mode, (store) => this.#transaction(use, store, body));
      } catch (err) {
        // The connection was closed for another tab's deleteDatabase: once more on a new one.
        if (attempt === 0 && use !== this.#useStore && errorName(err) === "InvalidStateError") continue;
        throw idbError(action, id, this.database, err);
      }
    }
  }

  async #transaction<T>(
    use: UseStore,
    store: IDBObjectStore,
    body: (store: IDBObjectStore) => Promise<T>,
  ): Promise<T> {
    const tx = store.transaction;
    this.#watch(use, tx.db);
    const committed = promisifyRequest(tx);
    try {
      const result = await body(store);
      await committed;
      return result;
    } catch (err) {
      committed.catch(() => {}); // the failure is reported below
      try {
        tx.abort();
      } catch {
        // already finished or aborted
      }
      throw tx.error ?? err;
    }
  }

  /** The idb-keyval store, made again after a connection was closed for another tab. */
  #use(): UseStore {
    this.#useStore ??= createStore(this.database, STORE);
    return this.#useStore;
  }

  /**
   * Closes the connection when another tab deletes or upgrades the database: an open connection
   * would otherwise block "Clear site data" and `indexedDB.deleteDatabase` until this page closes.
   * (A database of another library under this name fails before a transaction exists, so its
   * connection stays open until the page closes: choose another `cacheDir` then.)
   */
  #watch(use: UseStore, db: IDBDatabase): void {
    if (this.#watched.has(db)) return;
    this.#watched.add(db);
    db.addEventListener("versionchange", () => {
      db.close();
      if (this.#useStore === use) this.#useStore = undefined;
    });
  }
}

function get(store: IDBObjectStore, key: IDBValidKey): Promise<unknown> {
  return promisifyRequest(store.get(key));
}

/** The id's generation: the database's epoch and the id's own token; undefined without an epoch. */
async function tokenOf(store: IDBObjectStore, id: string): Promise<string | undefined> {
  const [epoch, own] = await Promise.all([get(store, EPOCH), get(store, generationKey(id))]);
  if (typeof epoch !== "string") return undefined;
  return `${epoch}/${typeof own === "string" ? own : "0"}`;
}

async function ensureEpoch(store: IDBObjectStore): Promise<void> {
  if (typeof (await get(store, EPOCH)) !== "string") store.put(randomToken(), EPOCH);
}

/** 128 random bits as hex: works outside secure contexts too, unlike `crypto.randomUUID`. */
function randomToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}

function versionOf(value: unknown): string | undefined {
  return typeof value === "object" &&
    value !== null &&
    "version" in value &&
    typeof value.version === "string"
    ? value.version
    : undefined;
}

function isStoredRecord(value: unknown, id: string): value is StoredRecord {
  if (versionOf(value) === undefined) return false;
  const record = (value as { record?: Partial<CacheRecord> }).record;
  return (
    typeof record === "object" &&
    record !== null &&
    record.id === id &&
    typeof record.uri === "string" &&
    typeof record.sha256 === "string" &&
    Number.isInteger(record.size) &&
    typeof record.validatedAt === "number" &&
    typeof record.storedAt === "number" &&
    typeof record.modifiedTime === "number"
  );
}

function isStoredBytes(value: unknown): value is StoredBytes {
  return versionOf(value) !== undefined && (value as { data?: unknown }).data instanceof Uint8Array;
}
