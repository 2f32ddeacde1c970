/**
 * Limits that keep decoding hostile files bounded in memory and time. Plain values, so that handlers
 * can name them without loading a codec.
 */

/** Limits on decoding compressed containers (`.npz`, `.sparse.npz`). */
export interface ZipLimits {
  /**
   * The most bytes the members may expand to, all together.
   * @default 1 GiB
   */
  maxBytes?: number;
}

/** Limits on decoding an image. */
export interface ImageLimits {
  /**
   * The most pixels (width × height) an image may have.
   * @default 100_000_000
   */
  maxPixels?: number;
}

/** The default cap on what an archive expands to: 1 GiB. */
export const DEFAULT_MAX_INFLATED_BYTES = 2 ** 30;

/** The default pixel limit: 100 megapixels (400 MB of RGBA). */
export const DEFAULT_MAX_PIXELS = 100_000_000;

/** Deflate emits at least one bit per 258-byte match, so no stream expands more than ~1032 times. */
export const MAX_DEFLATE_RATIO = 1032;
