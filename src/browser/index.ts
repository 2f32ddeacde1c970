/**
 * The browser build of autostore-js: memory and the remote backends; the Origin Private File System
 * backend and the IndexedDB cache plug in here.
 */
import { httpBackendFactory } from "../core/backends/http.js";
import { setCacheStorageFactory } from "../core/cache/storage.js";
import { registerSchemeFactory } from "../core/schemes.js";
import { s3BackendFactory } from "../s3/index.js";
import { IdbCacheStorage } from "./cache-idb.js";

// S3 goes over signed fetch by default: it keeps the AWS SDK (hundreds of KB) out of a web app's
// bundle; `transport: "sdk"` loads the SDK on first use.
registerSchemeFactory("s3", s3BackendFactory({ transport: "fetch" }));
registerSchemeFactory("http", httpBackendFactory);
registerSchemeFactory("https", httpBackendFactory);
// `cacheDir` names the IndexedDB database; a runtime without IndexedDB gets a ConfigError here.
setCacheStorageFactory((location) => new IdbCacheStorage(location));

export * from "../core/index.js";
export { S3Backend, S3Options, type S3OptionsInit } from "../s3/index.js";
export { DEFAULT_CACHE_DATABASE, IdbCacheStorage } from "./cache-idb.js";
