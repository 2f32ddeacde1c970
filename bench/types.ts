/**
 * The shapes of the benchmark harness: what a scenario declares (baseline, subject, peers, checks)
 * and what a run measured (as printed and as written to `bench/results/<timestamp>.json`). Scenario
 * files import them through `harness.ts`.
 */
/** Extra numbers a scenario reports next to its timings, e.g. `{ "MB/s": 2100, fetched: 4096 }`. */
export type Metrics = Record<string, number | string>;

/** The median times of one scenario, in milliseconds. */
export interface Timing {
  baselineMs: number;
  subjectMs: number;
  /** Median per peer that ran to the end, by peer name. */
  peersMs: Record<string, number>;
}

/**
 * Checks what one side's job returned: `undefined` when right, else a short reason shown in the
 * table (`"994 of 2,500 keys"`). Runs after every timed call, outside the timing.
 */
export type Check = (result: unknown) => string | undefined;

/** Another library doing the scenario's job, timed in the same rounds as baseline and subject. */
export interface Peer {
  /** Column name in the peer table, e.g. `"unstorage"`; the same library keeps the same name across scenarios. */
  name: string;
  /** What exactly runs, for the notes: `"unstorage 1.17.6, fs driver (setItemRaw/getItemRaw)"`. */
  label?: string;
  /** The same job as the subject's: same bytes, names and concurrency. Resolves to what `check` sees. */
  run: () => Promise<unknown>;
  /** This peer's check; the scenario's `check` when omitted (results of different shapes need their own). */
  check?: Check;
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
  /** Short name of the baseline for the peer table (`"fs"`, `"raw SDK"`); `"baseline"` when omitted. */
  baselineName?: string;
  /** Part of the `--quick` run (which runs only these). */
  quick?: boolean;
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
  /** The job done without autostore-js; its resolved value goes to `check`. */
  baseline: () => Promise<unknown>;
  /** The same job done with autostore-js; its resolved value goes to `check`. */
  subject: () => Promise<unknown>;
  /**
   * Checks the result of every call of baseline, subject and each peer (without a check of its own).
   * A wrong baseline or subject fails the scenario; a wrong peer is reported as `wrong (reason)`.
   */
  check?: Check;
  /** Other libraries doing the same job, timed in the same rounds; see {@link Peer}. */
  peers?: Peer[];
  /**
   * The largest acceptable ratio of subject to each right peer's median time (default 1.00 when
   * there are peers: at least as fast as every library that does the job right).
   */
  peerTarget?: number;
  /** Runs once at the end, even when a round failed: remove temp folders, close clients. */
  teardown?: () => Promise<void>;
  /** Extra numbers printed alongside (bytes fetched, requests made, throughput). */
  metrics?: (timing: Timing) => Metrics;
  /**
   * The largest acceptable value of some of those metrics, by name (`{ "peak RSS growth MiB": 64 }`):
   * a metric above its limit (or missing, or not a number) makes the scenario a miss.
   */
  limits?: Record<string, number>;
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
  /**
   * `pass`/`miss` against the target and, with peers, against `peerTarget` for every right peer;
   * `info` without either; `error` when the scenario threw.
   */
  status: "pass" | "miss" | "info" | "error";
  metrics: Metrics;
  error: string | null;
  baselineName: string;
  /** Wall time of `setup`, of the warm-up round, and of the whole scenario (setup to teardown). */
  setupMs: number | null;
  warmupMs: number | null;
  elapsedMs: number | null;
  /** null without peers. */
  peerTarget: number | null;
  peers: PeerResult[];
  /** The scenario's {@link Scenario.limits}; empty without. */
  limits: Record<string, number>;
}

/** What one peer measured. */
export interface PeerResult {
  name: string;
  label: string | null;
  /** Samples of every timed call that finished (also when the result was wrong). */
  stats: SampleStats | null;
  /** peer median / baseline median. */
  ratio: number | null;
  /** subject median / peer median: below 1 means autostore-js was faster. */
  subjectRatio: number | null;
  /**
   * `pass`/`miss`: subject/peer within `peerTarget` or not; `wrong`: a check failed (never counts);
   * `error`: the peer threw (it is dropped from later rounds).
   */
  status: "pass" | "miss" | "wrong" | "error";
  /** Why `wrong` or `error`: the first failing check's reason, or the error's first line. */
  reason: string | null;
}
