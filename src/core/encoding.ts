/**
 * Content codings (`Content-Encoding: gzip`…) of remote bodies: which a body carries, whether the
 * runtime's `fetch` already undid them, and undoing them where nothing did (the AWS SDK over
 * `node:http` hands out the stored bytes). A stored object's value is its decoded bytes, whichever
 * request path reads it.
 */
import { BackendError, describeCause, type ErrorContext } from "./errors.js";

/** The codings a `Content-Encoding` header lists, in the order they were applied (`identity` dropped). */
export function parseCodings(header: string | null | undefined): string[] {
  if (!header) return [];
  return header
    .split(",")
    .map((coding) => coding.trim().toLowerCase())
    .filter((coding) => coding !== "" && coding !== "identity");
}

// What fetch undoes by itself (undici, browsers, workerd). Given any other coding, undici undoes none.
const FETCH_DECODES = new Set(["gzip", "x-gzip", "deflate", "br"]);

/** True when a `fetch` response with these codings has a decoded body already. */
export function fetchDecodes(codings: readonly string[]): boolean {
  return codings.every((coding) => FETCH_DECODES.has(coding));
}

/** Where a body comes from, for errors. */
export type BodyContext = Pick<ErrorContext, "key" | "uri" | "backend">;

/**
 * The decoded chunks of a body stored with `codings`: gzip and deflate (zlib or raw) with fflate,
 * br where the runtime's `DecompressionStream` has it. A coding none of these undo, or bytes that are
 * not what the coding says, fail with a {@link BackendError}; a failure of the body itself (a broken
 * connection) passes through unchanged, so the read can resume.
 */
export async function* decodeChunks(
  source: AsyncIterable<Uint8Array>,
  codings: readonly string[],
  context: BodyContext,
): AsyncGenerator<Uint8Array, void, undefined> {
  let out = source;
  // The last coding listed was applied last: it comes off first.
  for (const coding of [...codings].reverse()) out = decodeOne(out, coding, context);
  yield* out;
}

function decodeOne(
  source: AsyncIterable<Uint8Array>,
  coding: string,
  context: BodyContext,
): AsyncGenerator<Uint8Array, void, undefined> {
  const fail = (err: unknown) =>
    new BackendError(`read ${context.uri}: the body is not valid ${coding}: ${describeCause(err)}`, {
      ...context,
      backendCode: "InvalidContentEncoding",
      cause: err,
    });
  if (coding === "gzip" || coding === "x-gzip") return viaFflate(source, async () => gunzip(), fail);
  if (coding === "deflate") return viaFflate(source, (first) => inflate(first), fail);
  const native = nativeDecoder(coding === "br" ? ["br", "brotli"] : [coding]);
  if (native) return viaStream(source, native, fail);
  throw new BackendError(
    `read ${context.uri}: the body is stored with Content-Encoding ${coding}, which this runtime cannot decode` +
      (coding === "br" ? ' (the fetch request path can: transport: "fetch")' : ""),
    { ...context, backendCode: "UnsupportedContentEncoding" },
  );
}

interface StreamDecoder {
  ondata: ((data: Uint8Array, final: boolean) => void) | undefined;
  push(chunk: Uint8Array, final?: boolean): void;
}

async function gunzip(): Promise<StreamDecoder> {
  // Loaded on first use: most stores never meet an encoded body.
  const { Gunzip } = await import("fflate");
  return new Gunzip() as unknown as StreamDecoder;
}

/** HTTP's `deflate` is zlib-wrapped (RFC 9110), but some servers send raw deflate: the header tells. */
async function inflate(first: Uint8Array): Promise<StreamDecoder> {
  const { Inflate, Unzlib } = await import("fflate");
  const b0 = first[0] ?? 0;
  const b1 = first[1] ?? 0;
  const zlib = (b0 & 0x0f) === 8 && ((b0 << 8) | b1) % 31 === 0;
  return (zlib ? new Unzlib() : new Inflate()) as unknown as StreamDecoder;
}

async function* viaFflate(
  source: AsyncIterable<Uint8Array>,
  make: (first: Uint8Array) => Promise<StreamDecoder>,
  fail: (err: unknown) => Error,
): AsyncGenerator<Uint8Array, void, undefined> {
  let decoder: StreamDecoder | undefined;
  const out: Uint8Array[] = [];
  const push = (chunk: Uint8Array, final: boolean) => {
    try {
      (decoder as StreamDecoder).push(chunk, final);
    } catch (err) {
      throw fail(err);
    }
  };
  for await (const chunk of source) {
    if (chunk.length === 0) continue;
    if (!decoder) {
      decoder = await make(chunk);
      decoder.ondata = (data) => {
        if (data.length > 0) out.push(data);
      };
    }
    push(chunk, false);
    while (out.length > 0) yield out.shift() as Uint8Array;
  }
  // An empty body decodes to nothing (a HEAD-like answer); anything else must end where its coding does.
  if (!decoder) return;
  push(new Uint8Array(0), true);
  while (out.length > 0) yield out.shift() as Uint8Array;
}

function nativeDecoder(
  formats: readonly string[],
): (() => TransformStream<Uint8Array, Uint8Array>) | undefined {
  const Native = (globalThis as { DecompressionStream?: new (format: string) => TransformStream })
    .DecompressionStream;
  if (!Native) return undefined;
  for (const format of formats) {
    try {
      new Native(format);
      return () => new Native(format) as TransformStream<Uint8Array, Uint8Array>;
    } catch {
      // Not a format this runtime has.
    }
  }
  return undefined;
}

async function* viaStream(
  source: AsyncIterable<Uint8Array>,
  make: () => TransformStream<Uint8Array, Uint8Array>,
  fail: (err: unknown) => Error,
): AsyncGenerator<Uint8Array, void, undefined> {
  const decoder = make();
  const writer = decoder.writable.getWriter();
  let sourceFailure: { error: unknown } | undefined;
  const pump = (async () => {
    try {
      for await (const chunk of source) await writer.write(chunk);
      await writer.close();
    } catch (err) {
      sourceFailure ??= { error: err };
      await writer.abort(err).catch(() => undefined);
    }
  })();
  const reader = decoder.readable.getReader();
  let done = false;
  try {
    for (;;) {
      let next: ReadableStreamReadResult<Uint8Array>;
      try {
        next = await reader.read();
      } catch (err) {
        // The body's own failure (it comes through the decoder as the abort reason) stays as it is.
        if (sourceFailure) throw sourceFailure.error;
        throw fail(err);
      }
      if (next.done) break;
      yield next.value;
    }
    done = true;
  } finally {
    if (!done) await reader.cancel().catch(() => undefined);
    reader.releaseLock();
    // Left early, the pump may wait on a body nobody reads any more: it ends with that body.
    if (done) await pump;
  }
}
