/**
 * The handler registry: which handler reads an extension, which one writes a value, and how a file
 * name splits into a key and a known extension (longest compound extension first).
 */
import { UnsupportedFormatError } from "../errors.js";
import type { DataHandler } from "./handler.js";

/** A file name split into its bare key and its registered extension. */
export interface SplitKey {
  /** The key without its extension: `a/model.sparse.npz` → `a/model`. */
  bare: string;
  /** The registered extension, lower-case: `.sparse.npz`. */
  ext: string;
}

export class HandlerRegistry {
  // Insertion order breaks priority ties: among equals, the handler registered last wins, so a
  // user's handler overrides a built-in one of the same priority.
  readonly #handlers: DataHandler[] = [];
  #extensions: string[] = [];
  // Lookups run on every get and set; they are indexed once per registration.
  // Extensions by their last `.segment` (`.npz` → [`.sparse.npz`, `.npz`]), longest first.
  #byLastSegment = new Map<string, string[]>();
  // The same lists by the last segment's first letter and length (see `tailId`): found with no string
  // built, which `splitKey` on every key of a listing and every call needs.
  #byTail = new Map<number, string[]>();
  // Handlers by extension, and all handlers, best first (priority, then latest registration).
  #byExtension = new Map<string, DataHandler[]>();
  #ranked: DataHandler[] = [];

  constructor(handlers: Iterable<DataHandler> = []) {
    for (const handler of handlers) this.#add(handler);
    this.#index();
  }

  /** Adds a handler; it takes precedence over earlier ones of equal priority. */
  register(handler: DataHandler): void {
    this.#add(handler);
    this.#index();
  }

