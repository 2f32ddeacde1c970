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
 *
 * Invalidation across processes, with no lock: each id hashes to one of 4,096 generation files
 * (`generations/abc`), each holding a random token that an invalidation replaces (write, rename).
 * A fill renames its entry into place marked `pending`, which readers treat as missing, then reads
 * the generation again and marks the entry `current` (a header rewrite in place) only if it is still
 * the one read before the download. An invalidation replaces the token before it removes the entry,
 * so either the fill sees the new token and never commits, or it committed before the removal and
 * the removal takes it: no reader that starts after `invalidate` returns sees the older bytes. Two
 * ids in one slot only cost each other a commit now and then.
 */
import { createHash, randomBytes } from "node:crypto";
import type { Stats } from "node:fs";
import * as fs from "node:fs/promises";
import * as path from "node:path";
import envPaths from "env-paths";
import type { CacheEntry, CacheRecord, CacheStorage } from "../core/cache/storage.js";
import { decodeHeader, encodeHeader, type Header } from "./cache-fs-header.js";
import { fdClose, fdOpen, fdRead, fdStat } from "./fd.js";

const FIRST_READ = 64 * 1024;
const CHUNK = 8 * 1024 * 1024;
const GENERATIONS = "generations";

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

  async read(id: string): Promise<CacheEntry | undefined> {
    const file = this.#path(id);
    const entry = await this.#readEntry(file, id, true);
    if (entry === "corrupt") {
      await this.#remove(file);
      return undefined;
    }
    return entry?.state === "current" ? { record: entry.record, data: entry.data } : undefined;
  }

  async readRecord(id: string): Promise<CacheRecord | undefined> {
    const entry = await this.#readEntry(this.#path(id), id, false);
    return entry !== "corrupt" && entry?.state === "current" ? entry.record : undefined;
  }

  async generation(id: string): Promise<string> {
    try {
      return await fs.readFile(this.#slot(id), "utf8");
    } catch (err) {
      // No invalidation yet in this slot; once written, a slot file is never removed.
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return "";
      throw err;
    }
  }

  async write(record: CacheRecord, data: Uint8Array, since: string): Promise<boolean> {
    const file = this.#path(record.id);
    const fill = randomBytes(8).toString("hex");
    await writeAtomically(file, [encodeHeader({ state: "pending", fill, record }), data]);
    if ((await this.generation(record.id)) !== since) {
      await this.#removeFill(file, fill);
      return false;
    }
    return this.#rewriteHeader(file, (header) =>
      header.fill === fill && header.state === "pending" ? { ...header, state: "current" } : undefined,
    );
  }

  async updateRecord(record: CacheRecord): Promise<void> {
    await this.#rewriteHeader(this.#path(record.id), (header) => {
      const old = header.record;
      const same =
        header.state === "current" &&
        old.id === record.id &&
        old.sha256 === record.sha256 &&
        old.size === record.size &&
        old.etag === record.etag;
      return same ? { ...header, record } : undefined;
    });
  }

  async invalidate(id: string): Promise<void> {
    const token = `${Date.now().toString(36)}-${randomBytes(12).toString("hex")}`;
    await writeAtomically(this.#slot(id), [new TextEncoder().encode(token)]);
    await this.delete(id);
  }

  async delete(id: string): Promise<void> {
    await this.#remove(this.#path(id));
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
        const file = path.join(this.directory, shard, name);
        const entry = await this.#readEntry(file, undefined, false);
        // Entries of an earlier layout, or damaged ones, would otherwise hold space for ever.
        if (entry === "corrupt") await this.#remove(file);
        else if (entry?.state === "current") yield entry.record;
      }
    }
  }

  #path(id: string): string {
    const hash = createHash("sha256").update(id).digest("hex");
    return path.join(this.directory, hash.slice(0, 2), `${hash}.entry`);
  }

  #slot(id: string): string {
    const hash = createHash("sha256").update(id).digest("hex");
    return path.join(this.directory, GENERATIONS, hash.slice(0, 3));
  }

  async #remove(file: string): Promise<void> {
    this.#verified.delete(file);
    await fs.rm(file, { force: true });
  }

  /** Removes a fill's own uncommitted file (a later fill may have replaced it: then it stays). */
  async #removeFill(file: string, fill: string): Promise<void> {
    const entry = await this.#readEntry(file, undefined, false);
    if (entry !== "corrupt" && entry?.fill === fill) await this.#remove(file);
  }

  /**
   * Rewrites an entry's header in place when `change` returns a new one of the same length (padding
   * makes that the rule); a header that outgrew its block drops the entry. True when rewritten.
   */
  async #rewriteHeader(file: string, change: (header: Header) => Header | undefined): Promise<boolean> {
    let handle: fs.FileHandle;
    try {
      handle = await fs.open(file, "r+");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return false; // gone: nothing to change
      throw err;
    }
    let outgrown = false;
    try {
      const before = await handle.stat();
      const first = new Uint8Array(Math.min(before.size, FIRST_READ));
      const { bytesRead } = await handle.read(first, 0, first.length, 0);
      const parsed = decodeHeader(first.subarray(0, bytesRead));
      if (!parsed) return false;
      const next = change(parsed.header);
      if (!next) return false;
      const encoded = encodeHeader(next);
      if (encoded.length !== parsed.dataStart) {
        outgrown = true;
        return false;
      }
      // The bytes do not change: a file this process had checked stays checked.
      const wasVerified = this.#verified.get(file) === stamp(before);
      await handle.write(encoded, 0, encoded.length, 0);
      if (wasVerified || next.state !== parsed.header.state)
        this.#verified.set(file, stamp(await handle.stat()));
      return true;
    } finally {
      await handle.close();
      if (outgrown) await this.#remove(file);
    }
  }
  /**
   * Reads an entry file: its header, and with `withData` its bytes, checked. Undefined when there is
   * no file; "corrupt" when the file is not a whole entry for `id` (or does not match its record).
   */
  async #readEntry(
    file: string,
    id: string | undefined,
    withData: boolean,
  ): Promise<(Header & { data: Uint8Array }) | "corrupt" | undefined> {
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
      const { header, dataStart } = parsed;
      const { record } = header;
      if ((id !== undefined && record.id !== id) || stat.size !== dataStart + record.size) return "corrupt";
      if (!withData || header.state !== "current") return { ...header, data: new Uint8Array(0) };
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
      return { ...header, data };
    } finally {
      await fdClose(fd);
    }
  }
}

/** Writes a file whole under a temporary name, then renames it into place (creating its folder). */
async function writeAtomically(file: string, parts: Uint8Array[]): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  const temp = `${file}.${randomBytes(6).toString("hex")}.tmp`;
  try {
    const handle = await fs.open(temp, "wx");
    try {
      await handle.writev(parts);
    } finally {
      await handle.close();
    }
    await fs.rename(temp, file);
  } catch (err) {
    await fs.rm(temp, { force: true });
    throw err;
  }
}

/** Identifies one version of a file: any write, truncation, replacement or `utimes` changes it. */
function stamp(stat: Stats): string {
  return `${stat.ino}:${stat.size}:${stat.mtimeMs}:${stat.ctimeMs}`;
}
