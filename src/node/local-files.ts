/**
 * Node's local files for AutoPath transfers: streamed reads, and writes to a temporary file in the
 * destination's folder that a rename commits, so a failed or aborted download leaves nothing behind.
 */
import { randomBytes } from "node:crypto";
import { createWriteStream } from "node:fs";
import * as fs from "node:fs/promises";
import * as path from "node:path";
import { Readable, type Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as NodeReadableStream } from "node:stream/web";
import { pathToFileURL } from "node:url";
import { IsADirectoryError, NotADirectoryError, PermissionDeniedError } from "../core/errors.js";
import type { LocalFiles } from "../core/path/local-files.js";
import { TEMP_PREFIX } from "./disk.js";
import { fileStream } from "./file-stream.js";

export const nodeLocalFiles: LocalFiles = {
  async kind(file) {
    try {
      const stat = await fs.stat(file);
      if (stat.isDirectory()) return { type: "folder" };
      return { type: "file", size: stat.size };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      // Nothing there (a file standing in the path is the writer's to report).
      if (code === "ENOENT" || code === "ENOTDIR") return undefined;
      throw err;
    }
  },

  open(file) {
    return fileStream(() => fs.open(file, "r"));
  },

  async *walk(folder) {
    const entries = await fs.readdir(folder, { recursive: true, withFileTypes: true });
    const files = entries
      .filter((e) => e.isFile())
      .map((e) =>
        path
          .relative(folder, path.join(e.parentPath ?? e.path, e.name))
          .split(path.sep)
          .join("/"),
      )
      .sort();
    yield* files;
  },

  async write(file, body, { signal }) {
    await fs.mkdir(path.dirname(file), { recursive: true }).catch((err: unknown) => {
      throw localError(err, file);
    });
    const temp = path.join(path.dirname(file), `${TEMP_PREFIX}${randomBytes(8).toString("hex")}`);
    try {
      await pipeline(
        Readable.fromWeb(body as unknown as NodeReadableStream<Uint8Array>),
        createWriteStream(temp, { flags: "wx" }) as Writable,
        signal ? { signal } : {},
      );
      await fs.rename(temp, file);
    } catch (err) {
      await fs.rm(temp, { force: true });
      throw localError(err, file);
    }
  },

  join: (...parts) => path.join(...parts),
};

/**
 * A local file system's refusal as the typed error of the file it concerns (the key is the local
 * path); other failures (an abort, a source that broke) pass as they are.
 */
function localError(err: unknown, file: string): unknown {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const context = { key: file, uri: pathToFileURL(file).href, cause: err };
  switch (code) {
    case "ENOTDIR":
    case "EEXIST":
      return new NotADirectoryError(
        `write ${file}: a file stands where a folder of its path should be`,
        context,
      );
    case "EISDIR":
      return new IsADirectoryError(`write ${file}: a folder has this name`, context);
    case "EACCES":
    case "EPERM":
    case "EROFS":
      return new PermissionDeniedError(`write ${file}: permission denied (${code})`, context);
    default:
      return err;
  }
}
