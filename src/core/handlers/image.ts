import { DEFAULT_MAX_PIXELS } from "../arrays/limits.js";
import { isRasterImage } from "../arrays/types.js";
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

// Which codec a file needs, and the check of an image to write, load with the first image.
const loadCodec = () => import("../arrays/image-codec.js");

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
    return (await loadCodec()).decodeImage(bytes, ext, { maxPixels: this.#maxPixels });
  }

  async encode(value: unknown, ext: string): Promise<Uint8Array> {
    return (await loadCodec()).encodeImage(value, ext, this.#jpegQuality);
  }
}
