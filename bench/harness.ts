/**
 * The benchmark harness: every scenario times a *subject* (autostore-js doing a job) against a
 * *baseline* (the plainest honest way to do the same job without it), and reports the ratio of their
 * median times against a target.
 *
 * A scenario file registers its scenarios with {@link scenario} when imported; `bench/run.ts` imports
 * every scenario file (one line each) and calls {@link runScenarios}.
 *
 * A scenario may also time *peers*: other libraries doing the same job in the same rounds, each with a
 * check of its result (a peer that returns a wrong result is reported as wrong and never counts).
 *
 * Command line and environment:
 * - `--quick` (or `BENCH_QUICK=1`): only the scenarios marked `quick` (the peer comparison), 2 rounds,
 *   and the smaller sizes those files choose when {@link quick} is set; a whole run in under two minutes.
 * - `BENCH_ROUNDS`: timed rounds per scenario (default 7, 2 with `--quick`), after one untimed warm-up round.
 * - `BENCH_FILTER`: run only scenarios whose name contains this text (case-insensitive); `|`
 *   separates alternatives (`BENCH_FILTER='64 MiB|keys()'`), since names may hold commas.
 *
 * Benchmarks report and never gate: a missed target is printed, and the process still exits 0. A
 * scenario that throws is a broken benchmark, not a slow one: it is reported and the exit code is 1.
 */
import * as os from "node:os";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { formatPeerTable, formatRatio, formatTable, missReasons, overLimit, writeResults } from "./report.js";
import type { Check, Peer, PeerResult, SampleStats, Scenario, ScenarioResult } from "./types.js";

export type {
  Check,
  Metrics,
  Peer,
  PeerResult,
  SampleStats,
  Scenario,
  ScenarioResult,
  Timing,
} from "./types.js";

/** True for `npm run bench -- --quick`: scenario files may pick smaller sizes (and say so in the name). */
export const quick = process.argv.includes("--quick") || process.env.BENCH_QUICK === "1";

const registry: Scenario[] = [];

/** Registers a scenario; `bench/run.ts` runs every registered one, in registration order. */
export function scenario(definition: Scenario): void {
  if (registry.some((s) => s.name === definition.name)) {
    throw new Error(`two benchmark scenarios are named ${JSON.stringify(definition.name)}`);
  }
  registry.push(definition);
}

const endOfRun: Array<() => Promise<void>> = [];

/**
 * Registers a clean-up for the end of the run, whichever scenarios the filter selected: for what
 * several scenarios share and the last of them releases in its teardown (if it runs at all).
 */
export function atEndOfRun(release: () => Promise<void>): void {
  endOfRun.push(release);
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
    (s) =>
      (!quick || s.quick === true) &&
      (filters.length === 0 || filters.some((f) => s.name.toLowerCase().includes(f))),
  );
  if (selected.length === 0) {
    console.log(
      `no scenario matches BENCH_FILTER=${process.env.BENCH_FILTER ?? ""}${quick ? " in --quick" : ""}`,
    );
    return;
  }
  const gc = exposeGc();
  console.log(
    `autostore-js benchmarks${quick ? " (QUICK: the peer comparison only, smaller sizes, fewer rounds; not comparable with a full run)" : ""}: ` +
      `${selected.length} scenarios, 1 warm-up + ${rounds} rounds, ` +
      `node ${process.version}, ${os.cpus().length} cores, ${os.tmpdir()}`,
  );
  const startedAt = new Date();
  const results: ScenarioResult[] = [];
  try {
    await runSelected(selected, rounds, gc, results);
  } finally {
    for (const release of endOfRun.splice(0)) await release();
  }
  console.log();
  console.log(formatTable(results));
  const withPeers = results.filter((r) => r.peers.length > 0);
  if (withPeers.length > 0) {
    console.log();
    console.log(formatPeerTable(withPeers, quick));
  }
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
      : `MISSED ${missed.length} target(s): ${missed.map((r) => `${r.name} (${missReasons(r).join(", ")})`).join("; ")}`,
  );
  if (failed.length > 0)
    console.log(`FAILED ${failed.length} scenario(s): ${failed.map((r) => r.name).join("; ")}`);
  const file = await writeResults(startedAt, rounds, quick, results);
  console.log(
    `results: ${path.relative(process.cwd(), file)} (${((Date.now() - startedAt.getTime()) / 1000).toFixed(0)} s${quick ? ", quick run" : ""})`,
  );
  // A failing scenario is a broken benchmark; a missed target is only news.
  if (failed.length > 0) process.exitCode = 1;
}

/** Runs the selected scenarios in order, printing a line each and collecting their results. */
async function runSelected(
  selected: Scenario[],
  rounds: number,
  gc: () => void,
  results: ScenarioResult[],
): Promise<void> {
  for (const s of selected) {
    process.stdout.write(`  ${s.name} … `);
    const began = performance.now();
    const result = await runOne(s, rounds, gc);
    const took = `${((performance.now() - began) / 1000).toFixed(1)} s`;
    console.log(
      result.status === "error"
        ? `error: ${result.error?.split("\n")[0]} (${took})`
        : `${formatRatio(result.ratio)} (${result.status}, ${took})`,
    );
    results.push(result);
  }
}

