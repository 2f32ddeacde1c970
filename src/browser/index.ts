/**
 * The browser build of autostore-js: memory and the remote backends; the Origin Private File System
 * backend and the IndexedDB cache plug in here.
 */
import { httpBackendFactory } from "../core/backends/http.js";
import { registerSchemeFactory } from "../core/schemes.js";
import { s3BackendFactory } from "../s3/index.js";

registerSchemeFactory("s3", s3BackendFactory());
registerSchemeFactory("http", httpBackendFactory);
registerSchemeFactory("https", httpBackendFactory);

export * from "../core/index.js";
export { S3Backend, S3Options, type S3OptionsInit } from "../s3/index.js";
