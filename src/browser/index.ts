/**
 * The browser build of autostore-js: memory and the remote backends; the Origin Private File System
 * backend and the IndexedDB cache plug in here.
 */
export * from "../core/index.js";
export { S3Options, type S3OptionsInit } from "../s3/index.js";
