/**
 * The Node cache storage: one data file and one record (JSON) per cached object, under `cacheDir`
 * (default: the user's cache folder). Both are written atomically (temporary file, then rename), and
 * every read checks the data's size and SHA-256 against the record: a truncated or overwritten entry
 * is removed and reported missing, so the caller fetches the object again.
 */
import { createHash, randomBytes } from "node:crypto";
import * as fs from "node:fs/promises";
import * as path from "node:path";
import envPaths from "env-paths";
import type { CacheEntry, CacheRecord, CacheStorage } from "../core/cache/storage.js";

const CHUNK = 8 * 1024 * 1024;

/** The default cache folder: the user's cache folder for autostore-js (e.g. ~/.cache/autostore-js). */
export function defaultCacheDir(): string {
  return envPaths("autostore-js", { suffix: "" }).cache;
}

/** Cached objects as files in a folder. */
export class FsCacheStorage implements CacheStorage {
  readonly directory: string;

  constructor(directory: string = defaultCacheDir()) {
    this.directory = path.resolve(directory);
  }

  async read(uri: string): Promise<CacheEntry | undefined> {
    const record = await this.readRecord(uri);
    if (!record) return undefined;
    const data = await this.#readVerified(this.#paths(uri).data, record);
    if (data) return { record, data };
    await this.delete(uri);
    return undefined;
  }

  async readRecord(uri: string): Promise<CacheRecord | undefined> {
    let text: string;
    try {
      text = await fs.readFile(this.#paths(uri).record, "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw err;
    }
    try {
      const record = JSON.parse(text) as CacheRecord;
      // A record for another URI would be a hash collision or a hand-edited file: not ours to serve.
      return record.uri === uri && typeof record.sha256 === "string" ? record : undefined;
    } catch {
      return undefined; // a corrupt record is a missing entry; the next write replaces it
    }
  }

  async write(record: CacheRecord, data: Uint8Array): Promise<void> {
    const paths = this.#paths(record.uri);
    await fs.mkdir(path.dirname(paths.data), { recursive: true });
    // Data first, record last: a record always describes complete data (or the read's check fails).
    await atomicWrite(paths.data, data);
    await atomicWrite(paths.record, JSON.stringify(record));
  }

  async updateRecord(record: CacheRecord): Promise<void> {
    const paths = this.#paths(record.uri);
    await fs.mkdir(path.dirname(paths.record), { recursive: true });
    await atomicWrite(paths.record, JSON.stringify(record));
  }

  async delete(uri: string): Promise<void> {
    const paths = this.#paths(uri);
    await fs.rm(paths.record, { force: true });
    await fs.rm(paths.data, { force: true });
  }

  async *records(): AsyncIterable<CacheRecord> {
    let shards: string[];
    try {
      shards = await fs.readdir(this.directory);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return;
      throw err;
    }
    for (const shard of shards.sort()) {
      if (!/^[0-9a-f]{2}$/.test(shard)) continue;
      let names: string[];
      try {
        names = await fs.readdir(path.join(this.directory, shard));
      } catch {
        continue;
      }
      for (const name of names.sort()) {
        if (!name.endsWith(".json")) continue;
        try {
          yield JSON.parse(await fs.readFile(path.join(this.directory, shard, name), "utf8")) as CacheRecord;
        } catch {
          // removed meanwhile, or unreadable: not an entry
        }
      }
    }
  }

  #paths(uri: string): { data: string; record: string } {
    const id = createHash("sha256").update(uri).digest("hex");
    const base = path.join(this.directory, id.slice(0, 2), id);
    return { data: `${base}.data`, record: `${base}.json` };
  }

  /**
   * Reads the data file and checks it against the record. The hash of each chunk is computed while
   * the next one is read, so checking costs little more than reading.
   */
  async #readVerified(file: string, record: CacheRecord): Promise<Uint8Array | undefined> {
    let handle: fs.FileHandle;
    try {
      handle = await fs.open(file, "r");
    } catch {
      return undefined;
    }
    try {
      const { size } = await handle.stat();
      if (size !== record.size) return undefined;
      const data = new Uint8Array(size);
      const hash = createHash("sha256");
      let offset = 0;
      let pending = size > 0 ? handle.read(data, 0, Math.min(CHUNK, size), 0) : undefined;
      while (pending) {
        const { bytesRead } = await pending;
        if (bytesRead === 0) return undefined;
        const start = offset;
        offset += bytesRead;
        pending =
          offset < size ? handle.read(data, offset, Math.min(CHUNK, size - offset), offset) : undefined;
        hash.update(data.subarray(start, offset));
      }
      return hash.digest("hex") === record.sha256 ? data : undefined;
    } finally {
      await handle.close();
    }
  }
}

async function atomicWrite(file: string, data: Uint8Array | string): Promise<void> {
  const temp = `${file}.${randomBytes(6).toString("hex")}.tmp`;
  try {
    await fs.writeFile(temp, data);
    await fs.rename(temp, file);
  } catch (err) {
    await fs.rm(temp, { force: true });
    throw err;
  }
}
