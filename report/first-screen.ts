/**
 * What a reader sees first (issue 13): the claims table (claim · answer · decisive figure · a small chart of
 * it) and the per-model scorecard, best per column marked. Data only; report/site/dashboard.js draws it with
 * textContent. Everything else (findings, charts, runs, provenance) comes below it or folded.
 */

import { cpuListSize } from '../core/cpu-list.js';
import { formatBytes, formatRate, formatUs } from '../core/format.js';
import { serverLabel } from '../results/cell-label.js';
import type { Cell } from '../results/schema.js';
import { SERVERS } from '../servers/registry.js';
import type { ServerModel } from '../servers/spec.js';
import { answerText, type ClaimFigure, type ClaimResult, computeClaims } from './claims.js';
import { MODEL_LABELS } from './findings.js';
import { type PoolOverheadFigures, poolOverheadText } from './pool-overhead-note.js';
import { buildScorecard, type ScorecardRow } from './scorecard.js';

export interface FirstScreenFigure {
  text: string;
  /** A ratio (×): drawn on a log axis around 1×; values of other units get no chart. */
  ratio: boolean;
  value: number;
  low: number | null;
  high: number | null;
}

export interface FirstScreenClaim {
  id: string;
  claim: string;
  answer: ClaimResult['answer'];
  answerText: string;
  reason: string;
  figures: FirstScreenFigure[];
  gap: string | null;
  settle: string | null;
  conditions: string[];
}

export type ScoreColumnId = 'msgsPerCore' | 'cpuUsPerMessage' | 'cheapP99' | 'bytesPerConnection' | 'ceiling';

export interface ScoreColumn {
  id: ScoreColumnId;
  label: string;
  /** Where the figures were measured ("@1000 conns"), '' when the column says it already. */
  at: string;
  /** Which end is best: the column's best value is marked. */
  better: 'higher' | 'lower';
  /** What the column holds, as a tooltip. */
  note: string;
}

export interface ScoreCell {
  value: number | null;
  text: string;
  best: boolean;
  /** Short qualifier shown beside the text (the ceiling's limit, ▲ for a lower bound); '' when none. */
  detail: string;
  /** Everything else about the figure, as a tooltip. */
  note: string;
  /**
   * The true figure is at least this value (memory without its kernel part). It cannot be marked best in a
   * lower-is-better column: the complete figure may be larger than another row's.
   */
  lowerBound?: boolean;
}

export interface FirstScreenScoreRow {
  server: string;
  model: string;
  cells: Record<ScoreColumnId, ScoreCell>;
}

export interface PoolNote {
  server: string;
  text: string;
}

export interface FirstScreen {
  claims: FirstScreenClaim[];
  scorecard: { columns: ScoreColumn[]; rows: FirstScreenScoreRow[]; pools: PoolNote[]; conditions: string };
}

/** A claim figure is a ratio when its text starts with the ratio as claims.ts prints it ("1.52× (…"). */
function figureOf(f: ClaimFigure): FirstScreenFigure {
  const ratio = Number.isFinite(f.value) && f.text.startsWith(`${f.value.toFixed(2)}×`);
  return { text: f.text, ratio, value: f.value, low: f.low, high: f.high };
}

export function firstScreenClaims(cells: readonly Cell[]): FirstScreenClaim[] {
  return computeClaims(cells).map((c) => ({
    id: c.id,
    claim: c.claim,
    answer: c.answer,
    answerText: answerText(c),
    reason: c.reason,
    figures: c.figures.map(figureOf),
    gap: c.gap,
    settle: c.settle,
    conditions: c.conditions,
  }));
}

/** The echo connection count most servers share (ties: the larger), where the scorecard compares throughput. */
export function sharedEchoConnections(rows: readonly ScorecardRow[]): number | null {
  const count = new Map<number, number>();
  for (const r of rows) for (const e of r.echo) if (e.msgsPerSec !== null) count.set(e.connections, (count.get(e.connections) ?? 0) + 1);
  const best = [...count.entries()].sort((a, b) => b[1] - a[1] || b[0] - a[0])[0];
  return best === undefined ? null : best[0];
}

function modelOf(server: string): string {
  const name = server.split(' ')[0]!;
  const model = Object.hasOwn(SERVERS, name) ? SERVERS[name]!.model : null;
  return model !== null && Object.hasOwn(MODEL_LABELS, model) ? MODEL_LABELS[model as ServerModel] : '';
}

