/**
 * The benchmark harness: every scenario times a *subject* (autostore-js doing a job) against a
 * *baseline* (the plainest honest way to do the same job without it), and reports the ratio of their
 * median times against a target.
 *
 * A scenario file registers its scenarios with {@link scenario} when imported; `bench/run.ts` imports
 * every scenario file (one line each) and calls {@link runScenarios}.
 *
 * Environment:
 * - `BENCH_ROUNDS`: timed rounds per scenario (default 7), after one untimed warm-up round.
 * - `BENCH_FILTER`: run only scenarios whose name contains this text (case-insensitive); `|`
 *   separates alternatives (`BENCH_FILTER='64 MiB|keys()'`), since names may hold commas.
 *
 * Benchmarks report and never gate: a missed target is printed, and the process still exits 0. A
 * scenario that throws is a broken benchmark, not a slow one: it is reported and the exit code is 1.
 */
import { mkdir, writeFile } from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

/** Extra numbers a scenario reports next to its timings, e.g. `{ "MB/s": 2100, fetched: 4096 }`. */
export type Metrics = Record<string, number | string>;

/** The median times of one scenario, in milliseconds. */
export interface Timing {
  baselineMs: number;
  subjectMs: number;
}

/**
 * One timed comparison.
 *
 * Order of calls: `setup`, then one warm-up round and N timed rounds, each running `baseline` and
 * `subject` once (which goes first alternates between rounds, so drift such as a warming JIT falls
 * on both alike), then `metrics`, then `teardown` (also after a failure). Before every call of
 * `baseline` or `subject`, outside the timing, `settle` runs and the heap is collected.
 *
 * Keep module scope free of I/O: a scenario file is imported even when `BENCH_FILTER` skips it, so
 * temp folders, servers and fixtures belong in `setup`.
 *
 * @example
 * scenario({
 *   name: "disk get 1 MiB .bin",
 *   target: 1.1,
 *   setup: async () => { ... },
 *   baseline: async () => { await fs.readFile(file); },
 *   subject: async () => { await store.get("blob.bin"); },
 *   teardown: async () => { ... },
 *   metrics: ({ subjectMs }) => ({ "MB/s": mbPerSecond(SIZE, subjectMs) }),
 * });
 */
export interface Scenario {
  /** Unique and descriptive; `BENCH_FILTER` matches on it. */
  name: string;
  /**
   * The largest acceptable ratio of subject to baseline median time (1.10 = at most 10% slower).
   * Omit it for an informational row that reports its ratio without pass or fail.
   */
  target?: number;
  /** One line printed under the table: what is compared, and anything a reader must know to judge it. */
  note?: string;
  /**
   * At most this many timed rounds, whatever `BENCH_ROUNDS` says: for scenarios whose figure does
   * not need many samples (memory peaks) and whose rounds are long.
   */
  rounds?: number;
  /** Runs once before the warm-up round: temp folders, fixtures, clients. */
  setup?: () => Promise<void>;
  /**
   * Runs before every call of `baseline` and `subject`, untimed, to start each from the same state:
   * e.g. flush dirty pages, so that neither side pays for the writeback the other left behind.
   */
  settle?: () => Promise<void>;
  /** The job done without autostore-js. */
  baseline: () => Promise<void>;
  /** The same job done with autostore-js. */
  subject: () => Promise<void>;
  /** Runs once at the end, even when a round failed: remove temp folders, close clients. */
  teardown?: () => Promise<void>;
  /** Extra numbers printed alongside (bytes fetched, requests made, throughput). */
  metrics?: (timing: Timing) => Metrics;
}

/** Summary statistics of one side's timed samples, in milliseconds. */
export interface SampleStats {
  median: number;
  min: number;
  max: number;
  samples: number[];
}

/** What a scenario measured, as printed and as written to the JSON results. */
export interface ScenarioResult {
  name: string;
  target: number | null;
  note: string | null;
  baseline: SampleStats | null;
  subject: SampleStats | null;
  /** subject median / baseline median. */
  ratio: number | null;
  /** `pass`/`miss` against the target, `info` without one, `error` when the scenario threw. */
  status: "pass" | "miss" | "info" | "error";
  metrics: Metrics;
  error: string | null;
}

const registry: Scenario[] = [];

