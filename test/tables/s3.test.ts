/**
 * Datasets on a local S3-compatible server (s3rver): the shared dataset cases, then what a remote
 * dataset fetches: footer-only operations and a one-column read on three ~20 MB files, with the bytes
 * counted on the S3 backend's responses.
 */
import { randomUUID } from "node:crypto";
import * as arrow from "apache-arrow";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDataset } from "../../src/core/dataset/index.js";
import { AutoStore, ParquetHandler, S3Options } from "../../src/node/index.js";
import { CountingBackend } from "../helpers/counting-backend.js";
import { type S3Server, startS3Server } from "../helpers/s3-server.js";
import { testDatasets } from "./dataset-suite.js";

let s3: S3Server;

beforeAll(async () => {
  s3 = await startS3Server({ buckets: ["tables"] });
});
afterAll(async () => {
  await s3?.stop();
});

testDatasets("S3 (s3rver)", async () => {
  const store = new AutoStore(`s3://tables/suite-${randomUUID()}/`, { options: new S3Options(s3.options()) });
  return { store, close: () => store.close() };
});

describe("bytes fetched from S3 (3 Parquet files of ~20 MB)", () => {
  let store: AutoStore;
  let counting: CountingBackend;
  let total = 0;

  beforeAll(async () => {
    store = new AutoStore(`s3://tables/bytes-${randomUUID()}/`, { options: new S3Options(s3.options()) });
    store.registerHandler(new ParquetHandler({ rowGroupSize: 200_000 }));
    const column = () => arrow.makeVector(Float64Array.from({ length: 750_000 }, Math.random));
    for (const i of [0, 1, 2]) {
      await store.set(`big/part-${i}.parquet`, new arrow.Table({ a: column(), b: column(), c: column() }));
    }
    for await (const meta of store.primaryBackend.list("big/", { metadata: true })) {
      if ("size" in meta) total += meta.size ?? 0;
    }
    counting = new CountingBackend(store.primaryBackend);
  }, 120_000);
  afterAll(async () => {
    await store?.close();
  });

  const open = () => openDataset(counting, "big/", { outward: (k) => k });

  it("countRows() and schema() fetch less than 1% of the bytes, with explicit ranges", async () => {
    expect(total).toBeGreaterThan(55e6);
    counting.reset();
    const ds = await open();
    expect(await ds.countRows()).toBe(3 * 750_000);
    expect((await ds.schema()).fields.map((f) => f.name)).toEqual(["a", "b", "c"]);
    expect(counting.counts.bytesRead).toBeLessThan(total * 0.01);
  });

  it("toTable({ columns: [one] }) fetches less than half, and reads right", async () => {
    counting.reset();
    const table = await (await open()).toTable({ columns: ["b"] });
    expect(table.numRows).toBe(3 * 750_000);
    expect(counting.counts.bytesRead).toBeLessThan(total / 2);
    const direct = await store.get<arrow.Table>("big/part-0.parquet");
    expect(table.getChild("b")?.get(123)).toBe(direct.getChild("b")?.get(123));
  });
});
