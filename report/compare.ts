import { type Interval, summarize } from '../bench/stats.js';
import { buildModel, type LoadedResult, type RunRow } from './model.js';
import { type ChangeClass, classifyChange, type RatioEstimate, ratioOfMeans } from './ratio.js';

/**
 * `wsarena compare BASE NEW`: cells matched by server, workload, connections, mode, depth or rate,
 * payload and server CPUs; for each metric the ratio NEW/BASE of the means over repeats with a 95%
 * CI by Fieller's theorem (report/ratio.ts). A change is "outside the noise" when the whole CI lies
 * on one side of 1. With a threshold, a throughput drop or p99 rise counts as a regression when its
 * point estimate is beyond the threshold and the change is outside the noise.
 */

export const RATIO_METHOD =
  "ratio of means NEW/BASE over repeats; 95% CI by Fieller's theorem for independent samples, " +
  't with Welch–Satterthwaite degrees of freedom; no CI with fewer than 2 runs on either side';

export interface CompareMetric {
  id: 'msgsPerSec' | 'p99Us' | 'cpuUsPerMessage';
  label: string;
  higherIsBetter: boolean;
  /** Counts for --threshold (throughput and latency); CPU per message is shown, not gated. */
  gated: boolean;
  value(r: RunRow): number | null;
}

export const COMPARE_METRICS: CompareMetric[] = [
  { id: 'msgsPerSec', label: 'msgs/s', higherIsBetter: true, gated: true, value: (r) => r.msgsPerSec },
  { id: 'p99Us', label: 'p99 latency', higherIsBetter: false, gated: true, value: (r) => r.p99Us },
  { id: 'cpuUsPerMessage', label: 'CPU µs/msg', higherIsBetter: false, gated: false, value: (r) => r.cpuUsPerMessage },
];

export type Direction = 'better' | 'worse' | 'noise' | 'unknown';

export interface MetricComparison {
  metric: CompareMetric['id'];
  label: string;
  base: Interval | null;
  new: Interval | null;
  ratio: RatioEstimate | null;
  change: ChangeClass;
  /** The change read with the metric's direction (higher msgs/s is better, higher latency worse). */
  direction: Direction;
  /** Beyond --threshold and outside the noise, in the bad direction (gated metrics only). */
  regression: boolean;
}

export type MatchStatus = 'compared' | 'only-base' | 'only-new' | 'new-failed' | 'base-failed';

export interface CellComparison {
  key: string;
  server: string;
  workload: string;
  connections: number;
  load: string;
  payload: string;
  serverCpus: string;
  status: MatchStatus;
  nBase: number;
  nNew: number;
  /** Some run on either side was client-bound: its throughput/latency are not server figures, so it is not gated. */
  clientBound: boolean;
  metrics: MetricComparison[];
  /** Why this cell counts as a regression under --threshold (empty when it does not). */
  regressions: string[];
}

export interface CompareResult {
  method: string;
  /** Fraction, e.g. 0.05 for --threshold 5%; null without --threshold. */
  threshold: number | null;
  base: string[];
  new: string[];
  cells: CellComparison[];
  /** True when a threshold was given and at least one cell regressed beyond it. */
  exceeded: boolean;
  /** Why NEW is incomplete (incompleteReasons); compare fails (exit 1) when not empty. */
  incomplete: string[];
}

/** What makes two cells "the same cell" across result sets. */
export function matchKey(r: RunRow): string {
  const load = r.mode === 'open' ? `rate=${r.rateHz}` : `depth=${r.depth}`;
  // Every parameter the report keys repeats on (report/model.ts groupKey): a different WORK size, pool
  // size or server flag is a different cell, never pooled with this one.
  return JSON.stringify([
    r.server,
    r.workload,
    r.connections,
    r.mode,
    load,
    r.payloadBytes,
    r.serverCpus,
    r.workIterations,
    r.heavyFraction,
    r.serverThreads,
    r.serverArgs,
  ]);
}

/** Why NEW cannot stand for BASE: a NEW file that did not complete, or BASE cells NEW lacks. Empty when complete. */
export function incompleteReasons(next: LoadedResult[], cells: CellComparison[]): string[] {
  const reasons: string[] = [];
  for (const { path, file } of next) {
    if (file.state !== 'complete') reasons.push(`NEW ${path} is ${file.state}, not complete (${file.cells.length} cell(s) recorded)`);
  }
  const missing = cells.filter((c) => c.status === 'only-base');
  if (missing.length > 0) {
    const shown = missing.slice(0, 3).map((c) => `${c.server} ${c.workload} c=${c.connections} ${c.load}`);
    reasons.push(`NEW lacks ${missing.length} cell(s) BASE has: ${shown.join('; ')}${missing.length > 3 ? '; …' : ''}`);
  }
  return reasons;
}

