/**
 * The per-model scorecard the thread-per-connection claim needs (BACKGROUND.md C1, C2), one row per server:
 * user and kernel bytes per connection and the ceiling with the limit nearest to ending it (idle ramp),
 * the connections a bounded pool starved, and closed-loop echo (one message in flight per connection) at
 * each connection count on one server core: msgs/s, CPU µs per message, context switches per message,
 * p99; the cheap messages' p99 under mixed load (head-of-line blocking, C4), and for a pool (ws-piscina) the
 * queue wait and run time per task its /stats reported. Repeats are folded into their median. Built from
 * cells only; reporters render it.
 */
import { describeLimit, nearestLimit } from '../bench/limits.js';
import { median } from '../bench/stats.js';
import { serverLabel } from '../results/cell-label.js';
import { isMeasured } from '../results/cell-status.js';
import { headlineLatency } from '../results/headline.js';
import type { Cell, OkCell } from '../results/schema.js';
import { type Starvation, starvationOf } from '../results/starved.js';

export interface ScorecardEcho {
  connections: number;
  runs: number;
  msgsPerSec: number | null;
  cpuUsPerMessage: number | null;
  contextSwitchesPerMessage: number | null;
  p99Us: number | null;
  /** Distinct verdicts of the runs (a client-bound msgs/s is a lower bound on the server). */
  verdicts: string[];
}

/** Mixed workload (a few heavy WORK messages among cheap ECHOes), server on one core: what cheap messages waited. */
export interface ScorecardMixed {
  connections: number;
  runs: number;
  /** "open · 2000 msgs/s" or "closed · depth 1". */
  load: string;
  cheapP99Us: number | null;
  heavyP50Us: number | null;
  verdicts: string[];
}

/** A pool's own timing per task, from its /stats (ws-piscina: piscina's waitTime and runTime histograms), ms. */
export interface PoolTiming {
  p50Ms: number;
  p99Ms: number;
  meanMs: number;
}

export interface ScorecardPool {
  /** The workload the figures come from (mixed first: its heavy messages are what the pool is for). */
  workload: string;
  connections: number;
  runs: number;
  /** Submit → handed to a pool thread (piscina's queue). */
  waitMs: PoolTiming;
  /** Handed to a pool thread → result back on the main loop. */
  runMs: PoolTiming;
}

export interface ScorecardRow {
  /** Server name, with its --server-arg flags when set (java-threads max-threads=200 is another server). */
  server: string;
  idle: {
    targetConnections: number;
    ceiling: number;
    stoppedBy: string;
    /** "open files of pid …: 19046 of 20000 (95%)", or null when no limits were read. */
    nearestLimit: string | null;
    /** The same in a few words for a table cell: "open-files 95% used". */
    nearestLimitBrief: string | null;
    bytesPerConnection: number | null;
    kernelBytesPerConnection: number | null;
    threadsMax: number | null;
  } | null;
  starved: Starvation | null;
  /** Ascending by connections. */
  echo: ScorecardEcho[];
  /** At the most connections measured; null without mixed runs on one server core. */
  mixed: ScorecardMixed | null;
  /** Null for servers without a pool in /stats, or whose pool ran no task. */
  pool: ScorecardPool | null;
}

/** Workloads whose pool timings speak for the model, best first: mixed and work hand tasks to the pool; echo does not. */
const POOL_WORKLOADS = ['mixed', 'work'];

/** Which echo cells the scorecard compares: closed loop, depth 1, server pinned to exactly one core. */
export function isScorecardEcho(cell: Cell): boolean {
  const cpus = cell.pinning.serverCpus;
  return (
    isMeasured(cell) &&
    cell.params.workload === 'echo' &&
    cell.params.mode === 'closed' &&
    cell.params.depth === 1 &&
    cpus !== null &&
    /^\d+$/.test(cpus) &&
    cell.load !== null
  );
}

/** On exactly one server core, as the scorecard's echo: one core is where threads and an event loop meet on equal terms. */
function onOneCore(cell: Cell): boolean {
  const cpus = cell.pinning.serverCpus;
  return cpus !== null && /^\d+$/.test(cpus);
}

/** The pool figures of a cell's /stats (servers/ws-piscina/main.ts poolStats), or null when absent or no task completed. */
export function poolStatsOf(
  cell: Cell,
): { completed: number; waitTime: { p50: number; p99: number; mean: number }; runTime: { p50: number; p99: number; mean: number } } | null {
  if (!isMeasured(cell)) return null;
  const extra = cell.serverStats?.['extra'];
  const pool = typeof extra === 'object' && extra !== null ? (extra as Record<string, unknown>)['pool'] : undefined;
  if (typeof pool !== 'object' || pool === null) return null;
  const p = pool as Record<string, unknown>;
  const timing = (v: unknown) => {
    if (typeof v !== 'object' || v === null) return null;
    const t = v as Record<string, unknown>;
    return typeof t['p50'] === 'number' && typeof t['p99'] === 'number' && typeof t['mean'] === 'number'
      ? { p50: t['p50'], p99: t['p99'], mean: t['mean'] }
      : null;
  };
  const waitTime = timing(p['waitTime']);
  const runTime = timing(p['runTime']);
  const completed = typeof p['completed'] === 'number' ? p['completed'] : 0;
  return waitTime && runTime && completed > 0 ? { completed, waitTime, runTime } : null;
}

