/**
 * Hostile and broken files: each must fail as a DecodeError naming the file and format, in bounded
 * time and memory, and leave the store usable. Sizes in headers are lies until the bytes back them.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { deflateSync, zlibSync } from "fflate";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { crc32 } from "../../src/core/arrays/zip.js";
import { AutoStore, isAutoStoreError, type NdArray, ndarray } from "../../src/node/index.js";
import { tempDir } from "../helpers/tmp.js";

let dir: { path: string; remove: () => Promise<void> };
let store: AutoStore;

beforeAll(async () => {
  dir = await tempDir("autostore-hostile-");
  store = new AutoStore(dir.path);
});
afterAll(async () => {
  await store.close();
  await dir.remove();
});

const MiB = 2 ** 20;

/** Writes `bytes` as `key`, reads it, and checks the failure is a quick, small DecodeError. */
async function expectDecodeError(key: string, bytes: Uint8Array, message?: RegExp): Promise<void> {
  await writeFile(join(dir.path, key), bytes);
  const before = process.memoryUsage().arrayBuffers;
  const error: unknown = await store.get(key).then(
    () => undefined,
    (e: unknown) => e,
  );
  const grown = process.memoryUsage().arrayBuffers - before;
  expect(isAutoStoreError(error, "DECODE_ERROR"), `${key}: ${String(error)}`).toBe(true);
  const decodeError = error as Error & { key?: string; format?: string };
  expect(decodeError.key).toBe(key);
  expect(decodeError.message).toContain(key);
  if (message) expect(decodeError.message, key).toMatch(message);
  // Memory, not time, shows the decoder stopped early: a timed bound flakes on a busy machine.
  expect(grown, key).toBeLessThan(64 * MiB);
}

function npyWithHeader(dict: string, dataBytes = 16, major = 1): Uint8Array {
  const prefix = major === 1 ? 10 : 12;
  const padded = Math.ceil((prefix + dict.length + 1) / 64) * 64 - prefix;
  const out = new Uint8Array(prefix + padded + dataBytes);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, major, 0]);
  const view = new DataView(out.buffer);
  if (major === 1) view.setUint16(8, padded, true);
  else view.setUint32(8, padded, true);
  const text = `${dict}${" ".repeat(padded - dict.length - 1)}\n`;
  for (let i = 0; i < text.length; i++) out[prefix + i] = text.charCodeAt(i);
  return out;
}

async function validNpy(array: NdArray): Promise<Uint8Array> {
  const { encodeNpy } = await import("../../src/core/arrays/npy.js");
  return encodeNpy(array);
}

describe("hostile .npy", () => {
  it("a header that claims 10^12 elements", async () => {
    const bytes = npyWithHeader("{'descr': '<f8', 'fortran_order': False, 'shape': (1000000, 1000000), }");
    await expectDecodeError("huge.npy", bytes, /truncated .npy data.*8000000000000 bytes/);
  });

  it("a shape whose element count overflows", async () => {
    const bytes = npyWithHeader(
      "{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296), }",
    );
    await expectDecodeError("overflow.npy", bytes, /too large/);
  });

  it("truncated data and a truncated header", async () => {
    const bytes = await validNpy(ndarray(new Float64Array(1000)));
    await expectDecodeError("cut-data.npy", bytes.subarray(0, 4000), /truncated/);
    await expectDecodeError("cut-header.npy", bytes.subarray(0, 40), /truncated/);
  });

  it("a version 2 header length of 4 GiB", async () => {
    const bytes = npyWithHeader("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", 16, 2);
    new DataView(bytes.buffer).setUint32(8, 0xffffffff, true);
    await expectDecodeError("long-header.npy", bytes, /truncated .npy header/);
  });

  it("a deeply nested header, an object dtype, a structured dtype, garbage", async () => {
    const nested = `{'descr': ${"[".repeat(5000)}, 'fortran_order': False, 'shape': (1,), }`;
    await expectDecodeError("nested.npy", npyWithHeader(nested), /nesting too deep/);
    const pickled = npyWithHeader("{'descr': '|O', 'fortran_order': False, 'shape': (2,), }");
    await expectDecodeError("objects.npy", pickled, /pickle/);
    const record = npyWithHeader("{'descr': [('a', '<i4')], 'fortran_order': False, 'shape': (2,), }");
    await expectDecodeError("record.npy", record, /structured/);
    const code = npyWithHeader("{'descr': __import__('os'), 'fortran_order': False, 'shape': (2,), }");
    await expectDecodeError("code.npy", code, /bad header/);
    await expectDecodeError("garbage.npy", new TextEncoder().encode("not numpy at all"), /magic/);
  });
});

interface ZipMember {
  name: string;
  /** The member's bytes as stored (already deflated for method 8). */
  stored: Uint8Array;
  method: 0 | 8;
  size: number;
  crc: number;
}

