/**
 * Local files for AutoPath transfers (`uploadFrom("./x.csv")`, `downloadTo("./out/")`). The core
 * knows no file system: a runtime's entry point registers one (Node's in `src/node/local-files.ts`).
 */

/** A runtime's local files, as transfers need them. */
export interface LocalFiles {
  /** What is at a local path: a file (with its size), a folder, or nothing. */
  kind(path: string): Promise<{ type: "file"; size: number } | { type: "folder" } | undefined>;
  /** The bytes of a local file, streamed. */
  open(path: string): ReadableStream<Uint8Array>;
  /** Every file under a local folder, as `/`-separated paths relative to it. */
  walk(folder: string): AsyncIterable<string>;
  /**
   * Writes a stream to a local file atomically (a temporary file, then a rename), creating its folder;
   * on failure or abort nothing is left at `path` and any file already there is unchanged.
   */
  write(path: string, body: ReadableStream<Uint8Array>, options: { signal?: AbortSignal }): Promise<void>;
  /** Joins local path segments. */
  join(...parts: string[]): string;
}

let registered: LocalFiles | undefined;

/** Registers the runtime's local files (called by an entry point). */
export function registerLocalFiles(files: LocalFiles): void {
  registered = files;
}

/** The runtime's local files, if it has any. */
export function localFiles(): LocalFiles | undefined {
  return registered;
}