export function buildScorecard(cells: readonly Cell[]): ScorecardRow[] {
  const rows = new Map<string, ScorecardRow>();
  const row = (cell: Cell): ScorecardRow => {
    const key = serverLabel(cell);
    let r = rows.get(key);
    if (r === undefined) {
      r = { server: key, idle: null, starved: null, echo: [], mixed: null, pool: null };
      rows.set(key, r);
    }
    return r;
  };
  const echoCells = new Map<ScorecardRow, Map<number, OkCell[]>>();
  const mixedCells = new Map<ScorecardRow, OkCell[]>();
  const poolCells = new Map<ScorecardRow, OkCell[]>();
  for (const cell of cells) {
    if (cell.status === 'skipped') continue;
    const starved = starvationOf(cell);
    if (starved !== null) row(cell).starved = starved;
    if (cell.idle) {
      const r = row(cell);
      // The largest ramp speaks for the model: a ceiling needs the most connections asked for.
      // Of two ramps as large, the one that measured kernel memory (older files did not).
      const kernelOnlyHere = r.idle !== null && r.idle.kernelBytesPerConnection === null && cell.idle.kernelBytesPerConnection != null;
      if (
        r.idle === null ||
        cell.idle.params.targetConnections > r.idle.targetConnections ||
        (cell.idle.params.targetConnections === r.idle.targetConnections && kernelOnlyHere)
      ) {
        const limit = cell.idle.limits ? nearestLimit(cell.idle.limits) : null;
        r.idle = {
          targetConnections: cell.idle.params.targetConnections,
          ceiling: cell.idle.ceiling,
          stoppedBy: cell.idle.stoppedBy,
          nearestLimit: limit === null ? null : describeLimit(limit),
          nearestLimitBrief: limit === null ? null : `${limit.name} ${Math.round((100 * limit.used) / limit.limit)}% used`,
          bytesPerConnection: cell.idle.bytesPerConnection,
          kernelBytesPerConnection: cell.idle.kernelBytesPerConnection ?? null,
          threadsMax: cell.serverResources?.threadsMax ?? null,
        };
      }
    }
    if (isScorecardEcho(cell) && cell.status === 'ok') {
      const r = row(cell);
      const byConns = echoCells.get(r) ?? new Map<number, OkCell[]>();
      echoCells.set(r, byConns);
      byConns.set(cell.params.connections, [...(byConns.get(cell.params.connections) ?? []), cell]);
    }
    if (cell.status === 'ok' && cell.params.workload === 'mixed' && onOneCore(cell) && cell.load?.byClass?.['cheap']) {
      const r = row(cell);
      mixedCells.set(r, [...(mixedCells.get(r) ?? []), cell]);
    }
    if (cell.status === 'ok' && poolStatsOf(cell) !== null) {
      const r = row(cell);
      poolCells.set(r, [...(poolCells.get(r) ?? []), cell]);
    }
  }
  for (const [r, group] of mixedCells) {
    const most = Math.max(...group.map((c) => c.params.connections));
    const at = group.filter((c) => c.params.connections === most);
    const p = at[0]!.params;
    r.mixed = {
      connections: most,
      runs: at.length,
      load: p.mode === 'open' ? `open · ${p.rateHz} msgs/s` : `closed · depth ${p.depth}`,
      cheapP99Us: medianOf(at, (c) => c.load?.byClass?.['cheap']?.p99Us),
      heavyP50Us: medianOf(at, (c) => c.load?.byClass?.['heavy']?.p50Us),
      verdicts: [...new Set(at.map((c) => c.verdict?.verdict ?? 'none'))],
    };
  }
  for (const [r, group] of poolCells) {
    const rank = (w: string) => (POOL_WORKLOADS.includes(w) ? POOL_WORKLOADS.indexOf(w) : POOL_WORKLOADS.length);
    const workload = group.map((c) => c.params.workload).sort((a, b) => rank(a) - rank(b))[0]!;
    const ofWorkload = group.filter((c) => c.params.workload === workload);
    const most = Math.max(...ofWorkload.map((c) => c.params.connections));
    const at = ofWorkload.filter((c) => c.params.connections === most);
    const timing = (pick: (s: NonNullable<ReturnType<typeof poolStatsOf>>) => { p50: number; p99: number; mean: number }): PoolTiming => ({
      p50Ms: medianOf(at, (c) => pick(poolStatsOf(c)!).p50)!,
      p99Ms: medianOf(at, (c) => pick(poolStatsOf(c)!).p99)!,
      meanMs: medianOf(at, (c) => pick(poolStatsOf(c)!).mean)!,
    });
    r.pool = { workload, connections: most, runs: at.length, waitMs: timing((s) => s.waitTime), runMs: timing((s) => s.runTime) };
  }
  for (const [r, byConns] of echoCells) {
    r.echo = [...byConns.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([connections, group]) => ({
        connections,
        runs: group.length,
        msgsPerSec: medianOf(group, (c) => c.load?.achievedRateHz),
        cpuUsPerMessage: medianOf(group, (c) => c.serverResources?.cpuUsPerMessage),
        contextSwitchesPerMessage: medianOf(group, (c) => c.serverResources?.contextSwitchesPerMessage),
        p99Us: medianOf(group, (c) => headlineLatency(c)?.p99Us),
        verdicts: [...new Set(group.map((c) => c.verdict?.verdict ?? 'none'))],
      }));
  }
  return [...rows.values()];
}

function medianOf<C extends Cell>(cells: readonly C[], f: (c: C) => number | null | undefined): number | null {
  const values = cells.map(f).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  return values.length === 0 ? null : median(values);
}
