/**
 * AutoPath's `copyTo` and `moveTo`: a file or a folder's tree, within one backend (a rename or the
 * service's own copy) or across backends (streamed through the client). Paths are told apart by the
 * storage they reach, not by the store they came through, so nothing is moved onto itself.
 */
import { type Backend, folderPrefix, type ObjectMeta } from "../backend.js";
import { checkCallOptions } from "../call-options.js";
import { InvalidKeyError, IsADirectoryError, KeyNotFoundError, throwIfAborted } from "../errors.js";
import type { AutoPath, PathTransferOptions } from "./autopath.js";
import { keepFolders, removeEmptyFolders } from "./folders.js";
import * as io from "./io.js";
import { type Located, locate, OPTION_FIELDS, typed } from "./io.js";
import { metered, ProgressMeter, TreeProgress } from "./progress.js";
import { filesUnder, signalOnly, sumOf } from "./transfers.js";

/** Copies (or moves) a file or a folder's tree to `target`, streaming across backends. */
export async function copyTo(
  path: AutoPath,
  target: AutoPath,
  remove: boolean,
  options: PathTransferOptions = {},
): Promise<AutoPath> {
  const action = remove ? "moveTo" : "copyTo";
  try {
    checkCallOptions(`AutoPath.${action}`, options, OPTION_FIELDS[action]);
    const from = locate(path);
    const to = locate(target);
    // One storage, whatever store or root each path came through: there URIs name the objects.
    const same = await sameStorage(from.target.backend, to.target.backend);
    // Onto itself, by any of its names: nothing to do (a move must not delete what it would move).
    if (same && named(from.uri) === named(to.uri)) return target;
    if (await io.isFile(path, signalOnly(options))) {
      await copyFile(from, from.target.key, to, to.target.key, remove, same, options);
      return target;
    }
    if (!(await io.isDir(path, signalOnly(options))))
      throw new KeyNotFoundError(`${action}: not found: ${from.uri}`, { key: from.storeKey, uri: from.uri });
    const prefix = folderPrefix(from.target.key);
    const base = folderPrefix(to.target.key);
    const fromFolder = named(from.target.backend.uri(prefix));
    const toFolder = named(to.target.backend.uri(base));
    // A folder into its own subfolder: a move would delete its own copy; a copy leaves out what lies
    // under the target (earlier copies), so doing it again gives the same tree, never a nested one.
    const intoItself = same && toFolder.startsWith(fromFolder);
    if (intoItself && remove) {
      throw new InvalidKeyError(`moveTo ${to.uri}: a folder cannot be moved into itself (${from.uri})`, {
        key: to.storeKey,
        uri: to.uri,
      });
    }
    // Onto its own ancestor: its files would land on files of its own not yet copied (`a/b/b/y` onto
    // `a/b/y`), so both refuse, as pathlib's `rename` does (the ancestor is never empty).
    if (same && fromFolder.startsWith(toFolder)) {
      throw new InvalidKeyError(
        `${action} ${to.uri}: a folder cannot be ${remove ? "moved" : "copied"} onto a folder it lies in (${from.uri})`,
        { key: to.storeKey, uri: to.uri },
      );
    }
    const tree = (await filesUnder(from, options)).filter(
      (f) => !(intoItself && named(from.target.backend.uri(f.key)).startsWith(toFolder)),
    );
    const progress = new TreeProgress(sumOf(tree), options.onProgress);
    for (const { key } of tree) {
      const toKey = base + key.slice(prefix.length);
      await copyFile(from, key, to, toKey, remove, same, progress.file(options));
    }
    progress.done();
    // The folders the move emptied go; one that a writer put a file in meanwhile stays, with it.
    if (remove && from.target.backend.folders) await removeEmptyFolders(from, signalOnly(options));
    return target;
  } catch (err) {
    throw typed(err, action, path, options.signal);
  }
}

/**
 * Copies (or moves) one file. `same`: the two backends reach one storage (see {@link sameStorage}),
 * where a file onto its own URI is left as it is.
 */
async function copyFile(
  from: Located,
  fromKey: string,
  to: Located,
  toKey: string,
  remove: boolean,
  same: boolean,
  options: PathTransferOptions,
): Promise<void> {
  if (toKey === "") throw new IsADirectoryError(`copy to ${to.uri}: it is a folder`, { uri: to.uri });
  const src = from.target.backend;
  const dst = to.target.backend;
  if (same && named(src.uri(fromKey)) === named(dst.uri(toKey))) return;
  const signal = signalOnly(options);
  let written: ObjectMeta;
  if (src === dst && remove && src.rename) written = await src.rename(fromKey, toKey, keepFolders(signal));
  else if (src === dst) written = await src.copy(fromKey, toKey, signal);
  else {
    const server = await dst.copyFrom?.(src, fromKey, toKey, signal);
    if (server) written = server;
    else {
      // Streamed through the meter: progress as the bytes pass, whatever the destination reports.
      const source = await src.read(fromKey, signal);
      const meter = new ProgressMeter(source.meta.size, options.onProgress);
      written = await dst.write(toKey, metered(source.stream(), meter, options.signal), {
        ...signal,
        size: source.meta.size,
        ...(source.meta.contentType ? { contentType: source.meta.contentType } : {}),
      });
      throwIfAborted(options.signal);
    }
  }
  if (remove && !(src === dst && src.rename)) await src.delete(fromKey, keepFolders(signal));
  options.onProgress?.({ loaded: written.size, total: written.size });
}

/**
 * Whether two backends reach the same objects under the same names: one backend, or one service.
 * Their `cacheIdentity` names the service (endpoint, region, addressing style), the scheme it is
 * registered under and the account that signs; neither of the last two changes which object a
 * name reaches (`minio://b/x` and `s3://b/x` at one endpoint are one object), so both are left out.
 * Backends whose URIs name their objects (disk, OPFS, a named memory space) have an empty identity
 * (or none) and are one storage per scheme; a private memory space names itself.
 */
async function sameStorage(a: Backend, b: Backend): Promise<boolean> {
  if (a === b) return true;
  const [x, y] = await Promise.all([placeOf(a), placeOf(b)]);
  return x === y;
}

async function placeOf(backend: Backend): Promise<string> {
  const identity = (await backend.cacheIdentity?.()) ?? "";
  let parsed: unknown;
  try {
    parsed = JSON.parse(identity);
  } catch {
    // Not an S3 identity: below.
  }
  if (typeof parsed !== "object" || parsed === null) return `${backend.scheme}:${identity}`;
  const { account: _signer, scheme: _scheme, ...place } = parsed as Record<string, unknown>;
  return JSON.stringify(place);
}

/** A URI without its scheme, which names the service, not the object (see {@link sameStorage}). */
function named(uri: string): string {
  return uri.slice(uri.indexOf(":"));
}
