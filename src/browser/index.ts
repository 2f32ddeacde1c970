/**
 * The browser build of autostore-js: the Origin Private File System (the default for plain paths:
 * `./data` is the OPFS folder `data`), memory, and the remote backends, with the cache in IndexedDB.
 *
 * @example
 * import { AutoStore } from "autostore-js";
 * const store = new AutoStore("data"); // the OPFS folder `data`
 * await store.set("config", { key: "value" }); // the file data/config.json
 */
import { httpBackendFactory } from "../core/backends/http.js";
import { setCacheStorageFactory } from "../core/cache/storage.js";
import { registerSchemeFactory, setLocalScheme } from "../core/schemes.js";
import { s3BackendFactory } from "../s3/index.js";
import { IdbCacheStorage } from "./cache-idb.js";
import { OpfsBackend } from "./opfs.js";
import { opfsFolderOf } from "./opfs-support.js";

// Opening touches nothing: `navigator.storage` is looked up on the backend's first call, so this
// build still imports where there is no OPFS.
registerSchemeFactory("opfs", {
  kind: "opfs",
  open: (root, { localPath }) => new OpfsBackend(opfsFolderOf(root, localPath === true)),
});
setLocalScheme("opfs");
// S3 goes over signed fetch by default: it keeps the AWS SDK (hundreds of KB) out of a web app's
// bundle; `transport: "sdk"` loads the SDK on first use.
registerSchemeFactory("s3", s3BackendFactory({ transport: "fetch" }));
registerSchemeFactory("http", httpBackendFactory);
registerSchemeFactory("https", httpBackendFactory);
// `cacheDir` names the IndexedDB database; a runtime without IndexedDB gets a ConfigError here.
setCacheStorageFactory((location) => new IdbCacheStorage(location));

export * from "../core/index.js";
export { TEMP_PREFIX } from "../core/keys.js";
export { S3Backend, S3Options, type S3OptionsInit } from "../s3/index.js";
export { DEFAULT_CACHE_DATABASE, IdbCacheStorage } from "./cache-idb.js";
export { OpfsBackend } from "./opfs.js";
