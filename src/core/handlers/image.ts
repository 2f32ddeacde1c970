import { DEFAULT_MAX_PIXELS } from "../arrays/limits.js";
import { isRasterImage, type RasterImage, typedArrayName } from "../arrays/types.js";
import { DataHandler } from "./handler.js";

/** Options of {@link ImageHandler}. */
export interface ImageHandlerOptions {
  /**
   * The most pixels an image may have when read; larger ones are refused before decoding.
   * @default 100_000_000
   */
  maxPixels?: number;
  /**
   * JPEG quality (1-100) for images that carry no `quality` of their own.
   * @default 90
   */
  jpegQuality?: number;
}

const JPEG_DEFAULT_QUALITY = 90;

/**
 * Images: `.png` (written by default) and `.jpg`/`.jpeg` read as 8-bit RGBA `RasterImage`s. A
 * `RasterImage` is written as PNG unless the key or the `format` option names JPEG; its `quality`
 * field (1-100) sets the JPEG quality. Files are recognised by content, so a PNG named `.jpg` reads.
 */
export class ImageHandler extends DataHandler {
  readonly extensions = [".png", ".jpg", ".jpeg"];
  override priority = 20;
  readonly #maxPixels: number;
  readonly #jpegQuality: number;

  constructor(options: ImageHandlerOptions = {}) {
    super();
    this.#maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
    this.#jpegQuality = options.jpegQuality ?? JPEG_DEFAULT_QUALITY;
  }

  canHandleData(value: unknown): boolean {
    return isRasterImage(value);
  }

  async decode(bytes: Uint8Array, ext: string): Promise<unknown> {
    const limits = { maxPixels: this.#maxPixels };
    const png = bytes[0] === 0x89 && bytes[1] === 0x50;
    const jpeg = bytes[0] === 0xff && bytes[1] === 0xd8;
    if (png || (!jpeg && ext === ".png")) {
      const { decodePng } = await import("../arrays/png.js");
      return decodePng(bytes, limits);
    }
    if (!jpeg) throw new Error("not a JPEG file (no SOI marker)");
    const { decodeJpeg } = await import("../arrays/jpeg.js");
    return decodeJpeg(bytes, limits);
  }

  async encode(value: unknown, ext: string): Promise<Uint8Array> {
    const image = checkImage(value);
    if (ext === ".png") {
      const { encodePng } = await import("../arrays/png.js");
      return encodePng(image);
    }
    const { encodeJpeg } = await import("../arrays/jpeg.js");
    return encodeJpeg(image, image.quality ?? this.#jpegQuality);
  }
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