export function firstScreenScorecard(cells: readonly Cell[], poolOverhead: PoolOverheadFigures | null = null): FirstScreen['scorecard'] {
  const rows = buildScorecard(cells).filter((r) => r.idle !== null || r.echo.length > 0 || r.mixed !== null || r.starved !== null || r.pool !== null);
  const at = sharedEchoConnections(rows);
  const columns: ScoreColumn[] = [
    {
      id: 'msgsPerCore',
      label: 'msgs/s per server core',
      at: at === null ? '' : `@${at} conns`,
      better: 'higher',
      note: 'closed-loop echo, 1 message in flight per connection, server on 1 core; median of runs',
    },
    {
      id: 'cpuUsPerMessage',
      label: 'CPU µs/msg',
      at: at === null ? '' : `@${at} conns`,
      better: 'lower',
      note: 'server process-tree CPU per message in the same echo runs',
    },
    {
      id: 'cheapP99',
      label: 'cheap-msg p99',
      at: 'mixed load',
      better: 'lower',
      note: 'mixed workload (a few heavy WORK messages among cheap ECHOes), server on 1 core, at the most connections run; median of runs',
    },
    {
      id: 'bytesPerConnection',
      label: 'bytes/conn',
      at: 'user + kernel',
      better: 'lower',
      note: 'idle ramp: slope of server memory (user) plus kernel memory (KernelStack + SUnreclaim) per open connection',
    },
    {
      id: 'ceiling',
      label: 'connection ceiling',
      at: 'and its limit',
      better: 'higher',
      note: 'most connections held at once in the largest idle ramp, and the limit nearest to ending it',
    },
  ];
  const none = (): ScoreCell => ({ value: null, text: '—', best: false, detail: '', note: '' });
  const out: FirstScreenScoreRow[] = rows.map((r) => {
    const echo = at === null ? undefined : r.echo.find((e) => e.connections === at);
    const cores = 1; // isScorecardEcho: the server ran on exactly one core.
    const msgs = echo?.msgsPerSec ?? null;
    const lowerBound = echo?.verdicts.includes('client-bound') ?? false;
    const idle = r.idle;
    const user = idle?.bytesPerConnection ?? null;
    const bytes = user === null ? null : user + (idle?.kernelBytesPerConnection ?? 0);
    const cellsOf: Record<ScoreColumnId, ScoreCell> = {
      msgsPerCore:
        msgs === null
          ? none()
          : {
              value: msgs / cores,
              text: formatRate(msgs / cores),
              best: false,
              detail: lowerBound ? LOWER_BOUND_MARK : '',
              note: `${echo!.runs} run(s)${lowerBound ? '; client-bound: a lower bound on the server' : ''}`,
            },
      cpuUsPerMessage:
        echo?.cpuUsPerMessage == null
          ? none()
          : { value: echo.cpuUsPerMessage, text: echo.cpuUsPerMessage.toFixed(2), best: false, detail: '', note: `${echo.runs} run(s)` },
      cheapP99:
        r.mixed?.cheapP99Us == null
          ? none()
          : {
              value: r.mixed.cheapP99Us,
              text: formatUs(r.mixed.cheapP99Us),
              best: false,
              detail: r.mixed.verdicts.includes('client-bound') ? LOWER_BOUND_MARK : '',
              note: `${r.mixed.connections} conns, ${r.mixed.load}, ${r.mixed.runs} run(s); heavy messages' p50 ${formatUs(r.mixed.heavyP50Us)}`,
            },
      bytesPerConnection:
        bytes === null
          ? none()
          : {
              value: bytes,
              text: formatBytes(bytes),
              best: false,
              detail: idle?.kernelBytesPerConnection == null ? 'user only' : '',
              lowerBound: idle?.kernelBytesPerConnection == null,
              note:
                idle?.kernelBytesPerConnection == null
                  ? 'kernel memory not measured (older file)'
                  : `${formatBytes(user)} user + ${formatBytes(idle.kernelBytesPerConnection)} kernel`,
            },
      ceiling:
        idle === null
          ? r.starved === null
            ? none()
            : { value: null, text: `starved ${r.starved.starved} of ${r.starved.of}`, best: false, detail: '', note: '' }
          : {
              value: idle.ceiling,
              text: `${formatRate(idle.ceiling)} of ${formatRate(idle.targetConnections)}`,
              best: false,
              // Reached: which limit came nearest; stopped short: what stopped it. The whole text is in the tooltip.
              detail: brief(idle.stoppedBy === 'target reached' ? (idle.nearestLimitBrief ?? idle.stoppedBy) : idle.stoppedBy),
              note: [idle.stoppedBy.split('\n', 1)[0]!, idle.nearestLimit ? `nearest limit: ${idle.nearestLimit}` : ''].filter((t) => t !== '').join('; '),
            },
    };
    return { server: r.server, model: modelOf(r.server), cells: cellsOf };
  });
  for (const col of columns) {
    const rivals = out.map((r) => r.cells[col.id]).filter((c) => !(col.better === 'lower' && c.lowerBound === true));
    const values = rivals.map((c) => c.value).filter((v): v is number => v !== null);
    if (values.length < 2) continue;
    const best = col.better === 'higher' ? Math.max(...values) : Math.min(...values);
    for (const c of rivals) if (c.value === best) c.best = true;
  }
  const pools: PoolNote[] = rows
    .filter((r) => r.pool !== null)
    .map((r) => {
      const p = r.pool!;
      const t = (x: { p50Ms: number; p99Ms: number }) => `p50 ${formatUs(x.p50Ms * 1000)}, p99 ${formatUs(x.p99Ms * 1000)}`;
      return {
        server: r.server,
        text:
          `${r.server} (pool): per task, queue wait ${t(p.waitMs)}; run time ${t(p.runMs)} (${p.workload}, ${p.connections} conns, median of ${p.runs} run${p.runs === 1 ? '' : 's'}). ` +
          poolOverheadText(poolOverhead),
      };
    });
  return { columns, rows: out, pools, conditions: conditionsText(cells) };
}

