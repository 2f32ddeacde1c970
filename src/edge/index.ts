/**
 * The edge build of autostore-js (workerd, Vercel edge, Deno and other fetch-only runtimes): no
 * `node:` built-ins and no DOM-only globals at import time.
 */
import { httpBackendFactory } from "../core/backends/http.js";
import { registerSchemeFactory } from "../core/schemes.js";
import { s3BackendFactory } from "../s3/edge.js";

// S3 goes over signed fetch: the AWS SDK parses XML with a DOMParser, which edge runtimes lack.
registerSchemeFactory("s3", s3BackendFactory());
registerSchemeFactory("http", httpBackendFactory);
registerSchemeFactory("https", httpBackendFactory);

export * from "../core/index.js";
export { S3Backend, S3Options, type S3OptionsInit } from "../s3/edge.js";