/** Registers a scenario; `bench/run.ts` runs every registered one, in registration order. */
export function scenario(definition: Scenario): void {
  if (registry.some((s) => s.name === definition.name)) {
    throw new Error(`two benchmark scenarios are named ${JSON.stringify(definition.name)}`);
  }
  registry.push(definition);
}

/** Runs `task` over `items` with at most `concurrency` calls in flight, like a pool of workers. */
export async function forEachLimit<T>(
  items: readonly T[],
  concurrency: number,
  task: (item: T, index: number) => Promise<unknown>,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      await task(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}

/** A small JSON document (~220 bytes), different for every index. */
export function smallValue(i: number): Record<string, unknown> {
  return {
    id: i,
    name: `item ${i}`,
    tags: ["alpha", "beta", `t${i % 7}`],
    score: ((i * 37) % 101) / 10,
    active: i % 3 === 0,
    nested: { created: "2024-01-02T03:04:05Z", counts: [i % 5, i % 11, i % 13], label: null },
  };
}

/** Throughput in MB/s (10^6 bytes) for `bytes` moved in `ms`. */
export function mbPerSecond(bytes: number, ms: number): number {
  return Math.round(bytes / 1e6 / (ms / 1000));
}

/** Operations per second for `ops` done in `ms`. */
export function opsPerSecond(ops: number, ms: number): number {
  return Math.round(ops / (ms / 1000));
}

/** Runs the registered scenarios (filtered by `BENCH_FILTER`), prints a table, writes JSON. */
export async function runScenarios(): Promise<void> {
  const rounds = parseRounds(process.env.BENCH_ROUNDS);
  const filters = (process.env.BENCH_FILTER ?? "")
    .split("|")
    .map((f) => f.trim().toLowerCase())
    .filter((f) => f !== "");
  const selected = registry.filter(
    (s) => filters.length === 0 || filters.some((f) => s.name.toLowerCase().includes(f)),
  );
  if (selected.length === 0) {
    console.log(`no scenario matches BENCH_FILTER=${process.env.BENCH_FILTER ?? ""}`);
    return;
  }
  const gc = exposeGc();
  console.log(
    `autostore-js benchmarks: ${selected.length} scenarios, 1 warm-up + ${rounds} rounds, ` +
      `node ${process.version}, ${os.cpus().length} cores, ${os.tmpdir()}`,
  );
  const startedAt = new Date();
  const results: ScenarioResult[] = [];
  for (const s of selected) {
    process.stdout.write(`  ${s.name} … `);
    const result = await runOne(s, rounds, gc);
    console.log(
      result.status === "error"
        ? `error: ${result.error?.split("\n")[0]}`
        : `${formatRatio(result.ratio)} (${result.status})`,
    );
    results.push(result);
  }
  console.log();
  console.log(formatTable(results));
  const notes = results.filter((r) => r.note !== null);
  if (notes.length > 0) {
    console.log();
    for (const r of notes) console.log(`- ${r.name}: ${r.note}`);
  }
  const missed = results.filter((r) => r.status === "miss");
  const failed = results.filter((r) => r.status === "error");
  console.log();
  console.log(
    missed.length === 0
      ? "All targets met."
      : `MISSED ${missed.length} target(s): ${missed.map((r) => `${r.name} (${formatRatio(r.ratio)} > ${r.target}x)`).join("; ")}`,
  );
  if (failed.length > 0)
    console.log(`FAILED ${failed.length} scenario(s): ${failed.map((r) => r.name).join("; ")}`);
  const file = await writeResults(startedAt, rounds, results);
  console.log(`results: ${path.relative(process.cwd(), file)}`);
  // A failing scenario is a broken benchmark; a missed target is only news.
  if (failed.length > 0) process.exitCode = 1;
}

async function runOne(s: Scenario, rounds: number, gc: () => void): Promise<ScenarioResult> {
  const result: ScenarioResult = {
    name: s.name,
    target: s.target ?? null,
    note: s.note ?? null,
    baseline: null,
    subject: null,
    ratio: null,
    status: "error",
    metrics: {},
    error: null,
  };
  const baseline: number[] = [];
  const subject: number[] = [];
  const time = async (fn: () => Promise<void>): Promise<number> => {
    await s.settle?.();
    gc();
    const start = performance.now();
    await fn();
    return performance.now() - start;
  };
  try {
    await s.setup?.();
    const last = Math.min(rounds, s.rounds ?? rounds);
    for (let round = 0; round <= last; round++) {
      // Round 0 is the warm-up: JIT, page cache, lazily created folders. Odd rounds run the subject
      // first, so whatever the first call of a round leaves behind (dirty pages, garbage) is shared.
      let b: number;
      let t: number;
      if (round % 2 === 0) {
        b = await time(s.baseline);
        t = await time(s.subject);
      } else {
        t = await time(s.subject);
        b = await time(s.baseline);
      }
      if (round > 0) {
        baseline.push(b);
        subject.push(t);
      }
    }
    result.baseline = stats(baseline);
    result.subject = stats(subject);
    result.ratio = result.subject.median / result.baseline.median;
    result.status = s.target === undefined ? "info" : result.ratio <= s.target ? "pass" : "miss";
    result.metrics =
      s.metrics?.({ baselineMs: result.baseline.median, subjectMs: result.subject.median }) ?? {};
  } catch (err) {
    result.status = "error";
    // The whole stack goes to the JSON results; the console shows its first line.
    result.error = err instanceof Error ? (err.stack ?? err.message) : String(err);
  } finally {
    try {
      await s.teardown?.();
    } catch (err) {
      // A teardown failure leaves temp files behind: say so, but keep the measurement.
      console.error(`teardown of ${s.name} failed:`, err);
    }
  }
  return result;
}

function stats(samples: number[]): SampleStats {
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median =
    sorted.length % 2 === 1
      ? (sorted[mid] as number)
      : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
  return { median, min: sorted[0] as number, max: sorted[sorted.length - 1] as number, samples };
}

function parseRounds(value: string | undefined): number {
  if (value === undefined || value === "") return 7;
  const rounds = Number(value);
  if (!Number.isInteger(rounds) || rounds < 1)
    throw new Error(`BENCH_ROUNDS must be a positive integer, not ${value}`);
  return rounds;
}

/**
 * A function that runs a full garbage collection. `npm run bench` starts Node without `--expose-gc`,
 * so the flag is set at run time and the function taken from a fresh context; collecting before each
 * timed call keeps one side from paying for the other's garbage (64 MiB buffers, 2,000 objects).
 */
function exposeGc(): () => void {
  const existing = (globalThis as { gc?: () => void }).gc;
  if (existing) return existing;
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as unknown;
  return typeof gc === "function" ? (gc as () => void) : () => undefined;
}

function formatMs(ms: number): string {
  return ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2);
}

