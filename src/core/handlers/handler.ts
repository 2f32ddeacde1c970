/**
 * The format-handler contract. A handler declares the extensions it owns, a priority and a cheap
 * `canHandleData` test; its codec runs only in `decode`/`encode`, where built-in handlers `import()`
 * their heavy libraries, so registering a handler costs nothing.
 */

/** What a handler is told about the file it decodes or encodes. */
export interface HandlerContext {
  /** The key with its extension, relative to its backend. */
  key: string;
  /** The full URI, for messages. */
  uri: string;
  signal?: AbortSignal;
}

/**
 * A format: turns bytes into values and values into bytes.
 *
 * @example
 * class LogHandler extends DataHandler {
 *   extensions = [".log"];
 *   priority = 15;
 *   canHandleData(value: unknown) { return Array.isArray(value) && value.every((v) => typeof v === "string"); }
 *   async decode(bytes: Uint8Array) { return new TextDecoder().decode(bytes).split("\n").filter(Boolean); }
 *   async encode(value: unknown) { return new TextEncoder().encode(`${(value as string[]).join("\n")}\n`); }
 * }
 * store.registerHandler(new LogHandler());
 */
export abstract class DataHandler {
  /**
   * Extensions this handler reads and writes, lower-case with the dot (`.json`, `.sparse.npz`). The
   * first is the one written for a bare key.
   */
  abstract readonly extensions: readonly string[];
  /**
   * When several handlers accept a value, or own one extension, the highest priority wins. Built-in
   * handlers use 0 (fallback) to 20; a user's handler at 15 overrides the plain ones.
   * @default 10
   */
  priority = 10;

  /** True when this handler can write `value`. Keep it cheap: it runs on every bare-key `set`. */
  abstract canHandleData(value: unknown): boolean;

  /** Decodes a file's bytes. `ext` is the matched extension (e.g. `.yml`). */
  abstract decode(bytes: Uint8Array, ext: string, context: HandlerContext): unknown | Promise<unknown>;

  /** Encodes a value for a file with extension `ext`. */
  abstract encode(value: unknown, ext: string, context: HandlerContext): Uint8Array | Promise<Uint8Array>;

  /** A short name for messages: the first extension without its dot. */
  get formatName(): string {
    return (this.extensions[0] ?? "").replace(/^\./, "");
  }
}
