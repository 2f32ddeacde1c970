/**
 * The header of an fs cache entry file: "ASC2", the header's length (uint32 little-endian), then
 * JSON (the record, the entry's state and the fill that wrote it) padded with spaces to a multiple of
 * 512 bytes, so a renewed or committed header is rewritten in place. The bytes follow.
 */
import type { CacheRecord } from "../core/cache/storage.js";

const MAGIC = 0x32435341;
const PREFIX = 8;
const HEADER_BLOCK = 512;

/** Whether readers may use an entry yet; both words have one length, so a commit rewrites in place. */
export type EntryState = "pending" | "current";

/** What an entry file's header holds. */
export interface Header {
  state: EntryState;
  /** A random token naming the fill that wrote the file, so a commit touches its own file only. */
  fill: string;
  record: CacheRecord;
}

/** The header's bytes, `dataStart` long: the entry's bytes follow it. */
export function encodeHeader(header: Header): Uint8Array {
  // The state comes first and has a fixed length, so committing changes no other byte.
  const json = new TextEncoder().encode(
    JSON.stringify({ state: header.state, fill: header.fill, record: header.record }),
  );
  const length = Math.ceil((PREFIX + json.length + 1) / HEADER_BLOCK) * HEADER_BLOCK;
  // Padding with spaces keeps the header valid JSON whatever its block size.
  const bytes = new Uint8Array(length).fill(0x20);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, MAGIC, true);
  view.setUint32(4, length - PREFIX, true);
  bytes.set(json, PREFIX);
  return bytes;
}

/** The header at the start of `bytes` and where the data starts; undefined when not a whole header. */
export function decodeHeader(bytes: Uint8Array): { header: Header; dataStart: number } | undefined {
  if (bytes.length < PREFIX) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0, true) !== MAGIC) return undefined;
  const dataStart = PREFIX + view.getUint32(4, true);
  if (dataStart > bytes.length) return undefined;
  try {
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(PREFIX, dataStart))) as Header;
    const record = header.record as CacheRecord | undefined;
    if (
      (header.state !== "pending" && header.state !== "current") ||
      typeof header.fill !== "string" ||
      typeof record?.id !== "string" ||
      typeof record.uri !== "string" ||
      typeof record.sha256 !== "string" ||
      !Number.isInteger(record.size)
    ) {
      return undefined;
    }
    return { header, dataStart };
  } catch {
    return undefined;
  }
}
