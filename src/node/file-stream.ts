/**
 * A file's bytes as a web `ReadableStream`, read on demand from a `FileHandle`.
 *
 * Written by hand, not `Readable.toWeb(createReadStream(…))`: on Node 20 that adapter keeps pushing
 * `data` events after the web stream was cancelled (an aborted upload), and its `enqueue` on the
 * closed controller throws from an event handler, which crashes the process with an uncaught
 * `ERR_INVALID_STATE`. Here each chunk is read when the consumer pulls it, so a cancel simply stops.
 *
 * It is a byte stream: a consumer with a buffer of its own (a BYOB reader, such as S3 multipart
 * filling its part buffers) gets the file read straight into it, with no chunk allocated per read.
 * A default reader gets fresh chunks of {@link CHUNK} bytes, as before.
 */
import type { FileHandle } from "node:fs/promises";
import { abortReason } from "../core/errors.js";

/** Bytes per read for a default reader: what `createReadStream` reads at once. */
const CHUNK = 64 * 1024;
/** Most bytes per read into a consumer's buffer: reads stay short enough for progress to move. */
const MAX_READ = 1024 * 1024;

/**
 * Streams bytes `start` to `end` (exclusive; default: to the end of the file) of a file, then closes
 * it (also on cancel or error). The file is an open handle, or a function that opens it on the first
 * pull. `onChunk` gets the bytes read so far after each chunk; a fired `signal` errors the stream with
 * its reason.
 */
export function fileStream(
  file: FileHandle | (() => Promise<FileHandle>),
  start = 0,
  end = Number.POSITIVE_INFINITY,
  options: { signal?: AbortSignal; onChunk?: (loaded: number) => void } = {},
): ReadableStream<Uint8Array> {
  let position = start;
  let handle: FileHandle | undefined = typeof file === "function" ? undefined : file;
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await handle?.close();
  };
  return new ReadableStream(
    {
      type: "bytes",
      // A default read brings no buffer; this gives it one, so every pull has a request to fill.
      autoAllocateChunkSize: CHUNK,
      async pull(controller) {
        const request = controller.byobRequest as ReadableStreamBYOBRequest;
        try {
          if (options.signal?.aborted) throw abortReason(options.signal);
          handle ??= await (file as () => Promise<FileHandle>)();
          const view = request.view as Uint8Array;
          const want = Math.min(view.byteLength, MAX_READ, end - position);
          const { bytesRead } = want > 0 ? await handle.read(view, 0, want, position) : { bytesRead: 0 };
          // Cancelled while reading: the request is gone with the stream.
          if (closed) return;
          // The end of the range, or of a file that shrank meanwhile.
          if (bytesRead === 0) {
            await close();
            controller.close();
            request.respond(0);
            return;
          }
          position += bytesRead;
          request.respond(bytesRead);
          options.onChunk?.(position - start);
        } catch (err) {
          await close().catch(() => undefined);
          controller.error(err);
        }
      },
      async cancel() {
        await close();
      },
    },
    { highWaterMark: 0 },
  );
}
