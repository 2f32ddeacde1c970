/**
 * Reading and writing images for {@link ImageHandler}: PNG or JPEG by content (a PNG named `.jpg`
 * reads), and the check of a value to write. Loaded with the first image.
 */
import type { ImageHandler } from "../handlers/image.js";
import { isRasterImage, type RasterImage, typedArrayName } from "./types.js";

/** {@link ImageHandler.decode}. */
export async function decodeImage(
  bytes: Uint8Array,
  ext: string,
  limits: { maxPixels: number },
): Promise<RasterImage> {
  const png = bytes[0] === 0x89 && bytes[1] === 0x50;
  const jpeg = bytes[0] === 0xff && bytes[1] === 0xd8;
  if (png || (!jpeg && ext === ".png")) {
    const { decodePng } = await import("./png.js");
    return decodePng(bytes, limits);
  }
  if (!jpeg) throw new Error("not a JPEG file (no SOI marker)");
  const { decodeJpeg } = await import("./jpeg.js");
  return decodeJpeg(bytes, limits);
}

/** {@link ImageHandler.encode}: PNG for `.png`, else JPEG at the image's quality or `jpegQuality`. */
export async function encodeImage(value: unknown, ext: string, jpegQuality: number): Promise<Uint8Array> {
  const image = checkImage(value);
  if (ext === ".png") {
    const { encodePng } = await import("./png.js");
    return encodePng(image);
  }
  const { encodeJpeg } = await import("./jpeg.js");
  return encodeJpeg(image, image.quality ?? jpegQuality);
}

/** A `RasterImage`, also accepting RGBA bytes in a `Uint8Array`; a `TypeError` otherwise. */
function checkImage(value: unknown): RasterImage {
  if (isRasterImage(value)) {
    if (value.width < 1 || value.height < 1) throw new TypeError("an image needs at least one pixel");
    return value;
  }
  const v = (value ?? {}) as Partial<Record<keyof RasterImage, unknown>>;
  const { width, height, data } = v;
  if (
    Number.isSafeInteger(width) &&
    Number.isSafeInteger(height) &&
    (width as number) >= 1 &&
    (height as number) >= 1 &&
    typedArrayName(data) === "Uint8Array" &&
    (data as Uint8Array).length === (width as number) * (height as number) * 4
  ) {
    const bytes = data as Uint8Array;
    const image: RasterImage = {
      width: width as number,
      height: height as number,
      data: new Uint8ClampedArray(bytes.buffer, bytes.byteOffset, bytes.byteLength),
    };
    if (typeof v.quality === "number") image.quality = v.quality;
    return image;
  }
  throw new TypeError(
    "an image is a RasterImage: { width, height, data: Uint8ClampedArray of width*height*4 RGBA bytes }",
  );
}