/** A zip archive whose headers say exactly what the test wants them to say. */
function zip(members: ZipMember[], entriesClaimed?: number): Uint8Array {
  const locals: Uint8Array[] = [];
  const centrals: Uint8Array[] = [];
  let offset = 0;
  for (const m of members) {
    const name = new TextEncoder().encode(m.name);
    const local = new Uint8Array(30 + name.length);
    const lv = new DataView(local.buffer);
    lv.setUint32(0, 0x04034b50, true);
    lv.setUint16(8, m.method, true);
    lv.setUint32(14, m.crc, true);
    lv.setUint32(18, m.stored.length, true);
    lv.setUint32(22, m.size, true);
    lv.setUint16(26, name.length, true);
    local.set(name, 30);
    const central = new Uint8Array(46 + name.length);
    const cv = new DataView(central.buffer);
    cv.setUint32(0, 0x02014b50, true);
    cv.setUint16(10, m.method, true);
    cv.setUint32(16, m.crc, true);
    cv.setUint32(20, m.stored.length, true);
    cv.setUint32(24, m.size, true);
    cv.setUint16(28, name.length, true);
    cv.setUint32(42, offset, true);
    central.set(name, 46);
    locals.push(local, m.stored);
    centrals.push(central);
    offset += local.length + m.stored.length;
  }
  const cdSize = centrals.reduce((n, c) => n + c.length, 0);
  const end = new Uint8Array(22);
  const ev = new DataView(end.buffer);
  ev.setUint32(0, 0x06054b50, true);
  ev.setUint16(8, entriesClaimed ?? members.length, true);
  ev.setUint16(10, entriesClaimed ?? members.length, true);
  ev.setUint32(12, cdSize, true);
  ev.setUint32(16, offset, true);
  const parts = [...locals, ...centrals, end];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let p = 0;
  for (const part of parts) {
    out.set(part, p);
    p += part.length;
  }
  return out;
}

describe("hostile .npz", () => {
  const zeros = new Uint8Array(16 * MiB);
  const bomb = deflateSync(zeros, { level: 9 });

  it("a member that inflates far past its declared size (a zip bomb) stops at the declared size", async () => {
    expect(bomb.length).toBeLessThan(64 * 1024);
    const bytes = zip([{ name: "a.npy", stored: bomb, method: 8, size: 1000, crc: 0 }]);
    await expectDecodeError("bomb.npz", bytes, /inflates past its declared 1000 bytes/);
  });

  it("declared sizes over the cap, or beyond what deflate can produce, are refused before inflating", async () => {
    const claimsTooMuch = zip([{ name: "a.npy", stored: bomb, method: 8, size: 0xfffffff0, crc: 0 }]);
    await expectDecodeError("ratio.npz", claimsTooMuch, /more than deflate can produce/);
    // Plausible ratios, but together over the 1 GiB default cap.
    const filler = new Uint8Array(700_000);
    const members: ZipMember[] = [0, 1].map((i) => ({
      name: `${i}.npy`,
      stored: filler,
      method: 8,
      size: 600 * MiB,
      crc: 0,
    }));
    await expectDecodeError("capped.npz", zip(members), /limit/);
  });

  it("an inner .npy claiming 10^12 elements, a CRC mismatch, truncation, lying entry counts", async () => {
    const huge = npyWithHeader("{'descr': '<f8', 'fortran_order': False, 'shape': (1000000, 1000000), }");
    const deflated = deflateSync(huge);
    const inner = zip([{ name: "x.npy", stored: deflated, method: 8, size: huge.length, crc: crc32(huge) }]);
    await expectDecodeError("inner.npz", inner, /member 'x.npy'.*truncated/);

    const good = await validNpy(ndarray(new Int32Array([1, 2, 3])));
    const badCrc = zip([{ name: "x.npy", stored: good, method: 0, size: good.length, crc: crc32(good) ^ 1 }]);
    await expectDecodeError("crc.npz", badCrc, /CRC/);

    const fine = zip([{ name: "x.npy", stored: good, method: 0, size: good.length, crc: crc32(good) }]);
    await writeFile(join(dir.path, "fine.npz"), fine);
    expect((await store.get<Record<string, NdArray>>("fine.npz")).x?.data).toEqual(new Int32Array([1, 2, 3]));
    await expectDecodeError("cut.npz", fine.subarray(0, fine.length - 30), /zip/);
    await expectDecodeError("entries.npz", zip([], 65535), /entries cannot fit/);
    const truncatedStream = zip([
      { name: "x.npy", stored: bomb.subarray(0, 1000), method: 8, size: 16 * MiB, crc: 0 },
    ]);
    await expectDecodeError("stream.npz", truncatedStream);
  });
});

describe("hostile .sparse.npz", () => {
  it("indices outside the shape and a decreasing indptr", async () => {
    const { encodeNpz } = await import("../../src/core/arrays/npz.js");
    const base = {
      format: { data: new TextEncoder().encode("csr"), shape: [], dtype: "|S3" },
      shape: ndarray(new BigInt64Array([2n, 2n])),
      data: ndarray(new Float64Array([1, 2])),
    };
    const outside = encodeNpz({
      ...base,
      indices: ndarray(new Int32Array([0, 7])),
      indptr: ndarray(new Int32Array([0, 1, 2])),
    });
    await expectDecodeError("outside.sparse.npz", outside, /outside 0\.\.1/);
    const decreasing = encodeNpz({
      ...base,
      indices: ndarray(new Int32Array([0, 1])),
      indptr: ndarray(new Int32Array([0, 2, 1])),
    });
    await expectDecodeError("decreasing.sparse.npz", decreasing, /indptr/);
    const unknown = encodeNpz({
      ...base,
      format: { data: new TextEncoder().encode("dia"), shape: [], dtype: "|S3" },
    });
    await expectDecodeError("dia.sparse.npz", unknown, /'dia' is not supported/);
  });
});

