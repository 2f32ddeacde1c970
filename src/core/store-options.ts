/**
 * The option and result shapes of `AutoStore`'s calls, apart from the store itself.
 */
// Types only: the S3 fields are plain store fields (`new AutoStore("s3://b/", { profile })`); no code
// of the S3 package loads with the core.
import type { S3OptionsInit } from "../s3/options.js";
import type { Backend, Progress } from "./backend.js";
import type { Options, OptionsInit } from "./options.js";
import type { StandardSchemaV1 } from "./schema.js";

/**
 * What `new AutoStore(root, init)` takes: option fields directly, an `options` object (or one per
 * scheme), or both (the fields win). Backend packages add their fields to this interface.
 */
export interface AutoStoreInit extends OptionsInit, Omit<S3OptionsInit, keyof OptionsInit> {
  /** Options for the root's scheme, or a list with one per scheme (each names its `scheme`). */
  options?: Options | readonly Options[];
}

/** Options of {@link AutoStore.get}. */
export interface GetOptions {
  /** Decode with this format's handler whatever the file's extension (`"parquet"`, `"yaml"`…). */
  format?: string;
  /**
   * Read from the backend whatever the cache holds (one plain GET, never a revalidation, so a page
   * needs no CORS rule beyond simple reads), and keep what came back: later reads never serve an
   * older value.
   */
  ignoreCache?: boolean;
  signal?: AbortSignal;
  onProgress?: (progress: Progress) => void;
}

/** Options of {@link AutoStore.set}. */
export interface SetOptions {
  /** Encode with this format (`"yaml"`, `"cbor"`…); a bare key gets its extension. */
  format?: string;
  /** Validate the value with a Standard Schema before anything is written. */
  schema?: StandardSchemaV1;
  signal?: AbortSignal;
  onProgress?: (progress: Progress) => void;
}

/** Options of {@link AutoStore.copy} and {@link AutoStore.move}. */
export interface TransferOptions {
  signal?: AbortSignal;
  /** Called as bytes move (streamed copies across backends), and once at the end with `loaded === total`. */
  onProgress?: (progress: Progress) => void;
}

/** Metadata of a stored file. */
export interface FileMetadata {
  /** The key with its extension (a full URI for URI keys). */
  key: string;
  uri: string;
  size: number;
  modifiedTime: Date;
  etag?: string;
  contentType?: string;
}

/** The primary backend, with the folder checks the seed exposes on it. */
export interface PrimaryBackend extends Backend {
  /** True when a folder holds tabular files (Parquet, CSV, Arrow) that read as one dataset. */
  isDataset(key: string): Promise<boolean>;
  /** True when any file lies under the key. */
  isDirectory(key: string): Promise<boolean>;
}