function byKey(runs: RunRow[]): Map<string, RunRow[]> {
  const out = new Map<string, RunRow[]>();
  for (const r of runs) {
    if (r.status === 'skipped') continue;
    const k = matchKey(r);
    out.set(k, [...(out.get(k) ?? []), r]);
  }
  return out;
}

const values = (runs: RunRow[], f: (r: RunRow) => number | null) => runs.map(f).filter((v): v is number => v !== null && Number.isFinite(v));

/** Compares every metric of one matched cell. */
export function compareMetric(metric: CompareMetric, base: RunRow[], next: RunRow[], threshold: number | null): MetricComparison {
  const b = values(base, metric.value);
  const n = values(next, metric.value);
  const ratio = b.length > 0 && n.length > 0 ? ratioOfMeans(n, b) : null;
  const change = ratio ? classifyChange(ratio) : 'unknown';
  const direction: Direction = change === 'unknown' || change === 'noise' ? change : (change === 'higher') === metric.higherIsBetter ? 'better' : 'worse';
  let regression = false;
  if (threshold !== null && metric.gated && ratio && direction === 'worse') {
    regression = metric.higherIsBetter ? ratio.ratio < 1 - threshold : ratio.ratio > 1 + threshold;
  }
  return {
    metric: metric.id,
    label: metric.label,
    base: b.length > 0 ? summarize(b) : null,
    new: n.length > 0 ? summarize(n) : null,
    ratio,
    change,
    direction,
    regression,
  };
}

export function compareResults(base: LoadedResult[], next: LoadedResult[], opts: { threshold: number | null }): CompareResult {
  const baseRuns = byKey(buildModel(base).runs);
  const newRuns = byKey(buildModel(next).runs);
  const keys = [...new Set([...baseRuns.keys(), ...newRuns.keys()])];
  const cells: CellComparison[] = [];
  for (const key of keys) {
    const b = baseRuns.get(key) ?? [];
    const n = newRuns.get(key) ?? [];
    const first = (b[0] ?? n[0])!;
    const bOk = b.filter((r) => r.msgsPerSec !== null);
    const nOk = n.filter((r) => r.msgsPerSec !== null);
    const status: MatchStatus =
      b.length === 0
        ? 'only-new'
        : n.length === 0
          ? 'only-base'
          : nOk.length === 0 && bOk.length > 0
            ? 'new-failed'
            : bOk.length === 0
              ? 'base-failed'
              : 'compared';
    const clientBound = [...bOk, ...nOk].some((r) => r.quality === 'client-bound');
    const metrics = COMPARE_METRICS.map((m) => compareMetric(m, bOk, nOk, clientBound ? null : opts.threshold));
    const regressions: string[] = [];
    if (opts.threshold !== null) {
      for (const m of metrics) {
        if (m.regression && m.ratio) {
          const pct = ((m.ratio.ratio - 1) * 100).toFixed(1);
          regressions.push(
            `${m.label} ${Number(pct) > 0 ? '+' : ''}${pct}% (95% CI ${fmtRatio(m.ratio.low)}–${fmtRatio(m.ratio.high)}×), beyond ±${(opts.threshold * 100).toFixed(1)}%`,
          );
        }
      }
      if (status === 'new-failed') regressions.push('every NEW run failed where BASE ran');
    }
    cells.push({
      key,
      server: first.server,
      workload: first.workload,
      connections: first.connections,
      load: first.load,
      payload: first.payload,
      serverCpus: first.serverCpus,
      status,
      nBase: bOk.length,
      nNew: nOk.length,
      clientBound,
      metrics,
      regressions,
    });
  }
  cells.sort((x, y) => x.server.localeCompare(y.server) || x.workload.localeCompare(y.workload) || x.connections - y.connections || x.key.localeCompare(y.key));
  return {
    method: RATIO_METHOD,
    threshold: opts.threshold,
    base: base.map((r) => r.path),
    new: next.map((r) => r.path),
    cells,
    exceeded: cells.some((c) => c.regressions.length > 0),
    incomplete: incompleteReasons(next, cells),
  };
}

function fmtRatio(v: number | null): string {
  return v === null ? '?' : v.toFixed(3);
}
