/**
 * The S3 request path's own cost. Four rows, each the store over its default Node request path
 * (`BENCH_S3_TRANSPORT=sdk|fetch` forces one, to compare paths in one build):
 * - small GETs against a trivial local server that answers like S3 (a `node:http` server on
 *   127.0.0.1 with a fixed small body and S3's headers), against raw `node:http` GETs over a
 *   keep-alive agent: what the client adds per request, with no server work to hide it;
 * - 500 small JSON put+get, a 2,500-key listing and a 64 MiB put+get on s3rver, against the raw
 *   AWS SDK doing the same on the same server in the same run.
 */
import { deepStrictEqual, strictEqual } from "node:assert/strict";
import { Agent, createServer, get, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import {
  GetObjectCommand,
  ListObjectsV2Command,
  type ListObjectsV2CommandOutput,
  PutObjectCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { AutoStore, S3Options, type S3OptionsInit } from "../src/node/index.js";
import { rawS3Client, type S3Server, startS3Server } from "../test/helpers/s3-server.js";
import { forEachLimit, mbPerSecond, opsPerSecond, scenario, smallValue } from "./harness.js";

const MiB = 1024 * 1024;
const BUCKET = "lean";
const CONCURRENCY = 16;
const forced = process.env.BENCH_S3_TRANSPORT as "sdk" | "fetch" | undefined;
const via = forced ? ` (${forced})` : "";
const transport: S3OptionsInit = forced ? { transport: forced } : {};

// ---- small GETs against a trivial server ----
{
  const COUNT = 2_000;
  const BODY = JSON.stringify(smallValue(1));
  const indices = Array.from({ length: COUNT }, (_, i) => i);
  let server: Server | undefined;
  let agent: Agent | undefined;
  let store: AutoStore | undefined;
  let port = 0;
  let served = 0;

  /** A GET through `node:http` and a keep-alive agent, parsed as JSON: the baseline. */
  const rawGet = (path: string): Promise<unknown> =>
    new Promise((resolve, reject) => {
      get({ host: "127.0.0.1", port, path, agent }, (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          text += chunk;
        });
        res.on("end", () => resolve(JSON.parse(text)));
        res.on("error", reject);
      }).on("error", reject);
    });

  scenario({
    name: `s3 lean: ${COUNT} small GETs against a trivial S3-like server, concurrency ${CONCURRENCY}${via}`,
    target: 1.5,
    note: "store.get('item-N.json') through the S3 backend vs node:http GET (keep-alive agent) + JSON.parse; the server answers every GET with the same 220-byte JSON and S3's headers",
    setup: async () => {
      const modified = new Date().toUTCString();
      server = createServer((req, res) => {
        served++;
        req.resume();
        res.writeHead(200, {
          "content-type": "application/json",
          "content-length": Buffer.byteLength(BODY),
          etag: '"0123456789abcdef0123456789abcdef"',
          "last-modified": modified,
          "accept-ranges": "bytes",
          "x-amz-request-id": "0123456789ABCDEF",
          server: "AmazonS3",
        });
        res.end(BODY);
      });
      server.keepAliveTimeout = 60_000;
      await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
      port = (server.address() as AddressInfo).port;
      agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
      store = new AutoStore(`s3://${BUCKET}/`, {
        options: new S3Options({
          endpoint: `http://127.0.0.1:${port}`,
          region: "us-east-1",
          accessKeyId: "AKIDEXAMPLE",
          secretAccessKey: "secret",
          ...transport,
        }),
      });
      deepStrictEqual(await store.get("item-1.json"), JSON.parse(BODY));
    },
    baseline: async () => {
      await forEachLimit(indices, CONCURRENCY, (i) => rawGet(`/${BUCKET}/item-${i}.json`));
    },
    subject: async () => {
      await forEachLimit(indices, CONCURRENCY, (i) => (store as AutoStore).get(`item-${i}.json`));
    },
    teardown: async () => {
      await store?.close();
      agent?.destroy();
      await new Promise((resolve) => server?.close(resolve));
    },
    metrics: (t) => ({
      "ops/s": opsPerSecond(COUNT, t.subjectMs),
      "raw ops/s": opsPerSecond(COUNT, t.baselineMs),
      "µs/op over raw": Math.round(((t.subjectMs - t.baselineMs) * 1000) / COUNT),
      "requests served": served,
    }),
  });
}

// ---- against s3rver ----

interface Rig {
  server: S3Server;
  raw: S3Client;
  store: AutoStore;
}

async function rig(prefix: string, extra: S3OptionsInit = {}): Promise<Rig> {
  const server = await startS3Server({ buckets: [BUCKET], cors: false });
  const raw = rawS3Client(server);
  const store = new AutoStore(`s3://${BUCKET}/${prefix}/`, {
    options: new S3Options(server.options({ ...transport, ...extra })),
  });
  return { server, raw, store };
}

