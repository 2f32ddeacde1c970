/**
 * AutoPath transfers of one large file: local → S3 with `uploadFrom`, then S3 → local with
 * `downloadTo`, against the raw SDK doing the same (lib-storage `Upload` of a file stream, then
 * `GetObject` piped to a file) on the same s3rver. The point is memory: the peak RSS growth of the
 * subject must stay flat however large the file (target: under 64 MiB for 1 GiB). It is measured
 * in a fresh `node` on the built package (`autopath-job.mjs`), as a user's process would run it;
 * the times are taken here. `BENCH_AUTOPATH_MIB` sets the size (default 1024).
 */

import { strictEqual } from "node:assert/strict";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdtemp, open, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { GetObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { AutoPath, AutoStore, S3Options, type S3OptionsInit } from "../src/node/index.js";
import { rawS3Client, type S3Server, startS3Server } from "../test/helpers/s3-server.js";
import { DIST_ENTRY, ensureBuilt, run } from "./built.js";
import { mbPerSecond, scenario } from "./harness.js";

const MiB = 1024 * 1024;
const SIZE = Number(process.env.BENCH_AUTOPATH_MIB ?? 1024) * MiB;
const BUCKET = "bench-autopath";
const PART = 5 * MiB;
// Upload memory is bounded by parts in flight (about 3.6 x part size x concurrency on this machine).
const CONCURRENCY = 2;

let server: S3Server | undefined;
let raw: S3Client | undefined;
let store: AutoStore | undefined;
let dir = "";
let growth = { firstMiB: Number.NaN, secondMiB: Number.NaN };

/** The subject: up with `uploadFrom`, down with `downloadTo`. */
async function transfer(): Promise<void> {
  const p = new AutoPath(`s3://${BUCKET}/autopath/big.bin`, { store: store as AutoStore });
  await p.uploadFrom(join(dir, "source.bin"));
  await p.downloadTo(join(dir, "back.bin"));
  strictEqual((await stat(join(dir, "back.bin"))).size, SIZE);
}

/** The peak RSS growth of a first and a second transfer in a fresh process on the built package. */
async function measureGrowth(options: S3OptionsInit): Promise<typeof growth> {
  await ensureBuilt();
  const job = {
    entry: DIST_ENTRY,
    options,
    url: `s3://${BUCKET}/autopath/job.bin`,
    source: join(dir, "source.bin"),
    target: join(dir, "job-back.bin"),
  };
  const { stdout } = await run(process.execPath, [
    join(import.meta.dirname, "autopath-job.mjs"),
    JSON.stringify(job),
  ]);
  return JSON.parse(stdout) as typeof growth;
}

scenario({
  name: `AutoPath uploadFrom + downloadTo ${SIZE / MiB} MiB local → S3 → local`,
  note: `peak RSS growth of the subject's first transfer in a fresh node on dist/ is the point (target < 64 MiB); the second transfer in that process is the transfer without one-time loading and compiling; parts of ${PART / MiB} MiB, ${CONCURRENCY} in flight on both sides`,
  setup: async () => {
    server = await startS3Server({ buckets: [BUCKET], cors: false });
    raw = rawS3Client(server);
    const options = server.options({
      multipartThreshold: PART,
      multipartChunkSize: PART,
      maxConcurrency: CONCURRENCY,
    });
    store = new AutoStore(`s3://${BUCKET}/`, { options: new S3Options(options) });
    dir = await mkdtemp(join(tmpdir(), "autostore-bench-autopath-"));
    // A sparse-free file of the full size, written in 8 MiB blocks (not held in memory at once).
    const handle = await open(join(dir, "source.bin"), "w");
    const block = new Uint8Array(PART);
    for (let i = 0; i < block.length; i += 4096) block[i] = (i >> 12) & 255;
    for (let at = 0; at < SIZE; at += PART) await handle.write(block, 0, Math.min(PART, SIZE - at), at);
    await handle.close();
    // The first transfer also pays once per process for loading the S3 request path and for V8
    // compiling it; the second shows the transfer alone.
    growth = await measureGrowth(options);
  },
  baseline: async () => {
    const upload = new Upload({
      client: raw as S3Client,
      params: { Bucket: BUCKET, Key: "raw/big.bin", Body: createReadStream(join(dir, "source.bin")) },
      partSize: PART,
      queueSize: CONCURRENCY,
    });
    await upload.done();
    const out = await (raw as S3Client).send(new GetObjectCommand({ Bucket: BUCKET, Key: "raw/big.bin" }));
    await pipeline(out.Body as Readable, createWriteStream(join(dir, "raw-back.bin")));
    strictEqual((await stat(join(dir, "raw-back.bin"))).size, SIZE);
  },
  subject: async () => {
    await transfer();
  },
  teardown: async () => {
    raw?.destroy();
    await store?.close();
    await server?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  },
  limits: { "peak RSS growth MiB (first run)": 64 },
  metrics: (t) => ({
    "peak RSS growth MiB (first run)": growth.firstMiB,
    "(second run)": growth.secondMiB,
    "MB/s": mbPerSecond(2 * SIZE, t.subjectMs),
    "raw MB/s": mbPerSecond(2 * SIZE, t.baselineMs),
  }),
});
