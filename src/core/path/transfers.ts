/**
 * AutoPath's uploads (from local files, folders and streams) and downloads (to local files, folders
 * and streams); `copy.ts` holds copies and moves. Bodies stream (nothing holds a whole file);
 * progress is counted on the bytes as they pass, at least every 1 MiB or 250 ms and once at the end.
 */
import { folderPrefix, isCommonPrefix, type ListedObject, type ObjectMeta } from "../backend.js";
import { checkCallOptions } from "../call-options.js";
import { InvalidKeyError, IsADirectoryError, KeyNotFoundError, throwIfAborted } from "../errors.js";
import type { AutoPath, PathTransferOptions } from "./autopath.js";
import * as io from "./io.js";
import { type Located, locate, OPTION_FIELDS, typed } from "./io.js";
import { localFiles } from "./local-files.js";
import { metered, ProgressMeter, TreeProgress } from "./progress.js";

/** What `uploadFrom` takes: a local path (Node), a Node `Readable`, a web `ReadableStream`, a `Blob`. */
export type UploadSource = string | Blob | ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>;
/** What `downloadTo` takes: a local path (Node) or a web `WritableStream`. */
export type DownloadTarget = string | WritableStream<Uint8Array>;

function toStream(source: Exclude<UploadSource, string>): {
  body: ReadableStream<Uint8Array>;
  size?: number;
} {
  if (typeof Blob !== "undefined" && source instanceof Blob)
    return { body: source.stream(), size: source.size };
  if (typeof ReadableStream !== "undefined" && source instanceof ReadableStream) return { body: source };
  if (typeof source === "object" && source !== null && Symbol.asyncIterator in source) {
    const iterator = (source as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
    const body = new ReadableStream<Uint8Array>(
      {
        async pull(controller) {
          const next = await iterator.next();
          if (next.done) controller.close();
          else
            controller.enqueue(
              typeof next.value === "string" ? new TextEncoder().encode(next.value) : next.value,
            );
        },
        async cancel() {
          await iterator.return?.();
        },
      },
      { highWaterMark: 0 },
    );
    return { body };
  }
  throw new InvalidKeyError(
    "uploadFrom: the source must be a local path, a Blob, a ReadableStream or a Node Readable",
  );
}

async function writeStreamAt(
  at: Located,
  body: ReadableStream<Uint8Array>,
  size: number | undefined,
  options: PathTransferOptions,
): Promise<ObjectMeta> {
  const { backend, key } = at.target;
  if (key === "")
    throw new IsADirectoryError(`write ${at.uri}: it is a folder`, { key: at.storeKey, uri: at.uri });
  const meter = new ProgressMeter(size, options.onProgress);
  const written = await backend.write(key, metered(body, meter, options.signal), {
    ...(options.signal ? { signal: options.signal } : {}),
    ...(size !== undefined ? { size } : {}),
  });
  throwIfAborted(options.signal);
  meter.done();
  return written;
}

export async function uploadFrom(
  path: AutoPath,
  source: UploadSource,
  options: PathTransferOptions & { size?: number } = {},
): Promise<void> {
  try {
    checkCallOptions("AutoPath.uploadFrom", options, OPTION_FIELDS.uploadFrom);
    throwIfAborted(options.signal);
    const at = locate(path);
    if (typeof source !== "string") {
      const { body, size } = toStream(source);
      await writeStreamAt(at, body, options.size ?? size, options);
      return;
    }
    const files = localFiles();
    if (!files)
      throw new InvalidKeyError(
        `uploadFrom '${source}': this runtime has no local files; pass a Blob or a stream`,
      );
    const kind = await files.kind(source);
    if (!kind) throw new KeyNotFoundError(`uploadFrom: no local file '${source}'`, { key: source });
    if (kind.type === "file") {
      await writeStreamAt(at, files.open(source), kind.size, options);
      return;
    }
    // A folder uploads its tree under this path (the same keys however often it is repeated), as one
    // transfer: the files are listed first, for progress against the whole tree's size.
    const tree: { rel: string; file: string; size: number | undefined }[] = [];
    for await (const rel of files.walk(source)) {
      const file = files.join(source, rel);
      const found = await files.kind(file);
      tree.push({ rel, file, size: found?.type === "file" ? found.size : undefined });
    }
    const progress = new TreeProgress(sumOf(tree), options.onProgress);
    for (const { rel, file, size } of tree) {
      await writeStreamAt(locate(path.joinpath(rel)), files.open(file), size, progress.file(options));
    }
    progress.done();
  } catch (err) {
    throw typed(err, "uploadFrom", path, options.signal);
  }
}

export async function downloadTo(
  path: AutoPath,
  target: DownloadTarget,
  options: PathTransferOptions = {},
): Promise<void> {
  try {
    checkCallOptions("AutoPath.downloadTo", options, OPTION_FIELDS.downloadTo);
    throwIfAborted(options.signal);
    const at = locate(path);
    if (typeof target !== "string") {
      await readInto(at, options, (body) => body.pipeTo(target, signalOnly(options)));
      return;
    }
    const files = localFiles();
    if (!files)
      throw new InvalidKeyError(
        `downloadTo '${target}': this runtime has no local files; pass a WritableStream`,
      );
    const kind = await files.kind(target);
    if (!(await io.isFile(path, signalOnly(options))) && (await io.isDir(path, signalOnly(options)))) {
      // A folder downloads its tree into the local folder, as one transfer (see uploadFrom).
      const tree = await filesUnder(at, options);
      const progress = new TreeProgress(sumOf(tree), options.onProgress);
      const prefix = folderPrefix(at.target.key);
      for (const { key } of tree) {
        const rel = key.slice(prefix.length);
        const file = files.join(target, ...rel.split("/"));
        await downloadTo(path.joinpath(rel), file, progress.file(options));
      }
      progress.done();
      return;
    }
    // Into a folder: one that exists, or one a trailing separator names (made if missing).
    const intoFolder = kind?.type === "folder" || target.endsWith("/") || target.endsWith("\\");
    const file = intoFolder ? files.join(target, path.name) : target;
    await readInto(at, options, (body) => files.write(file, body, signalOnly(options)));
  } catch (err) {
    throw typed(err, "downloadTo", path, options.signal);
  }
}

async function readInto(
  at: Located,
  options: PathTransferOptions,
  sink: (body: ReadableStream<Uint8Array>) => Promise<void>,
): Promise<void> {
  if (at.target.key === "") throw new IsADirectoryError(`read ${at.uri}: it is a folder`, { uri: at.uri });
  const result = await at.target.backend.read(at.target.key, signalOnly(options));
  const meter = new ProgressMeter(result.meta.size >= 0 ? result.meta.size : undefined, options.onProgress);
  await sink(metered(result.stream(), meter, options.signal));
  throwIfAborted(options.signal);
  meter.done();
}

/**
 * The files of a folder's tree (never `dir/` markers) with their sizes: the listing's, or for a
 * backend whose listing leaves them out (a disk's) its `head`, asked only when progress is wanted.
 */
export async function filesUnder(at: Located, options: PathTransferOptions): Promise<ListedObject[]> {
  const files: ListedObject[] = [];
  const { backend, key } = at.target;
  const call = signalOnly(options);
  for await (const entry of backend.list(folderPrefix(key), { delimiter: false, ...call })) {
    if (isCommonPrefix(entry) || entry.key.endsWith("/")) continue;
    if (entry.size === undefined && options.onProgress) {
      files.push({ key: entry.key, size: (await backend.head(entry.key, call)).size });
    } else files.push(entry);
  }
  return files;
}

/** The total of the sizes, or undefined when one is unknown. */
export function sumOf(files: readonly { size?: number | undefined }[]): number | undefined {
  let total = 0;
  for (const { size } of files) {
    if (size === undefined) return undefined;
    total += size;
  }
  return total;
}

/** Only the signal of a transfer's options, for the checks it makes on the way. */
export function signalOnly(options: PathTransferOptions): { signal?: AbortSignal } {
  return options.signal ? { signal: options.signal } : {};
}
