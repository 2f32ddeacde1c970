/**
 * The fs cache storage against the cache storage conformance suite: real files in a temporary
 * folder; a second instance on the folder stands for a second process. Damage is done to the entry
 * file itself, as a failing disk or a stray write would.
 */
import { createHash } from "node:crypto";
import { readFile, stat, truncate, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { FsCacheStorage } from "../../src/node/index.js";
import { testCacheStorage } from "../conformance/cache-storage.js";
import { tempDir } from "../helpers/tmp.js";

testCacheStorage("fs", async () => {
  const dir = await tempDir();
  const folder = join(dir.path, "cache");
  const entryFile = (id: string) => {
    const hash = createHash("sha256").update(id).digest("hex");
    return join(folder, hash.slice(0, 2), `${hash}.entry`);
  };
  return {
    open: () => new FsCacheStorage(folder),
    async damage(id, how) {
      const file = entryFile(id);
      if (how === "truncate") {
        await truncate(file, (await stat(file)).size - 1);
      } else {
        const data = await readFile(file);
        data[data.length - 1] = (data[data.length - 1] ?? 0) ^ 0xff;
        await writeFile(file, data);
      }
    },
    cleanup: dir.remove,
  };
});
