/**
 * S3 memory scenarios: the peak growth of the resident set while a 256 MiB value goes to S3, held in
 * memory (`store.set`) or read from disk (`store.copy` from a disk store to an `s3://` key), on each
 * request path, against `@aws-sdk/lib-storage`'s `Upload` of the same bytes with the same part size
 * and concurrency. Each side runs in a fresh process (`rss-job.ts`), so neither inherits the other's
 * heap; the times include that process's start-up and say little. The figure to read is `RSS+`, which
 * should stay within part size × concurrency (the parts in flight) plus the multipart threshold that a
 * stream is read up to before it is known to need parts.
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { type S3Server, startS3Server } from "../test/helpers/s3-server.js";
import { scenario } from "./harness.js";
import type { Job } from "./rss-job.js";

const run = promisify(execFile);
const MiB = 1024 * 1024;
const SIZE = 256 * MiB;
// The store's defaults.
const PART = 16 * MiB;
const QUEUE = 10;
const BUCKET = "bench";

async function measure(job: Job): Promise<number> {
  const script = path.join(import.meta.dirname, "rss-job.ts");
  const { stdout } = await run(
    process.execPath,
    ["--expose-gc", "--no-warnings", "--import", "tsx", script, JSON.stringify(job)],
    { maxBuffer: MiB },
  );
  const line = stdout.trim().split("\n").pop() ?? "";
  return (JSON.parse(line) as { growthMiB: number }).growthMiB;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? Number.NaN : (sorted[Math.floor((sorted.length - 1) / 2)] as number);
};

for (const kind of ["set", "copy"] as const) {
  for (const transport of ["sdk", "fetch"] as const) {
    let server: S3Server | undefined;
    let folder = "";
    const grown = { raw: [] as number[], store: [] as number[] };
    const job = (side: Job["side"]): Job => ({
      kind,
      side,
      size: SIZE,
      endpoint: server?.endpoint ?? "",
      region: server?.region ?? "",
      accessKeyId: server?.accessKeyId ?? "",
      secretAccessKey: server?.secretAccessKey ?? "",
      bucket: BUCKET,
      folder,
      partSize: PART,
      queueSize: QUEUE,
    });
    scenario({
      name: `s3 memory: ${kind === "set" ? "set one 256 MiB .bin" : "copy a 256 MiB file disk → S3"} (${transport} path)`,
      note: `peak RSS growth in a fresh process: ${kind === "set" ? "store.set(s3 key, 256 MiB bytes)" : "store.copy('source.bin', s3 key) from a disk store"} on the ${transport} path vs lib-storage Upload of the same ${kind === "set" ? "bytes" : "file stream"}; parts of ${PART / MiB} MiB, ${QUEUE} at a time (bound ${(PART * QUEUE) / MiB} MiB in flight); times include process start-up`,
      // Each round moves 512 MiB through s3rver (seconds each); peaks vary little between rounds.
      rounds: 2,
      setup: async () => {
        server = await startS3Server({ buckets: [BUCKET], cors: false });
        folder = await mkdtemp(path.join(tmpdir(), "autostore-rss-"));
        if (kind === "copy") await writeFile(path.join(folder, "source.bin"), new Uint8Array(SIZE).fill(3));
      },
      baseline: async () => {
        grown.raw.push(await measure(job("raw")));
      },
      subject: async () => {
        grown.store.push(await measure(job(transport)));
      },
      teardown: async () => {
        await server?.stop();
        if (folder) await rm(folder, { recursive: true, force: true });
      },
      // The warm-up round is measured too; memory, unlike time, does not warm up.
      metrics: () => ({
        "RSS+ MiB": median(grown.store),
        "raw RSS+ MiB": median(grown.raw),
        "max RSS+ MiB": Math.max(...grown.store),
      }),
    });
  }
}