function safetensors(header: unknown, data = new Uint8Array(16), length?: bigint): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, length ?? BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

describe("hostile .safetensors", () => {
  it("a header length of 2^60, offsets past the data, a shape of 10^12 elements, truncation, bad JSON", async () => {
    await expectDecodeError("len.safetensors", safetensors({}, undefined, 2n ** 60n), /header length/);
    const past = safetensors({ w: { dtype: "F32", shape: [4], data_offsets: [0, 1 << 30] } });
    await expectDecodeError("past.safetensors", past, /outside 16 data bytes/);
    const huge = safetensors({ w: { dtype: "F64", shape: [1000000, 1000000], data_offsets: [0, 16] } });
    await expectDecodeError("huge.safetensors", huge, /needs 8000000000000 bytes/);
    const ok = safetensors({ w: { dtype: "F32", shape: [4], data_offsets: [0, 16] } });
    expect(
      (
        await (async () => {
          await writeFile(join(dir.path, "ok.safetensors"), ok);
          return store.get<Record<string, NdArray>>("ok.safetensors");
        })()
      ).w?.shape,
    ).toEqual([4]);
    await expectDecodeError("cut.safetensors", ok.subarray(0, ok.length - 20));
    await expectDecodeError("json.safetensors", safetensors("x").fill(0x7b, 8, 11));
    const unknown = safetensors({ w: { dtype: "F128", shape: [1], data_offsets: [0, 16] } });
    await expectDecodeError("dtype.safetensors", unknown, /unsupported dtype/);
  });
});

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

function png(width: number, height: number, colorType: number, idat: Uint8Array): Uint8Array {
  const ihdr = new Uint8Array(13);
  const view = new DataView(ihdr.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  ihdr.set([8, colorType, 0, 0, 0], 8);
  const parts = [
    new Uint8Array([137, 80, 78, 71, 13, 10, 26, 10]),
    chunk("IHDR", ihdr),
    chunk("IDAT", idat),
    chunk("IEND", new Uint8Array(0)),
  ];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let p = 0;
  for (const part of parts) {
    out.set(part, p);
    p += part.length;
  }
  return out;
}

describe("hostile images", () => {
  it("PNGs with lying sizes: over the pixel limit, beyond their compressed data, short data", async () => {
    const tiny = zlibSync(new Uint8Array(100));
    await expectDecodeError("giant.png", png(50_000, 50_000, 6, tiny), /over the limit/);
    await expectDecodeError("liar.png", png(9_000, 9_000, 6, tiny), /more than its \d+ compressed bytes/);
    // Enough compressed bytes to be plausible, yet far fewer pixels inside than the header claims.
    const noise = new Uint8Array(40_000).map((_, i) => (i * 2654435761) >>> 24);
    await expectDecodeError("short.png", png(2_000, 2_000, 6, zlibSync(noise, { level: 0 })), /truncated/);
  });

  it("a PNG whose image data inflates far past its header (a bomb), and a truncated PNG", async () => {
    const bomb = zlibSync(new Uint8Array(16 * MiB), { level: 9 });
    await expectDecodeError("bomb.png", png(100, 100, 0, bomb), /larger than its header/);
    const rows = new Uint8Array(10 * (1 + 40));
    const good = png(10, 10, 6, zlibSync(rows));
    expect(
      await store.get(
        await (async () => {
          await writeFile(join(dir.path, "good.png"), good);
          return "good.png";
        })(),
      ),
    ).toMatchObject({ width: 10, height: 10 });
    await expectDecodeError("cut.png", good.subarray(0, good.length - 20), /truncated/);
  });

  it("a JPEG claiming 60000x60000 pixels, and garbage after the SOI marker", async () => {
    const sof = new Uint8Array([
      0xff, 0xd8, 0xff, 0xc0, 0x00, 0x11, 0x08, 0xea, 0x60, 0xea, 0x60, 0x03, 0x01, 0x22, 0x00, 0x02, 0x11,
      0x01, 0x03, 0x11, 0x01, 0xff, 0xd9,
    ]);
    await expectDecodeError("giant.jpg", sof, /maxResolutionInMP/);
    await expectDecodeError("garbage.jpg", new Uint8Array([0xff, 0xd8, 1, 2, 3, 4, 5, 6]));
  });

  it("leaves the store usable", async () => {
    await store.set("after", ndarray(new Float32Array([1, 2])));
    expect((await store.get<NdArray>("after")).data).toEqual(new Float32Array([1, 2]));
  });
});
