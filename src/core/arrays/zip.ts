/**
 * Zip archives as `.npz` uses them: members stored or deflated, Zip64 records (NumPy writes them),
 * read defensively. Every size comes from the central directory and is checked before anything is
 * allocated: against the bytes actually present, against the most deflate can expand (1032:1), and
 * against a total cap; inflating stops as soon as a member outgrows its declared size.
 */
import { Inflate, zipSync } from "fflate";
import { DEFAULT_MAX_INFLATED_BYTES, MAX_DEFLATE_RATIO, type ZipLimits } from "./limits.js";

export type { ZipLimits };

// Input is fed to the inflater in slices, so one call never produces more than ~1032 × this.
const INFLATE_SLICE = 16 * 1024;

interface Entry {
  name: string;
  method: number;
  flags: number;
  crc: number;
  compressedSize: number;
  size: number;
  localOffset: number;
}

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

function u64(view: DataView, offset: number): number {
  const value = view.getBigUint64(offset, true);
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error("zip: a 64-bit size is out of range");
  return Number(value);
}

function bounds(view: DataView, offset: number, length: number, what: string): void {
  if (offset < 0 || offset + length > view.byteLength) throw new Error(`zip: truncated ${what}`);
}

/** Lists the central directory's entries, checking every offset against the archive's length. */
function listEntries(bytes: Uint8Array): Entry[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let eocd = -1;
  // The end record is 22 bytes plus a comment of at most 65535 bytes.
  for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 22 - 0xffff); i--) {
    if (view.getUint32(i, true) === EOCD) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error("not a zip archive (no end of central directory record)");
  let count = view.getUint16(eocd + 10, true);
  let cdSize = view.getUint32(eocd + 12, true);
  let cdOffset = view.getUint32(eocd + 16, true);
  if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
    const locator = eocd - 20;
    if (locator >= 0 && view.getUint32(locator, true) === ZIP64_LOCATOR) {
      const record = u64(view, locator + 8);
      bounds(view, record, 56, "zip64 end record");
      if (view.getUint32(record, true) !== ZIP64_EOCD) throw new Error("zip: bad zip64 end record");
      count = u64(view, record + 32);
      cdSize = u64(view, record + 40);
      cdOffset = u64(view, record + 48);
    }
  }
  bounds(view, cdOffset, cdSize, "central directory");
  // Each central record takes at least 46 bytes: the count cannot exceed what the bytes hold.
  if (count * 46 > cdSize) throw new Error(`zip: ${count} entries cannot fit in ${cdSize} bytes`);
  const entries: Entry[] = [];
  let p = cdOffset;
  for (let n = 0; n < count; n++) {
    bounds(view, p, 46, "central directory entry");
    if (view.getUint32(p, true) !== CENTRAL) throw new Error("zip: bad central directory entry");
    const flags = view.getUint16(p + 8, true);
    const method = view.getUint16(p + 10, true);
    const crc = view.getUint32(p + 16, true);
    let compressedSize = view.getUint32(p + 20, true);
    let size = view.getUint32(p + 24, true);
    const nameLength = view.getUint16(p + 28, true);
    const extraLength = view.getUint16(p + 30, true);
    const commentLength = view.getUint16(p + 32, true);
    let localOffset = view.getUint32(p + 42, true);
    bounds(view, p + 46, nameLength + extraLength, "central directory entry");
    const nameBytes = bytes.subarray(p + 46, p + 46 + nameLength);
    // Bit 11: the name is UTF-8; otherwise CP437, whose ASCII range is all NumPy writes.
    const name = new TextDecoder(flags & 0x800 ? "utf-8" : "latin1").decode(nameBytes);
    // Zip64 extra field: the 64-bit values of the fields that hold 0xFFFFFFFF, in this order.
    for (let e = p + 46 + nameLength; e + 4 <= p + 46 + nameLength + extraLength; ) {
      const id = view.getUint16(e, true);
      const length = view.getUint16(e + 2, true);
      if (id === 0x0001) {
        let q = e + 4;
        const take = () => {
          bounds(view, q, 8, "zip64 extra field");
          const value = u64(view, q);
          q += 8;
          return value;
        };
        if (size === 0xffffffff) size = take();
        if (compressedSize === 0xffffffff) compressedSize = take();
        if (localOffset === 0xffffffff) localOffset = take();
      }
      e += 4 + length;
    }
    entries.push({ name, method, flags, crc, compressedSize, size, localOffset });
    p += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

/**
 * Reads every file of an archive (not folders), bounded as the module comment says. Stored members
 * are views of `bytes`.
 */
export function readZip(bytes: Uint8Array, limits: ZipLimits = {}): Map<string, Uint8Array> {
  const maxBytes = limits.maxBytes ?? DEFAULT_MAX_INFLATED_BYTES;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const entries = listEntries(bytes).filter((e) => !e.name.endsWith("/"));
  let total = 0;
  const located: Array<Entry & { dataOffset: number }> = [];
  for (const entry of entries) {
    const where = `zip member '${entry.name}'`;
    if (entry.flags & 0x1) throw new Error(`${where} is encrypted`);
    if (entry.method !== 0 && entry.method !== 8) {
      throw new Error(`${where} uses compression method ${entry.method}; only stored and deflate are read`);
    }
    bounds(view, entry.localOffset, 30, `${where} header`);
    if (view.getUint32(entry.localOffset, true) !== LOCAL) throw new Error(`${where}: bad local header`);
    const dataOffset =
      entry.localOffset +
      30 +
      view.getUint16(entry.localOffset + 26, true) +
      view.getUint16(entry.localOffset + 28, true);
    bounds(view, dataOffset, entry.compressedSize, where);
    if (entry.method === 0 && entry.size !== entry.compressedSize) {
      throw new Error(`${where} is stored, yet its sizes differ (${entry.compressedSize} vs ${entry.size})`);
    }
    if (entry.method === 8 && entry.size > entry.compressedSize * MAX_DEFLATE_RATIO + 64) {
      throw new Error(
        `${where} claims ${entry.size} bytes from ${entry.compressedSize} compressed, more than deflate can produce`,
      );
    }
    total += entry.size;
    if (total > maxBytes) {
      throw new Error(`the archive expands to over ${maxBytes} bytes, the limit (a zip bomb?)`);
    }
    located.push({ ...entry, dataOffset });
  }
  const files = new Map<string, Uint8Array>();
  for (const entry of located) {
    const input = bytes.subarray(entry.dataOffset, entry.dataOffset + entry.compressedSize);
    // A stored member stays a view of the archive: decoders copy what they keep.
    const data = entry.method === 0 ? input : inflateBounded(input, entry.size, entry.name);
    if (crc32(data) !== entry.crc) throw new Error(`zip member '${entry.name}' fails its CRC-32 check`);
    files.set(entry.name, data);
  }
  return files;
}

/** Inflates a raw deflate stream that must produce exactly `size` bytes; stops early otherwise. */
function inflateBounded(input: Uint8Array, size: number, name: string): Uint8Array {
  const out = new Uint8Array(size);
  let written = 0;
  let done = false;
  const inflater = new Inflate((chunk, final) => {
    if (written + chunk.length > size) {
      throw new Error(`zip member '${name}' inflates past its declared ${size} bytes (a zip bomb?)`);
    }
    out.set(chunk, written);
    written += chunk.length;
    done = final;
  });
  for (let i = 0; i < input.length; i += INFLATE_SLICE) {
    const end = Math.min(input.length, i + INFLATE_SLICE);
    inflater.push(input.subarray(i, end), end === input.length);
  }
  if (input.length === 0) inflater.push(input, true);
  if (!done || written !== size) {
    throw new Error(`zip member '${name}' inflates to ${written} bytes, not the declared ${size}`);
  }
  return out;
}

let crcTable: Int32Array | undefined;

/** CRC-32 (IEEE), as zip stores it. */
export function crc32(data: Uint8Array): number {
  if (!crcTable) {
    crcTable = new Int32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c;
    }
  }
  const table = crcTable;
  let crc = -1;
  for (let i = 0; i < data.length; i++)
    crc = (table[(crc ^ (data[i] as number)) & 0xff] as number) ^ (crc >>> 8);
  return (crc ^ -1) >>> 0;
}

// A fixed timestamp makes the same arrays produce the same bytes (stable ETags, cache hits).
const EPOCH = new Date(1980, 0, 1);

/** Writes an archive; `deflate` compresses each member (as `numpy.savez_compressed` does). */
export function writeZip(files: ReadonlyMap<string, Uint8Array>, deflate: boolean): Uint8Array {
  const input: Record<string, [Uint8Array, { level: 0 | 6 }]> = {};
  for (const [name, data] of files) input[name] = [data, { level: deflate ? 6 : 0 }];
  return zipSync(input, { mtime: EPOCH });
}
