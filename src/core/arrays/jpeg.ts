/**
 * JPEG through `jpeg-js` (pure JavaScript: Node, browsers, edge runtimes). Baseline and progressive
 * JPEGs decode to 8-bit RGBA (alpha 255); writing drops alpha, as JPEG has none.
 */
import * as jpegModule from "jpeg-js";
import { DEFAULT_MAX_PIXELS, type ImageLimits } from "./limits.js";
import type { RasterImage } from "./types.js";

type JpegJs = typeof import("jpeg-js");

// jpeg-js is CommonJS: its functions sit on the default export under Node's ESM and bundlers.
const jpeg: JpegJs = (jpegModule as unknown as { default?: JpegJs }).default ?? jpegModule;

/** Decodes a JPEG to 8-bit RGBA, refusing images over the pixel limit before allocating them. */
export function decodeJpeg(bytes: Uint8Array, limits: ImageLimits = {}): RasterImage {
  const maxPixels = limits.maxPixels ?? DEFAULT_MAX_PIXELS;
  const image = jpeg.decode(bytes, {
    useTArray: true,
    formatAsRGBA: true,
    maxResolutionInMP: maxPixels / 1e6,
    // Coefficients of three components plus the RGBA output, with room for the tables.
    maxMemoryUsageInMB: Math.ceil((maxPixels * 12) / 2 ** 20) + 64,
  });
  const { width, height, data } = image;
  return { width, height, data: new Uint8ClampedArray(data.buffer, data.byteOffset, data.byteLength) };
}

/** Encodes an image as a baseline JPEG; `quality` is 1-100. */
export function encodeJpeg(image: RasterImage, quality: number): Uint8Array {
  if (!Number.isFinite(quality) || quality < 1 || quality > 100) {
    throw new TypeError(`JPEG quality must be 1-100, not ${quality}`);
  }
  const { width, height, data } = image;
  const input = { width, height, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
  // jpeg-js returns `Buffer.from(bytes)` whenever `module` exists, which is also true inside
  // bundles for browsers and workers, where there is no Buffer (jpeg-js/jpeg-js#92, image-js#619).
  // Its only use of Buffer is that call, so a minimal stand-in is lent for the synchronous encode.
  const global = globalThis as { Buffer?: unknown };
  const lend = global.Buffer === undefined;
  if (lend) global.Buffer = { from: (bytes: number[]) => Uint8Array.from(bytes) };
  try {
    const out = jpeg.encode(input, quality).data;
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  } finally {
    if (lend) delete global.Buffer;
  }
}
