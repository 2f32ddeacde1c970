/**
 * The Node.js build of autostore-js: local disk (the default for plain paths), memory, and the
 * remote backends. Wiring only: logic lives in `src/core` and the backends.
 *
 * @example
 * import { AutoStore } from "autostore-js";
 * const store = new AutoStore("./data");
 * await store.set("config", { key: "value" });
 */

import { httpBackendFactory } from "../core/backends/http.js";
import { setCacheStorageFactory } from "../core/cache/storage.js";
import { registerLocalFiles } from "../core/path/local-files.js";
import { registerSchemeFactory, setLocalScheme } from "../core/schemes.js";
import { FsCacheStorage } from "./cache-fs.js";
import { DiskBackend } from "./disk.js";
import { fileUriToPath, splitFileUri } from "./file-uri.js";
import { nodeLocalFiles } from "./local-files.js";
import { s3BackendFactory } from "./s3.js";

registerSchemeFactory("file", {
  kind: "file",
  open: (root, { localPath }) => new DiskBackend(localPath ? root : fileUriToPath(root)),
  split: splitFileUri,
});
setLocalScheme("file");
registerSchemeFactory("s3", s3BackendFactory());
registerSchemeFactory("http", httpBackendFactory);
registerSchemeFactory("https", httpBackendFactory);
setCacheStorageFactory((location) => new FsCacheStorage(location));
registerLocalFiles(nodeLocalFiles);

export * from "../core/index.js";
export { S3Options, type S3OptionsInit } from "../s3/index.js";
export { defaultCacheDir, FsCacheStorage } from "./cache-fs.js";
export { DiskBackend, TEMP_PREFIX } from "./disk.js";
export { S3Backend } from "./s3.js";
