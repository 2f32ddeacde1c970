/**
 * S3 scenarios: the store against the raw `S3Client` (the AWS SDK v3, the same settings: path-style
 * addressing, checksums "WHEN_REQUIRED" as for any S3-compatible endpoint) on the same local s3rver,
 * in the same run. s3rver saturates a core at a few hundred small PUTs per second, so absolute numbers
 * say little about S3; the ratio says what the store adds. Informational rows run the store over its
 * fetch request path (SigV4 over `fetch`, no SDK client) against the same raw SDK baseline.
 */
import { deepStrictEqual, strictEqual } from "node:assert/strict";
import {
  GetObjectCommand,
  ListObjectsV2Command,
  type ListObjectsV2CommandOutput,
  PutObjectCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { AutoStore, S3Options } from "../src/node/index.js";
import { rawS3Client, type S3Server, startS3Server } from "../test/helpers/s3-server.js";
import { forEachLimit, mbPerSecond, opsPerSecond, scenario, smallValue } from "./harness.js";

const MiB = 1024 * 1024;
const BIG = 64 * MiB;
const SMALL_COUNT = 500;
const CONCURRENCY = 16;
const LIST_COUNT = 2_500;
const BUCKET = "bench";

const indices = Array.from({ length: SMALL_COUNT }, (_, i) => i);
const values = indices.map(smallValue);

/** One server, client and store per scenario, all made in `setup` and closed in `teardown`. */
interface Rig {
  server: S3Server;
  raw: S3Client;
  store: AutoStore;
}

async function rig(prefix: string, transport: "sdk" | "fetch" = "sdk"): Promise<Rig> {
  const server = await startS3Server({ buckets: [BUCKET], cors: false });
  const raw = rawS3Client(server);
  const store = new AutoStore(`s3://${BUCKET}/${prefix}/`, {
    options: new S3Options(server.options({ transport })),
  });
  return { server, raw, store };
}

async function unrig(r: Rig | undefined): Promise<void> {
  if (!r) return;
  r.raw.destroy();
  await r.store.close();
  await r.server.stop();
}

function bigValue(): Uint8Array {
  const data = new Uint8Array(BIG);
  for (let i = 0; i < BIG; i += 4096) data[i] = (i >> 12) & 255;
  return data;
}

for (const transport of ["sdk", "fetch"] as const) {
  const suffix = transport === "sdk" ? "" : " (fetch path)";
  const sdk = transport === "sdk";
  {
    let r: Rig | undefined;
    const data = bigValue();
    scenario({
      name: `s3 set one 64 MiB .bin${suffix}`,
      ...(sdk ? { target: 1.05 } : {}),
      note: `store.set('big.bin', bytes) vs S3Client PutObject of the same bytes; one PUT each (64 MiB is the default multipart threshold)${sdk ? "" : "; the store over signed fetch"}`,
      setup: async () => {
        r = await rig(`big-set-${transport}`, transport);
      },
      baseline: async () => {
        await r?.raw.send(new PutObjectCommand({ Bucket: BUCKET, Key: "raw/big.bin", Body: data }));
      },
      subject: async () => {
        await r?.store.set("big.bin", data);
      },
      teardown: () => unrig(r),
      metrics: (t) => ({ "MB/s": mbPerSecond(BIG, t.subjectMs), "raw MB/s": mbPerSecond(BIG, t.baselineMs) }),
    });
  }
  {
    let r: Rig | undefined;
    const data = bigValue();
    const key = `big-get-${transport}/big.bin`;
    scenario({
      name: `s3 get one 64 MiB .bin${suffix}`,
      ...(sdk ? { target: 1.05 } : {}),
      note: `store.get('big.bin') vs S3Client GetObject + Body.transformToByteArray()${sdk ? "" : "; the store over signed fetch"}`,
      setup: async () => {
        r = await rig(`big-get-${transport}`, transport);
        await r.raw.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: data }));
        strictEqual((await r.store.get<Uint8Array>("big.bin")).length, BIG);
      },
      baseline: async () => {
        const out = await r?.raw.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
        strictEqual((await out?.Body?.transformToByteArray())?.length, BIG);
      },
      subject: async () => {
        strictEqual((await r?.store.get<Uint8Array>("big.bin"))?.length, BIG);
      },
      teardown: () => unrig(r),
      metrics: (t) => ({ "MB/s": mbPerSecond(BIG, t.subjectMs), "raw MB/s": mbPerSecond(BIG, t.baselineMs) }),
    });
  }
}