  #add(handler: DataHandler): void {
    for (const ext of handler.extensions) {
      if (!/^(\.[a-z0-9_+-]+)+$/.test(ext)) {
        throw new TypeError(`handler extension ${JSON.stringify(ext)} must be lower-case and start with '.'`);
      }
    }
    this.#handlers.push(handler);
  }

  #index(): void {
    // Stable sort: among equal priorities the later registration must come first, so rank a reversed copy.
    this.#ranked = [...this.#handlers].reverse().sort((a, b) => b.priority - a.priority);
    this.#extensions = [...new Set(this.#handlers.flatMap((h) => h.extensions))].sort(
      (a, b) => b.length - a.length,
    );
    this.#byLastSegment = new Map();
    this.#byTail = new Map();
    this.#byExtension = new Map();
    for (const ext of this.#extensions) {
      const last = ext.slice(ext.lastIndexOf("."));
      const list = this.#byLastSegment.get(last) ?? [];
      list.push(ext);
      this.#byLastSegment.set(last, list);
      const id = tailId(last.charCodeAt(1), last.length);
      const byTail = this.#byTail.get(id) ?? [];
      byTail.push(ext);
      this.#byTail.set(id, byTail);
      this.#byExtension.set(
        ext,
        this.#ranked.filter((h) => h.extensions.includes(ext)),
      );
    }
  }

  /** Every registered extension, longest first. */
  get extensions(): readonly string[] {
    return this.#extensions;
  }

  /** Splits a key into bare key and registered extension, or undefined when none matches. */
  splitKey(key: string): SplitKey | undefined {
    const ext = this.#extensionOf(key);
    return ext === undefined ? undefined : { bare: key.slice(0, key.length - ext.length), ext };
  }

  /** The key without its registered extension; the key itself when it has none. */
  bareKey(key: string): string {
    const ext = this.#extensionOf(key);
    return ext === undefined ? key : key.slice(0, key.length - ext.length);
  }

  /** The registered extension a key ends with (longest first), leaving a non-empty name; or undefined. */
  #extensionOf(key: string): string | undefined {
    const nameStart = key.lastIndexOf("/") + 1;
    const dot = key.lastIndexOf(".");
    if (dot <= nameStart) return undefined; // no extension, or a dotfile such as `.json`
    const length = key.length;
    for (let i = dot + 1; i < length; i++) {
      // Beyond ASCII, lower-casing is not per character (the Kelvin sign K is a `k`).
      if (key.charCodeAt(i) > 127) return this.#extensionFolded(key, nameStart, dot);
    }
    const candidates = this.#byTail.get(tailId(asciiLower(key.charCodeAt(dot + 1)), length - dot));
    if (!candidates) return undefined;
    for (const ext of candidates) {
      const start = length - ext.length;
      if (start > nameStart && endsWithAsciiFolded(key, start, ext)) return ext;
    }
    return undefined;
  }

  /** {@link #extensionOf} for a key whose last segment is not ASCII: full Unicode lower-casing. */
  #extensionFolded(key: string, nameStart: number, dot: number): string | undefined {
    const candidates = this.#byLastSegment.get(key.slice(dot).toLowerCase());
    if (!candidates) return undefined;
    for (const ext of candidates) {
      if (key.length - ext.length > nameStart && key.slice(key.length - ext.length).toLowerCase() === ext) {
        return ext;
      }
    }
    return undefined;
  }

  /** The extension named by a `format` option: `"parquet"`, `".parquet"` or `"sparse.npz"`. */
  normalizeFormat(format: string): string {
    const ext = `.${format.replace(/^\./, "").toLowerCase()}`;
    if (!this.#byExtension.has(ext)) {
      throw new UnsupportedFormatError(
        `unknown format ${JSON.stringify(format)}; known: ${[...this.#extensions].sort().join(", ")}`,
      );
    }
    return ext;
  }

  /** The handler that reads files with this extension. */
  forReading(ext: string): DataHandler {
    const handler = this.#byExtension.get(ext)?.[0];
    if (!handler) throw new UnsupportedFormatError(`no handler reads '${ext}' files`);
    return handler;
  }

  /**
   * The handler that writes `value` to a file with extension `ext`: among the extension's handlers,
   * the best one that accepts the value, else the extension's best handler (whose `encode` says why
   * it cannot).
   */
  forWritingExtension(ext: string, value: unknown): DataHandler {
    const owners = this.#byExtension.get(ext);
    // One owner writes whatever the value: no test of it (a JSON value's would walk it whole).
    const handler =
      owners?.length === 1 ? owners[0] : (owners?.find((h) => h.canHandleData(value)) ?? owners?.[0]);
    if (!handler) throw new UnsupportedFormatError(`no handler writes '${ext}' files`);
    return handler;
  }

  /** The handler that writes `value` under a bare key, with the extension it appends. */
  forWritingValue(value: unknown): { handler: DataHandler; ext: string } {
    const handler = this.#ranked.find((h) => h.canHandleData(value));
    const ext = handler?.extensions[0];
    if (!handler || ext === undefined) {
      throw new UnsupportedFormatError(`no handler can write a value of type ${describeType(value)}`);
    }
    return { handler, ext };
  }
}

/** Extensions' last segments by first letter and length: `.json` → `j`, 5. */
function tailId(firstLetter: number, length: number): number {
  return firstLetter * 256 + Math.min(length, 255);
}

function asciiLower(code: number): number {
  return code >= 65 && code <= 90 ? code + 32 : code;
}

/** True when `key` from `start` is `ext` but for ASCII case; `ext` is lower-case. */
function endsWithAsciiFolded(key: string, start: number, ext: string): boolean {
  for (let i = 0; i < ext.length; i++) {
    const code = key.charCodeAt(start + i);
    // Beyond ASCII: compare as the full lower-casing does.
    if (code > 127) return key.slice(start).toLowerCase() === ext;
    if (asciiLower(code) !== ext.charCodeAt(i)) return false;
  }
  return true;
}

/** A readable type name for messages: `Map`, `Float32Array`, `null`, `number`. */
export function describeType(value: unknown): string {
  if (value === null) return "null";
  if (typeof value !== "object") return typeof value;
  return (value as object).constructor?.name ?? "object";
}
