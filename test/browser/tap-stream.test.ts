/**
 * `tapStream` in Chromium, where a Blob's stream is a byte stream: its bytes pass unchanged and
 * counted whether the consumer reads with its own buffer (BYOB, as S3 multipart does) or not, and a
 * Blob uploaded to the memory backend through AutoPath keeps its bytes.
 */
import { describe, expect, it } from "vitest";
import { AutoPath, AutoStore, MemoryBackend } from "../../src/browser/index.js";
import { tapStream } from "../../src/core/tap-stream.js";

function pattern(size: number): Uint8Array<ArrayBuffer> {
  const data = new Uint8Array(size);
  for (let i = 0; i < size; i++) data[i] = (i * 31 + (i >> 9)) & 255;
  return data;
}

/** Byte equality without a deep comparison per element (slow for megabytes). */
function same(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

describe("tapStream in Chromium", () => {
  it("passes a Blob's bytes counted, to a default reader and to a BYOB reader", async () => {
    const data = pattern(700_000);
    let counted = 0;
    const chunks: Uint8Array[] = [];
    const tapped = tapStream(new Blob([data]).stream(), {
      maxChunk: 100_000,
      onChunk: (n) => {
        counted += n;
      },
    });
    const reader = tapped.getReader();
    for (;;) {
      const next = await reader.read();
      if (next.done) break;
      expect(next.value.length).toBeLessThanOrEqual(100_000);
      chunks.push(next.value);
    }
    const joined = new Uint8Array(counted);
    let at = 0;
    for (const c of chunks) {
      joined.set(c, at);
      at += c.length;
    }
    expect(counted).toBe(data.length);
    expect(same(joined, data)).toBe(true);

    // Chromium's Blob stream is a byte stream, and the tap keeps it one.
    const byob = tapStream(new Blob([data]).stream(), { maxChunk: 100_000 }).getReader({ mode: "byob" });
    let buffer = new ArrayBuffer(data.length);
    let filled = 0;
    for (;;) {
      const next = await byob.read(new Uint8Array(buffer, filled, buffer.byteLength - filled || 1));
      if (next.value === undefined) throw new Error("cancelled");
      buffer = next.value.buffer;
      if (next.done || next.value.byteLength === 0) break;
      filled += next.value.byteLength;
      if (filled === data.length) break;
    }
    expect(same(new Uint8Array(buffer), data)).toBe(true);
  });

  it("uploads a Blob through AutoPath with its bytes and a final progress event", async () => {
    const name = `tap-${crypto.randomUUID()}`;
    const store = new AutoStore(`memory://${name}`);
    const data = pattern(3_000_000);
    const events: number[] = [];
    const path = new AutoPath(`memory://${name}/blob.bin`, { store });
    await path.uploadFrom(new Blob([data]), { onProgress: (p) => void events.push(p.loaded) });
    expect(same(await path.readBytes(), data)).toBe(true);
    expect(events.at(-1)).toBe(data.length);
    MemoryBackend.drop(name);
  });
});