/** Marks a figure that is only a lower bound on the server (its runs were client-bound), as the terminal tables do. */
export const LOWER_BOUND_MARK = '▲';

/** Beside a figure in a table cell: one short line (the whole text is in the cell's tooltip). */
const BRIEF_CHARS = 36;

function brief(s: string): string {
  const line = s.split('\n', 1)[0]!;
  return line.length > BRIEF_CHARS ? `${line.slice(0, BRIEF_CHARS - 1)}…` : line;
}

/**
 * "Server cores: 1 in 230 runs, 2 in 30. Server threads (its own report): 1 on 1 core (ws-piscina, uws-threads, …)": the
 * conditions every figure holds under, which the charts' panels repeat in their subtitles.
 */
export function conditionsText(cells: readonly Cell[]): string {
  const ran = cells.filter((c) => c.status !== 'skipped');
  if (ran.length === 0) return '';
  const byCores = new Map<string, number>();
  for (const c of ran) {
    const n = cpuListSize(c.pinning.serverCpus);
    const key = n === null ? 'unpinned' : `${n}`;
    byCores.set(key, (byCores.get(key) ?? 0) + 1);
  }
  const cores = [...byCores.entries()].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} in ${n} run${n === 1 ? '' : 's'}`);
  const threadsOn = new Map<string, Set<string>>();
  for (const c of ran) {
    const model = Object.hasOwn(SERVERS, c.server) ? SERVERS[c.server]!.model : null;
    if (model !== 'thread-pool' && model !== 'threads' && model !== 'processes') continue;
    const threads = c.params.serverThreads ?? c.serverInfo?.knobs['threads'];
    const n = cpuListSize(c.pinning.serverCpus);
    if (typeof threads !== 'number' || n === null) continue;
    const key = `${threads} on ${n} core${n === 1 ? '' : 's'}`;
    threadsOn.set(key, (threadsOn.get(key) ?? new Set()).add(serverLabel(c)));
  }
  const threads = [...threadsOn.entries()].map(([k, s]) => `${k} (${[...s].sort().join(', ')})`);
  return `Server cores: ${cores.join(', ')}.${threads.length > 0 ? ` Pool and worker servers' threads or processes: ${threads.join('; ')}.` : ''}`;
}

export function buildFirstScreen(cells: readonly Cell[], poolOverhead: PoolOverheadFigures | null = null): FirstScreen {
  return { claims: firstScreenClaims(cells), scorecard: firstScreenScorecard(cells, poolOverhead) };
}
