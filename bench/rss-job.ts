/**
 * One memory measurement, run in a fresh process by `bench/s3-memory.ts`: the peak growth of the
 * resident set while one large value goes to S3, so that neither side inherits the other's heap.
 *
 * Usage: `node --expose-gc --import tsx bench/rss-job.ts <json>`, where the JSON is a {@link Job}.
 * Prints one JSON line: `{ "growthMiB": …, "ms": … }`.
 *
 * The peak is the larger of the kernel's high-water mark (`maxRSS`, exact, but it also remembers
 * start-up) and a 2 ms poll of the resident set (which can miss a short spike): the high-water mark
 * counts only when the job raised it.
 */

import { createReadStream } from "node:fs";
import { Upload } from "@aws-sdk/lib-storage";
import { AutoStore, S3Options } from "../src/node/index.js";
import { rawS3Client } from "../test/helpers/s3-server.js";

/** What to measure. */
export interface Job {
  /** `set`: one value held in memory goes up; `copy`: a file on disk goes up. */
  kind: "set" | "copy";
  /** `raw`: `@aws-sdk/lib-storage` `Upload` with the same part size and concurrency; else the store on that path. */
  side: "raw" | "sdk" | "fetch";
  size: number;
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  bucket: string;
  /** The folder holding `source.bin` (for `copy`). */
  folder: string;
  partSize: number;
  queueSize: number;
}

const MiB = 1024 * 1024;
const job = JSON.parse(process.argv[2] ?? "{}") as Job;
const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);
const maxRss = () => process.resourceUsage().maxRSS * 1024;

const data = job.kind === "set" ? new Uint8Array(job.size).fill(7) : undefined;
const raw = rawS3Client(job);
const s3 = new S3Options({
  endpoint: job.endpoint,
  region: job.region,
  accessKeyId: job.accessKeyId,
  secretAccessKey: job.secretAccessKey,
  transport: job.side === "fetch" ? "fetch" : "sdk",
  multipartChunkSize: job.partSize,
  maxConcurrency: job.queueSize,
});
const store = new AutoStore(job.folder, { options: [s3] });
const target = `s3://${job.bucket}/rss/${job.side}-${job.kind}.bin`;

async function run(): Promise<void> {
  if (job.side === "raw") {
    const body = data ?? createReadStream(`${job.folder}/source.bin`);
    await new Upload({
      client: raw,
      params: { Bucket: job.bucket, Key: `rss/raw-${job.kind}.bin`, Body: body },
      partSize: job.partSize,
      queueSize: job.queueSize,
    }).done();
  } else if (data) {
    await store.set(target, data);
  } else {
    await store.copy("source.bin", target);
  }
}

// Warm up (imports, clients, connections) with a small object, then start from a collected heap.
await store.set(`s3://${job.bucket}/rss/warm.bin`, new Uint8Array(1024));
gc();
const before = process.memoryUsage().rss;
const peakBefore = maxRss();
let polled = before;
const poll = setInterval(() => {
  polled = Math.max(polled, process.memoryUsage().rss);
}, 2);
const started = performance.now();
await run();
const ms = performance.now() - started;
clearInterval(poll);
const peakAfter = maxRss();
const peak = Math.max(polled, peakAfter > peakBefore ? peakAfter : 0);
console.log(JSON.stringify({ growthMiB: Math.round((peak - before) / MiB), ms: Math.round(ms) }));
raw.destroy();
await store.close();
