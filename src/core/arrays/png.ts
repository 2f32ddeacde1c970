/**
 * PNG through `fast-png` (pure JavaScript: Node, browsers, edge runtimes). Every colour type and
 * bit depth decodes to an 8-bit RGBA {@link RasterImage}.
 *
 * fast-png sizes its buffers from the header and inflates without a bound, so a file is vetted
 * first: the header's size must fit the pixel limit and be reachable from the compressed bytes
 * present, and the image data must inflate to exactly what the header promises (checked in slices,
 * stopping at the first byte too many).
 */
import { decode, encode } from "fast-png";
import { Unzlib } from "fflate";
import { DEFAULT_MAX_PIXELS, type ImageLimits, MAX_DEFLATE_RATIO } from "./limits.js";
import type { RasterImage } from "./types.js";

const SIGNATURE = [137, 80, 78, 71, 13, 10, 26, 10];
const INFLATE_SLICE = 16 * 1024;
// Allowed bit depths per colour type.
const DEPTHS: Record<number, readonly number[]> = {
  0: [1, 2, 4, 8, 16],
  2: [8, 16],
  3: [1, 2, 4, 8],
  4: [8, 16],
  6: [8, 16],
};
const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

interface PngLayout {
  width: number;
  height: number;
  colorType: number;
  /** Bytes the image data inflates to: filtered rows of every pass. */
  rawSize: number;
  idat: Uint8Array[];
}

function scan(bytes: Uint8Array, maxPixels: number): PngLayout {
  if (bytes.length < 8 || !SIGNATURE.every((b, i) => bytes[i] === b)) throw new Error("not a PNG file");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let p = 8;
  let layout: Omit<PngLayout, "idat"> | undefined;
  const idat: Uint8Array[] = [];
  for (;;) {
    if (p + 8 > bytes.length) throw new Error("truncated PNG (no IEND chunk)");
    const length = view.getUint32(p);
    const type = String.fromCharCode(...bytes.subarray(p + 4, p + 8));
    if (p + 12 + length > bytes.length) throw new Error(`truncated PNG (${type} chunk)`);
    const data = bytes.subarray(p + 8, p + 8 + length);
    if (!layout && type !== "IHDR") throw new Error("PNG does not start with IHDR");
    if (type === "IHDR") {
      if (layout || length !== 13) throw new Error("bad IHDR chunk");
      layout = header(new DataView(data.buffer, data.byteOffset, 13), maxPixels);
    } else if (type === "IDAT") idat.push(data);
    else if (type === "IEND") break;
    p += 12 + length;
  }
  if (!layout) throw new Error("PNG has no IHDR chunk");
  const compressed = idat.reduce((n, d) => n + d.length, 0);
  if (layout.rawSize > compressed * MAX_DEFLATE_RATIO + 1024) {
    throw new Error(
      `PNG claims ${layout.width}x${layout.height} pixels, more than its ${compressed} compressed bytes can hold`,
    );
  }
  return { ...layout, idat };
}

function header(ihdr: DataView, maxPixels: number): Omit<PngLayout, "idat"> {
  const width = ihdr.getUint32(0);
  const height = ihdr.getUint32(4);
  const depth = ihdr.getUint8(8);
  const colorType = ihdr.getUint8(9);
  const interlace = ihdr.getUint8(12);
  if (!DEPTHS[colorType]?.includes(depth))
    throw new Error(`bad PNG colour type ${colorType} / bit depth ${depth}`);
  if (width === 0 || height === 0) throw new Error("PNG has no pixels");
  if (width * height > maxPixels) {
    throw new Error(`PNG is ${width}x${height}, over the limit of ${maxPixels} pixels`);
  }
  if (interlace > 1) throw new Error(`bad PNG interlace method ${interlace}`);
  const bitsPerPixel = depth * (CHANNELS[colorType] as number);
  const rows = (w: number, h: number) => (w > 0 && h > 0 ? h * (1 + Math.ceil((w * bitsPerPixel) / 8)) : 0);
  let rawSize = rows(width, height);
  if (interlace === 1) {
    // Adam7: x start, y start, x step, y step of each pass.
    const passes = [
      [0, 0, 8, 8],
      [4, 0, 8, 8],
      [0, 4, 4, 8],
      [2, 0, 4, 4],
      [0, 2, 2, 4],
      [1, 0, 2, 2],
      [0, 1, 1, 2],
    ] as const;
    rawSize = 0;
    for (const [x0, y0, dx, dy] of passes) {
      rawSize += rows(Math.ceil((width - x0) / dx), Math.ceil((height - y0) / dy));
    }
  }
  return { width, height, colorType, rawSize };
}

