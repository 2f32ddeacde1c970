/**
 * How a benchmark run is shown: the main table (every scenario against its baseline), the peer table
 * (scenarios that time other libraries too, as Markdown ready for the README) and the JSON results.
 */
import { mkdir, writeFile } from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import type { PeerResult, ScenarioResult } from "./types.js";

export function formatMs(ms: number): string {
  return ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2);
}

export function formatRatio(ratio: number | null): string {
  return ratio === null ? "-" : `${ratio.toFixed(2)}x`;
}

/** Why a scenario is a miss: the baseline target, and each peer that was faster than allowed. */
export function missReasons(r: ScenarioResult): string[] {
  const reasons: string[] = [];
  if (r.target !== null && r.ratio !== null && r.ratio > r.target)
    reasons.push(`${formatRatio(r.ratio)} > ${r.target.toFixed(2)}x ${r.baselineName}`);
  for (const p of r.peers)
    if (p.status === "miss")
      reasons.push(`${formatRatio(p.subjectRatio)} > ${(r.peerTarget ?? 1).toFixed(2)}x ${p.name}`);
  for (const [name, limit] of Object.entries(r.limits))
    if (overLimit(r.metrics[name], limit)) reasons.push(`${name} ${r.metrics[name] ?? "missing"} > ${limit}`);
  return reasons;
}

/** Whether a metric breaks its limit: above it, or not a number at all. */
export function overLimit(value: number | string | undefined, limit: number): boolean {
  return typeof value !== "number" || !Number.isFinite(value) || value > limit;
}

/** The main table: every scenario, subject against baseline. */
export function formatTable(results: ScenarioResult[]): string {
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
      .map(([k, v]) => `${k}=${v}${r.limits[k] === undefined ? "" : ` (limit ${r.limits[k]})`}`)
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

/** A peer's cell: its ratio to the baseline, or why it does not count. */
function peerCell(p: PeerResult | undefined): string {
  if (!p) return "—";
  if (p.status === "wrong") return `wrong (${p.reason})`;
  if (p.status === "error") return `error (${truncate(p.reason ?? "", 60)})`;
  return formatRatio(p.ratio);
}

/** autostore-js against one peer: subject/peer, only for a peer whose result was right. */
function versusCell(p: PeerResult | undefined): string {
  if (!p || p.status === "wrong" || p.status === "error" || p.subjectRatio === null) return "—";
  return `${formatRatio(p.subjectRatio)}${p.status === "miss" ? " MISS" : ""}`;
}

function truncate(text: string, max: number): string {
  const plain = text.replace(/\|/g, "/");
  return plain.length <= max ? plain : `${plain.slice(0, max - 1)}…`;
}

/**
 * The peer table as Markdown: per scenario the baseline's median, the ratio to it of autostore-js
 * and of each peer, then autostore-js's ratio to each peer that did the job right, the targets and
 * the result.
 */
export function formatPeerTable(results: ScenarioResult[], quick: boolean): string {
  const names: string[] = [];
  for (const r of results) for (const p of r.peers) if (!names.includes(p.name)) names.push(p.name);
  const header = [
    "operation",
    "baseline",
    "autostore-js",
    ...names,
    ...names.map((n) => `autostore-js / ${n}`),
    "target",
    "result",
  ];
  const rows = results.map((r) => {
    const peer = (n: string) => r.peers.find((p) => p.name === n);
    const targets = [
      ...(r.target !== null ? [`≤${r.target.toFixed(2)}x ${r.baselineName}`] : []),
      ...(r.peerTarget !== null ? [`≤${r.peerTarget.toFixed(2)}x each right peer`] : []),
    ];
    const misses = missReasons(r);
    return [
      r.name,
      r.baseline ? `${r.baselineName} ${formatMs(r.baseline.median)} ms` : r.baselineName,
      r.status === "error" ? `error (${truncate(r.error?.split("\n")[0] ?? "", 60)})` : formatRatio(r.ratio),
      ...names.map((n) => peerCell(peer(n))),
      ...names.map((n) => versusCell(peer(n))),
      targets.join("; "),
      r.status === "error" ? "error" : misses.length > 0 ? `**MISS** (${misses.join("; ")})` : r.status,
    ];
  });
  const row = (cells: string[]) => `| ${cells.join(" | ")} |`;
  return [
    `Peers${quick ? " (QUICK run: smaller sizes, 2 rounds; for a first look, not for the README)" : ""}: ratio = median time / baseline median (lower is faster); autostore-js / peer below 1.00x means autostore-js was faster.`,
    "",
    row(header),
    row(header.map((_, i) => (i === 0 ? "---" : "---:"))),
    ...rows.map(row),
  ].join("\n");
}

/** Writes `bench/results/<timestamp>.json`: every sample, check and ratio, and the machine. */
export async function writeResults(
  startedAt: Date,
  rounds: number,
  quick: boolean,
  results: ScenarioResult[],
): Promise<string> {
  const folder = path.join(import.meta.dirname, "results");
  await mkdir(folder, { recursive: true });
  const file = path.join(folder, `${startedAt.toISOString().replace(/[:.]/g, "-")}.json`);
  const report = {
    startedAt: startedAt.toISOString(),
    rounds,
    quick,
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