for (const transport of ["sdk", "fetch"] as const) {
  const suffix = transport === "sdk" ? "" : " (fetch path)";
  {
    let r: Rig | undefined;
    scenario({
      name: `s3 set 500 small JSON, concurrency 16${suffix}`,
      ...(transport === "sdk" ? { target: 1.1 } : {}),
      note: `store.set('item-N.json', value) vs S3Client PutObject(JSON.stringify(value)), 16 in flight${transport === "fetch" ? "; the store over signed fetch, no SDK client" : ""}`,
      setup: async () => {
        r = await rig(`small-set-${transport}`, transport);
      },
      baseline: async () => {
        await forEachLimit(indices, CONCURRENCY, (i) =>
          (r as Rig).raw.send(
            new PutObjectCommand({
              Bucket: BUCKET,
              Key: `raw/item-${i}.json`,
              Body: JSON.stringify(values[i]),
              ContentType: "application/json",
            }),
          ),
        );
      },
      subject: async () => {
        await forEachLimit(indices, CONCURRENCY, (i) => (r as Rig).store.set(`item-${i}.json`, values[i]));
      },
      teardown: () => unrig(r),
      metrics: (t) => ({
        "ops/s": opsPerSecond(SMALL_COUNT, t.subjectMs),
        "raw ops/s": opsPerSecond(SMALL_COUNT, t.baselineMs),
        "µs/op over raw": Math.round(((t.subjectMs - t.baselineMs) * 1000) / SMALL_COUNT),
      }),
    });
  }
  {
    let r: Rig | undefined;
    scenario({
      name: `s3 get 500 small JSON, concurrency 16${suffix}`,
      ...(transport === "sdk" ? { target: 1.1 } : {}),
      note: `store.get('item-N.json') vs S3Client GetObject + transformToString() + JSON.parse, 16 in flight${transport === "fetch" ? "; the store over signed fetch, no SDK client" : ""}`,
      setup: async () => {
        r = await rig(`small-get-${transport}`, transport);
        await forEachLimit(indices, CONCURRENCY, (i) => (r as Rig).store.set(`item-${i}.json`, values[i]));
        deepStrictEqual(await r.store.get("item-7.json"), values[7]);
      },
      baseline: async () => {
        await forEachLimit(indices, CONCURRENCY, async (i) => {
          const out = await (r as Rig).raw.send(
            new GetObjectCommand({ Bucket: BUCKET, Key: `small-get-${transport}/item-${i}.json` }),
          );
          JSON.parse((await out.Body?.transformToString()) ?? "");
        });
      },
      subject: async () => {
        await forEachLimit(indices, CONCURRENCY, (i) => (r as Rig).store.get(`item-${i}.json`));
      },
      teardown: () => unrig(r),
      metrics: (t) => ({
        "ops/s": opsPerSecond(SMALL_COUNT, t.subjectMs),
        "raw ops/s": opsPerSecond(SMALL_COUNT, t.baselineMs),
        "µs/op over raw": Math.round(((t.subjectMs - t.baselineMs) * 1000) / SMALL_COUNT),
      }),
    });
  }
}

for (const transport of ["sdk", "fetch"] as const) {
  let r: Rig | undefined;
  const prefix = `many-${transport}`;
  scenario({
    name: `s3 list 2,500 keys with keys()${transport === "sdk" ? "" : " (fetch path)"}`,
    ...(transport === "sdk" ? { target: 1.25 } : {}),
    note: "for await (store.keys('many/')) vs S3Client ListObjectsV2 pages (3 × 1,000) collecting the keys",
    setup: async () => {
      r = await rig(prefix, transport);
      const raw = r.raw;
      await forEachLimit(
        Array.from({ length: LIST_COUNT }, (_, i) => i),
        CONCURRENCY,
        (i) =>
          raw.send(
            new PutObjectCommand({
              Bucket: BUCKET,
              Key: `${prefix}/many/k${String(i).padStart(4, "0")}.json`,
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
          new ListObjectsV2Command({ Bucket: BUCKET, Prefix: `${prefix}/many/`, ContinuationToken: token }),
        );
        for (const object of page.Contents ?? []) if (object.Key) keys.push(object.Key);
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
      strictEqual(keys.length, LIST_COUNT);
    },
    subject: async () => {
      let count = 0;
      for await (const _ of (r as Rig).store.keys("many/")) count++;
      strictEqual(count, LIST_COUNT);
    },
    teardown: () => unrig(r),
    metrics: (t) => ({
      "keys/s": opsPerSecond(LIST_COUNT, t.subjectMs),
      "raw keys/s": opsPerSecond(LIST_COUNT, t.baselineMs),
    }),
  });
}