/**
 * Runs one scenario (setup, warm-up, `rounds` timed rounds, teardown) without printing or writing
 * anything, and without collecting garbage between calls: for tests of the harness itself.
 */
export function measureScenario(s: Scenario, rounds: number): Promise<ScenarioResult> {
  return runOne(s, rounds, () => undefined);
}

/** One timed side: baseline, subject or a peer. */
interface Contender {
  name: string;
  run: () => Promise<unknown>;
  check: Check | undefined;
  samples: number[];
  /** First failing check (peers only; a wrong baseline or subject throws). */
  wrong: string | null;
  /** The peer threw: it is out of the remaining rounds. */
  error: string | null;
  peer: Peer | null;
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
    baselineName: s.baselineName ?? "baseline",
    peerTarget: s.peers && s.peers.length > 0 ? (s.peerTarget ?? 1) : null,
    limits: s.limits ?? {},
    peers: [],
    setupMs: null,
    warmupMs: null,
    elapsedMs: null,
  };
  const side = (
    name: string,
    run: () => Promise<unknown>,
    check: Check | undefined,
    peer: Peer | null,
  ): Contender => ({ name, run, check, samples: [], wrong: null, error: null, peer });
  const baseline = side("baseline", s.baseline, s.check, null);
  const subject = side("subject", s.subject, s.check, null);
  const peers = (s.peers ?? []).map((p) => side(p.name, p.run, p.check ?? s.check, p));
  const all = [baseline, subject, ...peers];
  const time = async (c: Contender, keep: boolean): Promise<void> => {
    await s.settle?.();
    gc();
    let value: unknown;
    const start = performance.now();
    try {
      value = await c.run();
    } catch (err) {
      if (c.peer === null) throw err;
      c.error = firstLine(err);
      return;
    }
    const ms = performance.now() - start;
    const wrong = c.check?.(value);
    if (wrong !== undefined) {
      if (c.peer === null) throw new Error(`${c.name} returned a wrong result: ${wrong}`);
      c.wrong ??= wrong;
    }
    if (keep) c.samples.push(ms);
  };
  const began = performance.now();
  try {
    await s.setup?.();
    result.setupMs = Math.round(performance.now() - began);
    const last = Math.min(rounds, s.rounds ?? rounds);
    for (let round = 0; round <= last; round++) {
      if (round === 1) result.warmupMs = Math.round(performance.now() - began - (result.setupMs ?? 0));
      // Round 0 is the warm-up: JIT, page cache, lazily created folders. The order rotates by one
      // each round (with two sides: they alternate), so whatever the first call of a round leaves
      // behind (dirty pages, garbage, a warmer server) falls on every side alike.
      for (let i = 0; i < all.length; i++) {
        const c = all[(i + round) % all.length] as Contender;
        if (c.error === null) await time(c, round > 0);
      }
    }
    result.baseline = stats(baseline.samples);
    result.subject = stats(subject.samples);
    result.ratio = result.subject.median / result.baseline.median;
    result.peers = peers.map((p) => peerResult(p, result));
    const peersMs: Record<string, number> = {};
    for (const p of result.peers) if (p.stats) peersMs[p.name] = p.stats.median;
    result.metrics =
      s.metrics?.({ baselineMs: result.baseline.median, subjectMs: result.subject.median, peersMs }) ?? {};
    const baselineMiss = s.target !== undefined && result.ratio > s.target;
    const peerMiss = result.peers.some((p) => p.status === "miss");
    const limitMiss = Object.entries(result.limits).some(([name, limit]) =>
      overLimit(result.metrics[name], limit),
    );
    result.status =
      baselineMiss || peerMiss || limitMiss
        ? "miss"
        : s.target === undefined && result.peerTarget === null && Object.keys(result.limits).length === 0
          ? "info"
          : "pass";
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
    result.elapsedMs = Math.round(performance.now() - began);
  }
  return result;
}

function peerResult(c: Contender, r: ScenarioResult): PeerResult {
  const sampled = c.samples.length > 0 ? stats(c.samples) : null;
  const ratio = sampled && r.baseline ? sampled.median / r.baseline.median : null;
  const subjectRatio = sampled && r.subject ? r.subject.median / sampled.median : null;
  const status =
    c.error !== null
      ? "error"
      : c.wrong !== null
        ? "wrong"
        : subjectRatio !== null && subjectRatio <= (r.peerTarget ?? 1)
          ? "pass"
          : "miss";
  return {
    name: c.name,
    label: c.peer?.label ?? null,
    stats: sampled,
    ratio,
    subjectRatio,
    status,
    reason: c.error ?? c.wrong,
  };
}

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split("\n")[0] ?? "";
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
  if (value === undefined || value === "") return quick ? 2 : 7;
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
