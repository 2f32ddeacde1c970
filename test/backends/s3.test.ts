/**
 * The S3 backend against a local S3-compatible server (s3rver): the backend and store conformance
 * suites, then what only S3 has.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll } from "vitest";
import { AutoStore, S3Backend, S3Options } from "../../src/node/index.js";
import { testBackend } from "../conformance/backend.js";
import { testStore } from "../conformance/store.js";
import { type S3Server, startS3Server } from "../helpers/s3-server.js";

let s3: S3Server;

beforeAll(async () => {
  s3 = await startS3Server({ buckets: ["conformance"] });
});
afterAll(async () => {
  await s3?.stop();
});

testBackend("s3 (s3rver)", async () => {
  const backend = new S3Backend(`conformance/backend-${randomUUID()}/`, { options: s3.options() });
  return { backend, cleanup: () => backend.close() };
});

testBackend("s3 over fetch (s3rver)", async () => {
  const backend = new S3Backend(`conformance/fetch-${randomUUID()}/`, {
    options: s3.options({ transport: "fetch" }),
  });
  return { backend, cleanup: () => backend.close() };
});

testStore("s3 (s3rver)", async () => {
  const store = new AutoStore(`s3://conformance/store-${randomUUID()}/`, {
    options: new S3Options(s3.options()),
  });
  return { store, cleanup: () => store.close() };
});
