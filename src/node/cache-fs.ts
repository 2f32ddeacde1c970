/**
 * The Node cache storage: one file per cached object under `cacheDir` (default: the user's cache
 * folder), holding a small header (the record, JSON, padded) and then the bytes. An entry is written
 * whole to a temporary file and renamed into place, so record and bytes always belong together, and
 * a hit costs what reading one file costs.
 *
 * Every read checks the file's size against the record; the SHA-256 of the bytes is checked the first
 * time this process reads a version of the file, and again whenever the file changes (its inode, size,
 * modification or change time moves: no write through the file system keeps the change time). A
 * truncated or overwritten entry is removed and reported missing, so the caller fetches the object
 * again. Corruption that no write explains (a failing disk) after the first check is not caught.
 */
import { createHash, randomBytes } from "node:crypto";
import type { Stats } from "node:fs";
import * as fs from "node:fs/promises";
import * as path from "node:path";
import envPaths from "env-paths";
import type { CacheEntry, CacheRecord, CacheStorage } from "../core/cache/storage.js";
import { fdClose, fdOpen, fdRead, fdStat } from "./fd.js";

// "ASC1", then the header's length (uint32 little-endian), then the header, then the bytes.
const MAGIC = 0x31435341;
const PREFIX = 8;
// Headers are padded to a multiple of this, so a renewed record (a 304) fits in place.
const HEADER_BLOCK = 512;
const FIRST_READ = 64 * 1024;
const CHUNK = 8 * 1024 * 1024;

/** The default cache folder: the user's cache folder for autostore-js (e.g. ~/.cache/autostore-js). */
export function defaultCacheDir(): string {
  return envPaths("autostore-js", { suffix: "" }).cache;
}

/** Cached objects as files in a folder. */
export class FsCacheStorage implements CacheStorage {
  readonly directory: string;
  // Files whose bytes this process checked, by path: the stat stamp of the version checked.
  readonly #verified = new Map<string, string>();

  constructor(directory: string = defaultCacheDir()) {
    this.directory = path.resolve(directory);
  }

  async read(uri: string): Promise<CacheEntry | undefined> {
    const file = this.#path(uri);
    const entry = await this.#readEntry(file, uri, true);
    if (entry === "corrupt") {
      await this.delete(uri);
      return undefined;
    }
    return entry;
  }

  async readRecord(uri: string): Promise<CacheRecord | undefined> {
    const entry = await this.#readEntry(this.#path(uri), uri, false);
    return entry === "corrupt" ? undefined : entry?.record;
  }

  async write(record: CacheRecord, data: Uint8Array): Promise<void> {
    const file = this.#path(record.uri);
    await fs.mkdir(path.dirname(file), { recursive: true });
    const temp = `${file}.${randomBytes(6).toString("hex")}.tmp`;
    try {
      const handle = await fs.open(temp, "wx");
      try {
        await handle.writev([encodeHeader(record), data]);
      } finally {
        await handle.close();
      }
      await fs.rename(temp, file);
    } catch (err) {
      await fs.rm(temp, { force: true });
      throw err;
    }
    // What we wrote is what the record says: no need to hash it again on the next read.
    this.#verified.set(file, stamp(await fs.stat(file)));
  }

  async updateRecord(record: CacheRecord): Promise<void> {
    const file = this.#path(record.uri);
    let handle: fs.FileHandle;
    try {
      handle = await fs.open(file, "r+");
    } catch {
      return; // the entry is gone: nothing to renew
    }
    try {
      const prefix = new Uint8Array(PREFIX);
      await handle.read(prefix, 0, PREFIX, 0);
      const view = new DataView(prefix.buffer);
      const header = encodeHeader(record);
      // The bytes do not change on a renewal: rewrite the header in place when it fits its block.
      if (view.getUint32(0, true) === MAGIC && view.getUint32(4, true) + PREFIX === header.length) {
        const wasVerified = this.#verified.get(file) === stamp(await handle.stat());
        await handle.write(header, 0, header.length, 0);
        if (wasVerified) this.#verified.set(file, stamp(await handle.stat()));
        return;
      }
    } finally {
      await handle.close();
    }
    // The header grew past its block: the entry must be rewritten whole, so drop it instead.
    await this.delete(record.uri);
  }

