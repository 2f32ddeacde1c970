/**
 * `tapStream`: chunks pass unchanged and counted, and a byte source stays one, so a BYOB reader's
 * own buffer is filled by the source through any number of taps (no chunk allocated per read). The
 * byte source here is the real local file stream that uploads use.
 */
import { mkdtemp, open, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tapStream } from "../../src/core/tap-stream.js";
import { fileStream } from "../../src/node/file-stream.js";

let dir = "";
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "autostore-tap-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A plain (not byte) stream of the given chunks. */
function chunked(chunks: Uint8Array[]): ReadableStream<Uint8Array> {
  let i = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      const next = chunks[i++];
      if (next === undefined) controller.close();
      else controller.enqueue(next);
    },
  });
}

/** Reads everything into one buffer of `size` bytes with a BYOB reader, `ask` bytes per read at most. */
async function readInto(
  stream: ReadableStream<Uint8Array>,
  size: number,
  ask: number,
): Promise<{ bytes: Uint8Array; filled: number; foreign: number }> {
  const reader = stream.getReader({ mode: "byob" });
  let buffer = new ArrayBuffer(size);
  let filled = 0;
  // Reads whose answer is not a view of the buffer handed in (a chunk made elsewhere).
  let foreign = 0;
  for (;;) {
    const length = Math.max(1, Math.min(ask, size - filled));
    const next = await reader.read(new Uint8Array(buffer, filled, length));
    if (next.value === undefined) throw new Error("cancelled");
    if (next.value.buffer.byteLength !== size || next.value.byteOffset !== filled) foreign++;
    buffer = next.value.buffer;
    if (next.done) break;
    filled += next.value.byteLength;
  }
  return { bytes: new Uint8Array(buffer, 0, filled), filled, foreign };
}

describe("tapStream", () => {
  it("passes a plain stream's bytes unchanged, counted, in pieces of at most maxChunk", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.uint8Array({ minLength: 0, maxLength: 300 }), { maxLength: 12 }),
        fc.integer({ min: 1, max: 200 }),
        async (chunks, maxChunk) => {
          let counted = 0;
          const seen: Uint8Array[] = [];
          const tapped = tapStream(chunked(chunks), {
            maxChunk,
            onChunk: (n) => {
              counted += n;
            },
          });
          for await (const chunk of tapped as unknown as AsyncIterable<Uint8Array>) {
            expect(chunk.length).toBeLessThanOrEqual(maxChunk);
            seen.push(chunk);
          }
          const expected = Buffer.concat(chunks);
          expect(Buffer.concat(seen).equals(expected)).toBe(true);
          expect(counted).toBe(expected.length);
        },
      ),
      { numRuns: 60 },
    );
  });

  it("keeps a local file a byte stream through two taps: a BYOB reader's buffer is filled in place", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 200_000 }),
        fc.integer({ min: 1_000, max: 100_000 }),
        fc.integer({ min: 500, max: 70_000 }),
        async (size, ask, maxChunk) => {
          const data = new Uint8Array(size);
          for (let i = 0; i < size; i++) data[i] = (i * 7 + (i >> 8)) & 255;
          const file = join(dir, `f-${size}-${ask}-${maxChunk}.bin`);
          await writeFile(file, data);
          let counted = 0;
          const tapped = tapStream(
            tapStream(
              fileStream(() => open(file, "r")),
              { maxChunk },
            ),
            {
              onChunk: (n) => {
                counted += n;
              },
            },
          );
          const out = await readInto(tapped, size + 1, ask);
          expect(out.filled).toBe(size);
          expect(Buffer.from(out.bytes).equals(Buffer.from(data))).toBe(true);
          expect(out.foreign).toBe(0);
          expect(counted).toBe(size);
          await rm(file);
        },
      ),
      { numRuns: 15 },
    );
  });

  it("gives a default reader of a tapped file fresh chunks that stay valid", async () => {
    const data = new Uint8Array(200_000).map((_, i) => i & 255);
    const file = join(dir, "default.bin");
    await writeFile(file, data);
    const chunks: Uint8Array[] = [];
    const tapped = tapStream(
      fileStream(() => open(file, "r")),
      { maxChunk: 50_000 },
    );
    for await (const chunk of tapped as unknown as AsyncIterable<Uint8Array>) chunks.push(chunk);
    // Held chunks were not overwritten by later reads.
    expect(Buffer.concat(chunks).equals(Buffer.from(data))).toBe(true);
    expect(new Set(chunks.map((c) => c.buffer)).size).toBe(chunks.length);
  });

  it("fails the next BYOB read with the signal's reason once aborted", async () => {
    const file = join(dir, "abort.bin");
    await writeFile(file, new Uint8Array(1_000_000));
    const controller = new AbortController();
    const reason = new Error("stop");
    const tapped = tapStream(
      fileStream(() => open(file, "r")),
      { signal: controller.signal },
    );
    const reader = tapped.getReader({ mode: "byob" });
    const first = await reader.read(new Uint8Array(1000));
    expect(first.value?.byteLength).toBeGreaterThan(0);
    controller.abort(reason);
    await expect(reader.read(new Uint8Array(1000))).rejects.toBe(reason);
  });
});
