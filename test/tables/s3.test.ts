/**
 * Datasets on a local S3-compatible server (s3rver): the shared dataset cases, then what a remote
 * dataset fetches: footer-only operations and a one-column read on three ~20 MB files, with the bytes
 * counted by a proxy between the client and the server.
 */
import { randomUUID } from "node:crypto";
import * as arrow from "apache-arrow";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AutoStore, type Dataset, ParquetHandler, S3Options } from "../../src/node/index.js";
import { type FaultProxy, startProxy } from "../helpers/proxy.js";
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

describe("bytes fetched from S3 through a counting proxy (3 Parquet files of ~20 MB)", () => {
  let writer: AutoStore;
  let reader: AutoStore;
  let proxy: FaultProxy;
  let total = 0;

  beforeAll(async () => {
    const prefix = `s3://tables/bytes-${randomUUID()}/`;
    writer = new AutoStore(prefix, { options: new S3Options(s3.options()) });
    writer.registerHandler(new ParquetHandler({ rowGroupSize: 200_000 }));
    const column = () => arrow.makeVector(Float64Array.from({ length: 750_000 }, Math.random));
    for (const i of [0, 1, 2]) {
      await writer.set(`big/part-${i}.parquet`, new arrow.Table({ a: column(), b: column(), c: column() }));
    }
    for await (const meta of writer.primaryBackend.list("big/", { metadata: true })) {
      if ("size" in meta) total += meta.size ?? 0;
    }
    // Reads go through the proxy, which counts the response bytes that cross the wire.
    proxy = await startProxy(s3.endpoint);
    reader = new AutoStore(prefix, { options: new S3Options(s3.options({ endpoint: proxy.endpoint })) });
  }, 120_000);
  afterAll(async () => {
    await reader?.close();
    await writer?.close();
    await proxy?.stop();
  });

  it("countRows() and schema() fetch less than 1% of the bytes", async () => {
    expect(total).toBeGreaterThan(55e6);
    const ds = await reader.get<Dataset>("big/");
    proxy.reset();
    expect(await ds.countRows()).toBe(3 * 750_000);
    expect((await ds.schema()).fields.map((f) => f.name)).toEqual(["a", "b", "c"]);
    expect(proxy.stats().bytesSent).toBeGreaterThan(0);
    expect(proxy.stats().bytesSent).toBeLessThan(total * 0.01);
    expect(proxy.count("GET")).toBe(3); // one ranged footer read per file
  });

  it("toTable({ columns: [one] }) fetches less than half, and reads right", async () => {
    const ds = await reader.get<Dataset>("big/");
    proxy.reset();
    const table = await ds.toTable({ columns: ["b"] });
    expect(table.numRows).toBe(3 * 750_000);
    expect(proxy.stats().bytesSent).toBeLessThan(total / 2);
    const direct = await writer.get<arrow.Table>("big/part-0.parquet");
    expect(table.getChild("b")?.get(123)).toBe(direct.getChild("b")?.get(123));
  });
});
