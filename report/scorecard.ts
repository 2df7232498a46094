/**
 * The per-model scorecard the thread-per-connection claim needs (BACKGROUND.md C1, C2), one row per server:
 * user and kernel bytes per connection and the ceiling with the limit nearest to ending it (idle ramp),
 * the connections a bounded pool starved, and closed-loop echo (one message in flight per connection) at
 * each connection count on one server core: msgs/s, CPU µs per message, context switches per message,
 * p99. Repeats are folded into their median. Built from cells only; reporters render it.
 */
import { describeLimit, nearestLimit } from '../bench/limits.js';
import { median } from '../bench/stats.js';
import { headlineLatency } from '../results/headline.js';
import { serverLabel } from '../results/cell-label.js';
import type { Cell } from '../results/schema.js';
import { starvationOf, type Starvation } from '../results/starved.js';

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

export interface ScorecardRow {
  /** Server name, with its --server-arg flags when set (java-threads max-threads=200 is another server). */
  server: string;
  idle: {
    targetConnections: number;
    ceiling: number;
    stoppedBy: string;
    /** "open files of pid …: 19046 of 20000 (95%)", or null when no limits were read. */
    nearestLimit: string | null;
    bytesPerConnection: number | null;
    kernelBytesPerConnection: number | null;
    threadsMax: number | null;
  } | null;
  starved: Starvation | null;
  /** Ascending by connections. */
  echo: ScorecardEcho[];
}

/** Which echo cells the scorecard compares: closed loop, depth 1, server pinned to exactly one core. */
export function isScorecardEcho(cell: Cell): boolean {
  const cpus = cell.pinning.serverCpus;
  return cell.params.workload === 'echo' && cell.params.mode === 'closed' && cell.params.depth === 1 && cpus !== null && /^\d+$/.test(cpus) && cell.load !== null;
}

export function buildScorecard(cells: readonly Cell[]): ScorecardRow[] {
  const rows = new Map<string, ScorecardRow>();
  const row = (cell: Cell): ScorecardRow => {
    const key = serverLabel(cell);
    let r = rows.get(key);
    if (r === undefined) {
      r = { server: key, idle: null, starved: null, echo: [] };
      rows.set(key, r);
    }
    return r;
  };
  const echoCells = new Map<ScorecardRow, Map<number, Cell[]>>();
  for (const cell of cells) {
    if (cell.status === 'skipped') continue;
    const starved = starvationOf(cell);
    if (starved !== null) row(cell).starved = starved;
    if (cell.idle) {
      const r = row(cell);
      // The largest ramp speaks for the model: a ceiling needs the most connections asked for.
      if (r.idle === null || cell.idle.params.targetConnections > r.idle.targetConnections) {
        const limit = cell.idle.limits ? nearestLimit(cell.idle.limits) : null;
        r.idle = {
          targetConnections: cell.idle.params.targetConnections,
          ceiling: cell.idle.ceiling,
          stoppedBy: cell.idle.stoppedBy,
          nearestLimit: limit === null ? null : describeLimit(limit),
          bytesPerConnection: cell.idle.bytesPerConnection,
          kernelBytesPerConnection: cell.idle.kernelBytesPerConnection ?? null,
          threadsMax: cell.serverResources?.threadsMax ?? null,
        };
      }
    }
    if (isScorecardEcho(cell) && cell.status === 'ok') {
      const r = row(cell);
      const byConns = echoCells.get(r) ?? new Map<number, Cell[]>();
      echoCells.set(r, byConns);
      byConns.set(cell.params.connections, [...(byConns.get(cell.params.connections) ?? []), cell]);
    }
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

function medianOf(cells: readonly Cell[], f: (c: Cell) => number | null | undefined): number | null {
  const values = cells.map(f).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  return values.length === 0 ? null : median(values);
}
