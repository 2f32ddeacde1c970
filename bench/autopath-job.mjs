/**
 * The memory side of `autopath.ts`, in a fresh `node` on the built package (what users load, and no
 * TypeScript loader transforming modules inside the process being measured): `uploadFrom` then
 * `downloadTo` of one file, twice, each time recording the peak growth of the resident set over its
 * value before the transfer.
 *
 * Usage: `node bench/autopath-job.mjs <json>` with `{ entry, options, url, source, target }`.
 * Prints one JSON line: `{ "firstMiB": …, "secondMiB": … }`.
 *
 * The peak is a 5 ms poll of the resident set, and for the first transfer also the kernel's
 * high-water mark (`maxRSS`, exact) when the transfer raised it above what start-up left.
 */
import { stat } from "node:fs/promises";
import { pathToFileURL } from "node:url";

const MiB = 1024 * 1024;
const job = JSON.parse(process.argv[2] ?? "{}");
const { AutoPath, AutoStore, S3Options } = await import(pathToFileURL(job.entry).href);
const store = new AutoStore("s3://bench/", { options: new S3Options(job.options) });
const maxRss = () => process.resourceUsage().maxRSS * 1024;

async function transfer() {
  const start = process.memoryUsage.rss();
  const highWater = maxRss();
  let peak = start;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 5);
  try {
    const path = new AutoPath(job.url, { store });
    await path.uploadFrom(job.source);
    await path.downloadTo(job.target);
  } finally {
    clearInterval(timer);
  }
  peak = Math.max(peak, process.memoryUsage.rss());
  if (maxRss() > highWater) peak = Math.max(peak, maxRss());
  if ((await stat(job.target)).size !== (await stat(job.source)).size) throw new Error("sizes differ");
  return Math.round((peak - start) / MiB);
}

const firstMiB = await transfer();
const secondMiB = await transfer();
await store.close();
process.stdout.write(`${JSON.stringify({ firstMiB, secondMiB })}\n`);