/** Inflates the image data with a bound, and checks it is exactly the promised size. */
function checkImageData(layout: PngLayout): void {
  let total = 0;
  let ended = false;
  const inflater = new Unzlib((chunk, final) => {
    total += chunk.length;
    if (total > layout.rawSize) throw new Error("PNG image data is larger than its header says");
    if (final) ended = true;
  });
  const stream = layout.idat;
  for (let c = 0; c < stream.length; c++) {
    const chunk = stream[c] as Uint8Array;
    for (let i = 0; i < chunk.length; i += INFLATE_SLICE) {
      const end = Math.min(chunk.length, i + INFLATE_SLICE);
      inflater.push(chunk.subarray(i, end), c === stream.length - 1 && end === chunk.length);
    }
  }
  if (!ended || total !== layout.rawSize) {
    throw new Error(`PNG image data is truncated: ${total} of ${layout.rawSize} bytes`);
  }
}

/** Decodes a PNG to 8-bit RGBA. 16-bit samples keep their high byte (as Pillow does). */
export function decodePng(bytes: Uint8Array, limits: ImageLimits = {}): RasterImage {
  const layout = scan(bytes, limits.maxPixels ?? DEFAULT_MAX_PIXELS);
  checkImageData(layout);
  const png = decode(bytes);
  const { width, height, depth, channels } = png;
  const count = width * height;
  const out = new Uint8ClampedArray(count * 4);
  // fast-png also reports a suggested palette of an RGB image: only colour type 3 is indexed.
  if (layout.colorType === 3) {
    const palette = png.palette ?? [];
    const indices = samples(png.data, width, height, 1, depth);
    for (let i = 0; i < count; i++) {
      const color = palette[indices(i, 0)];
      if (!color)
        throw new Error(`PNG pixel uses colour ${indices(i, 0)} of a ${palette.length}-colour palette`);
      out[i * 4] = color[0] ?? 0;
      out[i * 4 + 1] = color[1] ?? 0;
      out[i * 4 + 2] = color[2] ?? 0;
      out[i * 4 + 3] = color[3] ?? 255;
    }
    return { width, height, data: out };
  }
  const sample = samples(png.data, width, height, channels, depth);
  // Low bit depths scale to the full byte (1 → 255, 3 of 2 bits → 255); 16 bits keep the high byte.
  const to8 =
    depth === 16
      ? (v: number) => v >> 8
      : depth < 8
        ? (v: number) => (v * 255) / (2 ** depth - 1)
        : (v: number) => v;
  // tRNS on gray or RGB names one colour (in raw samples) that is fully transparent.
  const key = png.transparency;
  for (let i = 0; i < count; i++) {
    const o = i * 4;
    if (channels <= 2) {
      const g = sample(i, 0);
      out[o] = out[o + 1] = out[o + 2] = to8(g);
      out[o + 3] = channels === 2 ? to8(sample(i, 1)) : key && key[0] === g ? 0 : 255;
    } else {
      const r = sample(i, 0);
      const g = sample(i, 1);
      const b = sample(i, 2);
      out[o] = to8(r);
      out[o + 1] = to8(g);
      out[o + 2] = to8(b);
      out[o + 3] =
        channels === 4 ? to8(sample(i, 3)) : key && key[0] === r && key[1] === g && key[2] === b ? 0 : 255;
    }
  }
  return { width, height, data: out };
}

/** Random access to sample `c` of pixel `i`, packed (depth < 8) or not. */
function samples(
  data: ArrayLike<number>,
  width: number,
  height: number,
  channels: number,
  depth: number,
): (i: number, c: number) => number {
  if (depth >= 8) {
    if (data.length !== width * height * channels) throw new Error("PNG decoder returned a wrong data size");
    return (i, c) => data[i * channels + c] as number;
  }
  const rowBytes = Math.ceil((width * depth) / 8);
  if (data.length !== rowBytes * height) throw new Error("PNG decoder returned a wrong data size");
  const mask = (1 << depth) - 1;
  return (i) => {
    const y = Math.floor(i / width);
    const bit = (i - y * width) * depth;
    return ((data[y * rowBytes + (bit >> 3)] as number) >> (8 - depth - (bit & 7))) & mask;
  };
}

/** Encodes an image as an 8-bit RGBA PNG. */
export function encodePng(image: RasterImage): Uint8Array {
  const { width, height, data } = image;
  return encode({
    width,
    height,
    data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    channels: 4,
    depth: 8,
  });
}