function formatRatio(ratio: number | null): string {
  return ratio === null ? "-" : `${ratio.toFixed(2)}x`;
}

function formatTable(results: ScenarioResult[]): string {
  const header = ["scenario", "baseline ms", "subject ms", "ratio", "target", "result", "metrics"];
  const rows = results.map((r) => [
    r.name,
    r.baseline
      ? `${formatMs(r.baseline.median)} (${formatMs(r.baseline.min)}-${formatMs(r.baseline.max)})`
      : "-",
    r.subject ? `${formatMs(r.subject.median)} (${formatMs(r.subject.min)}-${formatMs(r.subject.max)})` : "-",
    formatRatio(r.ratio),
    r.target === null ? "-" : `≤${r.target.toFixed(2)}x`,
    r.status === "miss" ? "MISS" : r.status,
    Object.entries(r.metrics)
      .map(([k, v]) => `${k}=${v}`)
      .join(" "),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] as string).length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i >= 1 && i <= 4 ? c.padStart(widths[i] as number) : c.padEnd(widths[i] as number)))
      .join("  ")
      .trimEnd();
  return [
    line(header),
    line(widths.map((w) => "-".repeat(w))),
    ...rows.map(line),
    "",
    "Times are medians (min-max) per round; ratio = subject / baseline.",
  ].join("\n");
}

async function writeResults(startedAt: Date, rounds: number, results: ScenarioResult[]): Promise<string> {
  const folder = path.join(import.meta.dirname, "results");
  await mkdir(folder, { recursive: true });
  const file = path.join(folder, `${startedAt.toISOString().replace(/[:.]/g, "-")}.json`);
  const report = {
    startedAt: startedAt.toISOString(),
    rounds,
    filter: process.env.BENCH_FILTER ?? null,
    environment: {
      node: process.version,
      platform: `${process.platform} ${os.release()} ${process.arch}`,
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model ?? null,
      memoryBytes: os.totalmem(),
      tmpdir: os.tmpdir(),
    },
    scenarios: results,
  };
  await writeFile(file, `${JSON.stringify(report, null, 2)}\n`);
  return file;
}
