/**
 * Images with real Pillow, both ways: PNG of every colour type and bit depth (from Pillow, and
 * written by hand for what Pillow cannot write: 2/4-bit gray, 16-bit colour, Adam7), and JPEG within
 * a tolerance.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AutoStore, type RasterImage } from "../../src/node/index.js";
import { runPythonJson } from "../helpers/python.js";
import { tempDir } from "../helpers/tmp.js";
import { random } from "./util.js";

let dir: { path: string; remove: () => Promise<void> };
let store: AutoStore;

beforeAll(async () => {
  dir = await tempDir("autostore-image-");
  store = new AutoStore(dir.path);
});
afterAll(async () => {
  await store.close();
  await dir.remove();
});

const PYTHON_WRITES = String.raw`
import base64, json, os, struct, sys, zlib
import numpy as np
from PIL import Image

out = sys.argv[1]
rng = np.random.default_rng(5)
W, H = 37, 23
manifest = {}

def expect(name, rgba):
    manifest[name] = base64.b64encode(np.ascontiguousarray(rgba, dtype=np.uint8).tobytes()).decode()

def gray_to_rgba(g, a=None):
    a = np.full(g.shape, 255, np.uint8) if a is None else a
    return np.dstack([g, g, g, a]).astype(np.uint8)

# Pillow's own modes; Pillow's RGBA conversion is the expected image.
base = rng.integers(0, 256, (H, W, 4), dtype=np.uint8)
pil = {
    "pil-1": Image.fromarray(base[..., 0] > 127),
    "pil-L": Image.fromarray(base[..., 0], "L"),
    "pil-LA": Image.fromarray(base[..., :2].copy(), "LA"),
    "pil-RGB": Image.fromarray(base[..., :3].copy(), "RGB"),
    "pil-RGBA": Image.fromarray(base, "RGBA"),
    "pil-P": Image.fromarray(base[..., :3].copy(), "RGB").quantize(200),
    "pil-P4": Image.fromarray(base[..., :3].copy(), "RGB").quantize(16),
}
for name, im in pil.items():
    extra = {"bits": 4} if name == "pil-P4" else {}
    im.save(os.path.join(out, name + ".png"), **extra)
    expect(name, np.asarray(Image.open(os.path.join(out, name + ".png")).convert("RGBA")))

trns = Image.fromarray(base[..., :3].copy(), "RGB").quantize(8)
trns.info["transparency"] = 3
trns.save(os.path.join(out, "pil-P-trns.png"), transparency=3)
expect("pil-P-trns", np.asarray(Image.open(os.path.join(out, "pil-P-trns.png")).convert("RGBA")))

# 16-bit gray from Pillow: the high byte of each sample.
g16 = rng.integers(0, 65536, (H, W), dtype=np.uint16)
Image.fromarray(g16, "I;16").save(os.path.join(out, "pil-I16.png"))
back = np.asarray(Image.open(os.path.join(out, "pil-I16.png")), dtype=np.uint32)
assert (back == g16).all()
expect("pil-I16", gray_to_rgba((g16 >> 8).astype(np.uint8)))

# Hand-written PNGs: filter type 0 rows, one zlib stream, split over several IDAT chunks.
def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

def rows(samples, depth):
    h = samples.shape[0]
    if depth < 8:
        per_byte = 8 // depth
        w = samples.shape[1]
        padded = np.zeros((h, -(-w // per_byte) * per_byte), np.uint8)
        padded[:, :w] = samples
        packed = np.zeros((h, padded.shape[1] // per_byte), np.uint8)
        for k in range(per_byte):
            packed |= (padded[:, k::per_byte] << (8 - depth * (k + 1))).astype(np.uint8)
        body = packed
    elif depth == 16:
        body = samples.astype(">u2").reshape(h, -1).view(np.uint8)
    else:
        body = samples.astype(np.uint8).reshape(h, -1)
    return b"".join(b"\x00" + r.tobytes() for r in body)

ADAM7 = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]

def write_png(name, samples, depth, color, plte=None, trns=None, interlace=False):
    h, w = samples.shape[:2]
    if interlace:
        raw = b"".join(rows(samples[y0::dy, x0::dx], depth) for x0, y0, dx, dy in ADAM7
                       if samples[y0::dy, x0::dx].size)
    else:
        raw = rows(samples, depth)
    z = zlib.compress(raw, 9)
    parts = [b"\x89PNG\r\n\x1a\n", chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, depth, color, 0, 0, int(interlace)))]
    if plte is not None: parts.append(chunk(b"PLTE", plte.astype(np.uint8).tobytes()))
    if trns is not None: parts.append(chunk(b"tRNS", trns))
    for i in range(0, len(z), 100): parts.append(chunk(b"IDAT", z[i:i + 100]))
    parts.append(chunk(b"IEND", b""))
    open(os.path.join(out, name + ".png"), "wb").write(b"".join(parts))

for depth in (1, 2, 4):
    s = rng.integers(0, 2 ** depth, (H, W), dtype=np.uint8)
    write_png(f"gray{depth}", s, depth, 0)
    expect(f"gray{depth}", gray_to_rgba(s * (255 // (2 ** depth - 1))))
    pal = rng.integers(0, 256, (2 ** depth, 3))
    write_png(f"pal{depth}", s, depth, 3, plte=pal)
    expect(f"pal{depth}", np.dstack([pal[s], np.full(s.shape, 255)]))

s16 = rng.integers(0, 65536, (H, W, 4), dtype=np.uint16)
s16[0, 0, :3] = [4660, 22136, 39612]
write_png("rgb16-trns", s16[..., :3], 16, 2, trns=struct.pack(">HHH", 4660, 22136, 39612))
a = np.full((H, W), 255, np.uint8)
a[(s16[..., 0] == 4660) & (s16[..., 1] == 22136) & (s16[..., 2] == 39612)] = 0
expect("rgb16-trns", np.dstack([(s16[..., :3] >> 8).astype(np.uint8), a]))
write_png("rgba16", s16, 16, 6)
expect("rgba16", (s16 >> 8).astype(np.uint8))
write_png("ga16", s16[..., :2], 16, 4)
expect("ga16", gray_to_rgba((s16[..., 0] >> 8).astype(np.uint8), (s16[..., 1] >> 8).astype(np.uint8)))
g8 = rng.integers(0, 256, (H, W), dtype=np.uint8)
g8[1, 1] = 77
write_png("gray8-trns", g8, 8, 0, trns=struct.pack(">H", 77))
expect("gray8-trns", gray_to_rgba(g8, np.where(g8 == 77, 0, 255).astype(np.uint8)))
write_png("adam7-rgba8", base, 8, 6, interlace=True)
expect("adam7-rgba8", base)
write_png("adam7-gray16", g16, 16, 0, interlace=True)
expect("adam7-gray16", gray_to_rgba((g16 >> 8).astype(np.uint8)))

# JPEG from Pillow: a smooth image (JPEG's case), baseline and progressive, colour and gray.
yy, xx = np.mgrid[0:64, 0:80]
smooth = np.dstack([xx * 3, yy * 4, (xx + yy) * 2]).clip(0, 255).astype(np.uint8)
Image.fromarray(smooth, "RGB").save(os.path.join(out, "photo.jpg"), quality=95)
Image.fromarray(smooth, "RGB").save(os.path.join(out, "progressive.jpeg"), quality=90, progressive=True)
Image.fromarray(smooth[..., 0], "L").save(os.path.join(out, "gray.jpg"), quality=95)
for name in ("photo.jpg", "progressive.jpeg", "gray.jpg"):
    expect(name.split(".")[0], np.asarray(Image.open(os.path.join(out, name)).convert("RGBA")))
print(json.dumps(manifest))
`;

function diff(a: Uint8ClampedArray, b: Uint8Array): { max: number; mean: number } {
  let max = 0;
  let sum = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs((a[i] as number) - (b[i] as number));
    max = Math.max(max, d);
    sum += d;
  }
  return { max, mean: sum / a.length };
}

describe("image read: what Pillow (and hand-written PNGs) hold", () => {
  let manifest: Record<string, string>;
  beforeAll(async () => {
    manifest = await runPythonJson<Record<string, string>>(PYTHON_WRITES, [dir.path]);
  });

  it("decodes every PNG colour type and bit depth to exact RGBA", async () => {
    const pngs = Object.keys(manifest).filter((k) => !["photo", "progressive", "gray"].includes(k));
    expect(pngs).toHaveLength(21);
    for (const name of pngs) {
      const image = await store.get<RasterImage>(`${name}.png`);
      const expected = Buffer.from(manifest[name] as string, "base64");
      expect([image.width, image.height], name).toEqual([37, 23]);
      expect(image.data, name).toBeInstanceOf(Uint8ClampedArray);
      expect(Buffer.from(image.data).equals(expected), name).toBe(true);
    }
  });

  it("decodes JPEGs (baseline, progressive, gray) close to Pillow's decoding", async () => {
    for (const [name, file] of [
      ["photo", "photo.jpg"],
      ["progressive", "progressive.jpeg"],
      ["gray", "gray.jpg"],
    ] as const) {
      const image = await store.get<RasterImage>(file);
      expect([image.width, image.height], name).toEqual([80, 64]);
      // Two JPEG decoders differ in IDCT rounding and chroma upsampling, by a little.
      const d = diff(image.data, Buffer.from(manifest[name] as string, "base64"));
      expect(d.mean, name).toBeLessThan(1.5);
      expect(d.max, name).toBeLessThanOrEqual(8);
    }
  });
});

const PYTHON_READS = `
import base64, json, os, sys
import numpy as np
from PIL import Image

root = sys.argv[1]
expected = json.load(open(sys.argv[2]))
report = {}
for name, e in expected.items():
    im = Image.open(os.path.join(root, name))
    im.load()
    want = np.frombuffer(base64.b64decode(e["rgba"]), np.uint8).reshape(e["height"], e["width"], 4)
    got = np.asarray(im.convert("RGBA")).astype(int)
    d = np.abs(got[..., :3] - want[..., :3].astype(int))
    report[name] = {"format": im.format, "mode": im.mode, "size": list(im.size),
                    "alpha_equal": bool((got[..., 3] == want[..., 3]).all()),
                    "max": int(d.max()), "mean": float(d.mean()),
                    "bytes": os.path.getsize(os.path.join(root, name))}
print(json.dumps(report))
`;

function image(width: number, height: number, alpha: boolean, seed: number): RasterImage {
  const next = random(seed);
  const data = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 4;
      // Smooth colour with a little noise: realistic for JPEG, exact for PNG.
      data[o] = x * 3 + next() * 4;
      data[o + 1] = y * 4 + next() * 4;
      data[o + 2] = (x + y) * 2;
      data[o + 3] = alpha ? next() * 256 : 255;
    }
  }
  return { width, height, data };
}

describe("image write: what Pillow reads", () => {
  it("writes PNG by default (exact RGBA) and JPEG on request, with a quality", async () => {
    const rgba = image(61, 43, true, 1);
    const opaque = image(80, 64, false, 2);
    const written = {
      png: await store.set("out/picture", rgba),
      jpegDefault: await store.set("out/photo.jpg", opaque),
      jpegFormat: await store.set("out/formatted", opaque, { format: "jpeg" }),
      jpegHigh: await store.set("out/high.jpg", { ...opaque, quality: 98 }),
      jpegLow: await store.set("out/low.jpg", { ...opaque, quality: 20 }),
    };
    expect(written).toEqual({
      png: "out/picture.png",
      jpegDefault: "out/photo.jpg",
      jpegFormat: "out/formatted.jpeg",
      jpegHigh: "out/high.jpg",
      jpegLow: "out/low.jpg",
    });
    const expected: Record<string, { rgba: string; width: number; height: number }> = {};
    for (const [file, img] of [
      [written.png, rgba],
      [written.jpegDefault, opaque],
      [written.jpegFormat, opaque],
      [written.jpegHigh, opaque],
      [written.jpegLow, opaque],
    ] as const) {
      expected[file] = {
        rgba: Buffer.from(img.data).toString("base64"),
        width: img.width,
        height: img.height,
      };
    }
    const manifestPath = join(dir.path, "image-manifest.json");
    await import("node:fs/promises").then((fs) => fs.writeFile(manifestPath, JSON.stringify(expected)));
    type Report = {
      format: string;
      mode: string;
      size: number[];
      alpha_equal: boolean;
      max: number;
      mean: number;
      bytes: number;
    };
    const report = await runPythonJson<Record<string, Report>>(PYTHON_READS, [dir.path, manifestPath]);

    expect(report[written.png]).toMatchObject({
      format: "PNG",
      mode: "RGBA",
      size: [61, 43],
      alpha_equal: true,
      max: 0,
    });
    for (const file of [written.jpegDefault, written.jpegFormat, written.jpegHigh]) {
      const r = report[file] as Report;
      expect(r, file).toMatchObject({ format: "JPEG", mode: "RGB", size: [80, 64] });
      expect(r.mean, file).toBeLessThan(2.5);
    }
    const low = report[written.jpegLow] as Report;
    const high = report[written.jpegHigh] as Report;
    expect(low.bytes).toBeLessThan(high.bytes);
    expect(low.mean).toBeGreaterThan(high.mean);
    expect(report[written.jpegDefault]?.bytes).toBe(report[written.jpegFormat]?.bytes);
  });

  it("reads back its own PNG exactly, and recognises files by content", async () => {
    const rgba = image(9, 7, true, 3);
    await store.set("own.png", rgba);
    expect(await store.get("own")).toEqual({ width: 9, height: 7, data: rgba.data });
    // A PNG saved under a .jpg name still reads.
    const bytes = await readFile(join(dir.path, "own.png"));
    await store.set("misnamed.bin", new Uint8Array(bytes));
    await store.copy("misnamed.bin", "misnamed.jpg");
    expect(await store.get("misnamed.jpg")).toEqual({ width: 9, height: 7, data: rgba.data });
  });

  it("refuses images it cannot write", async () => {
    await expect(
      store.set("bad.png", { width: 2, height: 2, data: new Uint8ClampedArray(3) }),
    ).rejects.toMatchObject({
      code: "UNSUPPORTED_FORMAT",
    });
    const opaque = image(4, 4, false, 4);
    await expect(store.set("bad.jpg", { ...opaque, quality: 0 })).rejects.toThrow(/quality/);
  });
});
