/**
 * The scorecard laid out as tables of plain text, once, for every renderer: the terminal (cli/reporters/scorecard.ts)
 * draws them with cli-table3, Markdown (report/markdown.ts) escapes each cell. Which rows are shown, which columns,
 * how each figure is written and what the ▲ means are decided here only.
 */

import { formatBytes, formatRate, formatUs } from '../core/format.js';
import type { ScorecardEcho, ScorecardRow } from './scorecard.js';

/** What the scorecard's selection is, printed above it. */
export const SCORECARD_LEGEND =
  'idle: largest ramp; echo: closed loop, 1 message in flight per connection, server on 1 core, median of runs; ▲ client-bound: msgs/s is a lower bound';

export interface TextTable {
  head: string[];
  /** Cells as plain text; a cell may hold several lines ('\n'). The first cell of a row is the server name. */
  rows: string[][];
}

export interface ScorecardTables {
  /** One row per server: memory per connection, threads, ceiling and its nearest limit, echo at the fewest and most connections. */
  main: TextTable;
  /** Every echo connection count in long form; null without echo runs. */
  echo: TextTable | null;
  /** A pool's own timing per task (ws-piscina's /stats: piscina's waitTime and runTime), one line per pool server. */
  poolLines: string[];
}

/** The scorecard's tables, or null when the cells hold neither idle ramps, echo runs, starvation nor pool timing. */
export function scorecardTables(rows: readonly ScorecardRow[]): ScorecardTables | null {
  const useful = rows.filter((r) => r.idle !== null || r.echo.length > 0 || r.starved !== null || r.pool !== null);
  if (useful.length === 0) return null;
  const counts = [...new Set(useful.flatMap((r) => r.echo.map((e) => e.connections)))].sort((a, b) => a - b);
  const ends = counts.length <= 1 ? counts : [counts[0]!, counts[counts.length - 1]!];

  const head = ['server', 'B/conn user', 'B/conn kernel', 'threads max', 'ceiling', 'nearest limit'];
  for (const c of ends) head.push(`msgs/s @${c}`, `µs/msg @${c}`, `cs/msg @${c}`);
  const main = useful.map((r) => {
    const idle = r.idle;
    const ceiling: string[] = [];
    if (idle !== null) ceiling.push(`${idle.ceiling} of ${idle.targetConnections}: ${brief(idle.stoppedBy)}`);
    if (r.starved !== null) ceiling.push(`starved: ${r.starved.starved} of ${r.starved.of}`);
    const line = [
      r.server,
      bytes(idle?.bytesPerConnection),
      bytes(idle?.kernelBytesPerConnection),
      idle?.threadsMax == null ? '—' : String(idle.threadsMax),
      ceiling.length > 0 ? ceiling.join('\n') : '—',
      idle?.nearestLimit ?? '—',
    ];
    for (const c of ends) {
      const e = r.echo.find((x) => x.connections === c);
      line.push(rate(e), fixed(e?.cpuUsPerMessage), fixed(e?.contextSwitchesPerMessage));
    }
    return line;
  });

  const echo: TextTable | null =
    counts.length === 0
      ? null
      : {
          head: ['server', 'conns', 'runs', 'msgs/s', 'CPU µs/msg', 'cs/msg', 'p99', 'verdict'],
          rows: useful.flatMap((r) =>
            r.echo.map((e) => [
              r.server,
              String(e.connections),
              String(e.runs),
              rate(e),
              fixed(e.cpuUsPerMessage),
              fixed(e.contextSwitchesPerMessage),
              formatUs(e.p99Us),
              e.verdicts.join(', '),
            ]),
          ),
        };

  const poolLines = useful.flatMap((r) => {
    if (r.pool === null) return [];
    const p = r.pool;
    const t = (x: { p50Ms: number; p99Ms: number }) => `p50 ${formatUs(x.p50Ms * 1000)}, p99 ${formatUs(x.p99Ms * 1000)}`;
    return [`${r.server} pool per task (${p.workload}, ${p.connections} conns, ${p.runs} runs): queue wait ${t(p.waitMs)}; run time ${t(p.runMs)}`];
  });
  return { main: { head, rows: main }, echo, poolLines };
}

function rate(e: ScorecardEcho | undefined): string {
  if (e === undefined || e.msgsPerSec === null) return '—';
  return `${formatRate(e.msgsPerSec)}${e.verdicts.includes('client-bound') ? ' ▲' : ''}`;
}

function bytes(b: number | null | undefined): string {
  return b === null || b === undefined ? '—' : formatBytes(b);
}

function fixed(n: number | null | undefined): string {
  return n === null || n === undefined ? '—' : n.toFixed(2);
}

/** What ended a ramp, cut to one short line: a crashed server's stderr tail stays in the result file. */
function brief(stoppedBy: string): string {
  const line = stoppedBy.split('\n', 1)[0]!;
  return line.length > 90 ? `${line.slice(0, 89)}…` : line;
}