  async delete(uri: string): Promise<void> {
    const file = this.#path(uri);
    this.#verified.delete(file);
    await fs.rm(file, { force: true });
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
        if (!name.endsWith(".entry")) continue;
        const entry = await this.#readEntry(path.join(this.directory, shard, name), undefined, false);
        if (entry && entry !== "corrupt") yield entry.record;
      }
    }
  }

  #path(uri: string): string {
    const id = createHash("sha256").update(uri).digest("hex");
    return path.join(this.directory, id.slice(0, 2), `${id}.entry`);
  }

  /**
   * Reads an entry file: its record, and with `withData` its bytes, checked. Undefined when there is
   * no file; "corrupt" when the file is not a whole entry for `uri` (or does not match its record).
   */
  async #readEntry(
    file: string,
    uri: string | undefined,
    withData: boolean,
  ): Promise<CacheEntry | "corrupt" | undefined> {
    let fd: number;
    try {
      fd = await fdOpen(file, "r");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw err;
    }
    try {
      const stat = await fdStat(fd);
      const first = new Uint8Array(Math.min(stat.size, FIRST_READ));
      const { bytesRead } = await fdRead(fd, first, 0, first.length, 0);
      const parsed = decodeHeader(first.subarray(0, bytesRead));
      if (!parsed) return "corrupt";
      const { record, dataStart } = parsed;
      if ((uri !== undefined && record.uri !== uri) || stat.size !== dataStart + record.size)
        return "corrupt";
      if (!withData) return { record, data: new Uint8Array(0) };
      // The bytes get their own array (not a view after the header), as a disk read would give.
      const data = new Uint8Array(record.size);
      const inFirst = Math.max(0, Math.min(bytesRead - dataStart, record.size));
      data.set(first.subarray(dataStart, dataStart + inFirst));
      const known = this.#verified.get(file) === stamp(stat);
      const hash = known ? undefined : createHash("sha256").update(data.subarray(0, inFirst));
      // A checked version is read in one call; otherwise each chunk is hashed while the next is read.
      const chunk = known ? data.length : CHUNK;
      const readFrom = (at: number) =>
        fdRead(fd, data, at, Math.min(chunk, data.length - at), dataStart + at).then((r) => r.bytesRead);
      let offset = inFirst;
      let pending = offset < data.length ? readFrom(offset) : undefined;
      while (pending) {
        const read = await pending;
        if (read === 0) return "corrupt";
        const start = offset;
        offset += read;
        pending = offset < data.length ? readFrom(offset) : undefined;
        hash?.update(data.subarray(start, offset));
      }
      if (hash) {
        if (hash.digest("hex") !== record.sha256) return "corrupt";
        this.#verified.set(file, stamp(stat));
      }
      return { record, data };
    } finally {
      await fdClose(fd);
    }
  }
}

/** Identifies one version of a file: any write, truncation, replacement or `utimes` changes it. */
function stamp(stat: Stats): string {
  return `${stat.ino}:${stat.size}:${stat.mtimeMs}:${stat.ctimeMs}`;
}

function encodeHeader(record: CacheRecord): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(record));
  const length = Math.ceil((PREFIX + json.length + 1) / HEADER_BLOCK) * HEADER_BLOCK;
  // Padding with spaces keeps the header valid JSON whatever its block size.
  const header = new Uint8Array(length).fill(0x20);
  const view = new DataView(header.buffer);
  view.setUint32(0, MAGIC, true);
  view.setUint32(4, length - PREFIX, true);
  header.set(json, PREFIX);
  return header;
}

function decodeHeader(bytes: Uint8Array): { record: CacheRecord; dataStart: number } | undefined {
  if (bytes.length < PREFIX) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0, true) !== MAGIC) return undefined;
  const dataStart = PREFIX + view.getUint32(4, true);
  if (dataStart > bytes.length) return undefined;
  try {
    const record = JSON.parse(new TextDecoder().decode(bytes.subarray(PREFIX, dataStart))) as CacheRecord;
    if (
      typeof record.uri !== "string" ||
      typeof record.sha256 !== "string" ||
      !Number.isInteger(record.size)
    ) {
      return undefined;
    }
    return { record, dataStart };
  } catch {
    return undefined;
  }
}
