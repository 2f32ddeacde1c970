/**
 * Progress of AutoPath's transfers: one file's bytes as they pass ({@link ProgressMeter}), and a
 * folder's files as one transfer ({@link TreeProgress}). Events come at least every 1 MiB or 250 ms,
 * and once at the end with `loaded === total`.
 */
import { PROGRESS_STEP, type Progress } from "../backend.js";
import { tapStream } from "../tap-stream.js";
import type { PathTransferOptions } from "./autopath.js";

const INTERVAL_MS = 250;
const PIECE = 256 * 1024;

/** Reports progress no less often than every 1 MiB or 250 ms, and no more often than each chunk. */
export class ProgressMeter {
  loaded = 0;
  #reported = 0;
  #at = Date.now();
  constructor(
    readonly total: number | undefined,
    readonly report: ((p: Progress) => void) | undefined,
  ) {}

  add(n: number): void {
    this.loaded += n;
    // The end is `done`'s to report (once), even when the last chunk lands on a step.
    if (!this.report || this.loaded === this.total) return;
    const now = Date.now();
    if (this.loaded - this.#reported >= PROGRESS_STEP || now - this.#at >= INTERVAL_MS) {
      this.#reported = this.loaded;
      this.#at = now;
      // Past a size hint that was too small, the total is not known until the end.
      const total = this.total !== undefined && this.loaded < this.total ? this.total : undefined;
      this.report({ loaded: this.loaded, total });
    }
  }

  /** The final event: `loaded === total`, the bytes that passed (whatever size was announced). */
  done(): void {
    this.report?.({ loaded: this.loaded, total: this.loaded });
  }
}

/**
 * A stream that counts what passes through it and fails with the signal's reason once aborted. A
 * large chunk (a Blob's whole body) passes in pieces, so progress moves at least every piece; a byte
 * source (a local file) stays one, so an upload can read it straight into its own buffers.
 */
export function metered(
  body: ReadableStream<Uint8Array>,
  meter: ProgressMeter,
  signal: AbortSignal | undefined,
): ReadableStream<Uint8Array> {
  return tapStream(body, {
    onChunk: (length) => meter.add(length),
    maxChunk: PIECE,
    ...(signal ? { signal } : {}),
  });
}

/**
 * A folder's transfer as one: each file's events are moved up by the bytes of the files before it and
 * set against the whole tree's `total` (the sum of the listed sizes; absent when one is unknown), and
 * the end is reported once, after the last file, with `loaded === total`.
 */
export class TreeProgress {
  #finished = 0;
  #current = 0;
  #last = -1;
  constructor(
    readonly total: number | undefined,
    readonly report: ((p: Progress) => void) | undefined,
  ) {}

  /** The options for the next file: its events count toward the tree's. */
  file<O extends PathTransferOptions>(options: O): O {
    this.#finished += this.#current;
    this.#current = 0;
    const report = this.report;
    if (!report) return options;
    return {
      ...options,
      onProgress: ({ loaded }: Progress) => {
        this.#current = loaded;
        const at = this.#finished + loaded;
        // The end is `done`'s to report; a file that grew since the listing never overruns the total.
        if (at <= this.#last || (this.total !== undefined && at >= this.total)) return;
        this.#last = at;
        report({ loaded: at, total: this.total });
      },
    };
  }

  /** The final event, once. */
  done(): void {
    const loaded = this.#finished + this.#current;
    this.report?.({ loaded, total: loaded });
  }
}