async function unrig(r: Rig | undefined): Promise<void> {
  if (!r) return;
  r.raw.destroy();
  await r.store.close();
  await r.server.stop();
}

{
  const COUNT = 500;
  const indices = Array.from({ length: COUNT }, (_, i) => i);
  const values = indices.map(smallValue);
  let r: Rig | undefined;
  scenario({
    name: `s3 lean: ${COUNT} small JSON put+get, concurrency ${CONCURRENCY}${via}`,
    target: 0.45,
    note: "store.set then store.get of item-N.json vs S3Client PutObject(JSON) then GetObject + JSON.parse, on s3rver",
    setup: async () => {
      r = await rig("small");
    },
    baseline: async () => {
      const raw = (r as Rig).raw;
      await forEachLimit(indices, CONCURRENCY, (i) =>
        raw.send(
          new PutObjectCommand({
            Bucket: BUCKET,
            Key: `raw/item-${i}.json`,
            Body: JSON.stringify(values[i]),
            ContentType: "application/json",
          }),
        ),
      );
      await forEachLimit(indices, CONCURRENCY, async (i) => {
        const out = await raw.send(new GetObjectCommand({ Bucket: BUCKET, Key: `raw/item-${i}.json` }));
        JSON.parse((await out.Body?.transformToString()) ?? "");
      });
    },
    subject: async () => {
      const store = (r as Rig).store;
      await forEachLimit(indices, CONCURRENCY, (i) => store.set(`item-${i}.json`, values[i]));
      await forEachLimit(indices, CONCURRENCY, (i) => store.get(`item-${i}.json`));
    },
    teardown: () => unrig(r),
    metrics: (t) => ({
      "ops/s": opsPerSecond(2 * COUNT, t.subjectMs),
      "raw ops/s": opsPerSecond(2 * COUNT, t.baselineMs),
    }),
  });
}

{
  const COUNT = 2_500;
  let r: Rig | undefined;
  scenario({
    name: `s3 lean: list ${COUNT} keys${via}`,
    target: 0.8,
    note: "for await (store.keys('many/')) vs S3Client ListObjectsV2 pages (3 × 1,000) collecting the keys, on s3rver",
    setup: async () => {
      r = await rig("list");
      const raw = r.raw;
      await forEachLimit(
        Array.from({ length: COUNT }, (_, i) => i),
        CONCURRENCY,
        (i) =>
          raw.send(
            new PutObjectCommand({
              Bucket: BUCKET,
              Key: `list/many/k${String(i).padStart(4, "0")}.json`,
              Body: "{}",
            }),
          ),
      );
    },
    baseline: async () => {
      const keys: string[] = [];
      let token: string | undefined;
      do {
        const page: ListObjectsV2CommandOutput = await (r as Rig).raw.send(
          new ListObjectsV2Command({ Bucket: BUCKET, Prefix: "list/many/", ContinuationToken: token }),
        );
        for (const object of page.Contents ?? []) if (object.Key) keys.push(object.Key);
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
      strictEqual(keys.length, COUNT);
    },
    subject: async () => {
      let count = 0;
      for await (const _ of (r as Rig).store.keys("many/")) count++;
      strictEqual(count, COUNT);
    },
    teardown: () => unrig(r),
    metrics: (t) => ({
      "keys/s": opsPerSecond(COUNT, t.subjectMs),
      "raw keys/s": opsPerSecond(COUNT, t.baselineMs),
    }),
  });
}

{
  const BIG = 64 * MiB;
  let r: Rig | undefined;
  const data = new Uint8Array(BIG);
  for (let i = 0; i < BIG; i += 4096) data[i] = (i >> 12) & 255;
  scenario({
    name: `s3 lean: put+get one 64 MiB .bin${via}`,
    target: 1.03,
    note: "store.set then store.get of big.bin vs S3Client PutObject then GetObject + transformToByteArray, on s3rver (one PUT each: 64 MiB is the multipart threshold)",
    setup: async () => {
      r = await rig("big");
    },
    baseline: async () => {
      const raw = (r as Rig).raw;
      await raw.send(new PutObjectCommand({ Bucket: BUCKET, Key: "raw/big.bin", Body: data }));
      const out = await raw.send(new GetObjectCommand({ Bucket: BUCKET, Key: "raw/big.bin" }));
      strictEqual((await out.Body?.transformToByteArray())?.length, BIG);
    },
    subject: async () => {
      const store = (r as Rig).store;
      await store.set("big.bin", data);
      strictEqual((await store.get<Uint8Array>("big.bin")).length, BIG);
    },
    teardown: () => unrig(r),
    metrics: (t) => ({
      "MB/s": mbPerSecond(2 * BIG, t.subjectMs),
      "raw MB/s": mbPerSecond(2 * BIG, t.baselineMs),
    }),
  });
}
