import Table from 'cli-table3';
import { describeStarvation, starvationOf } from '../../results/starved.js';
import type { Cell } from '../../results/schema.js';
import { summarize } from '../../bench/stats.js';
import { serverLabel } from '../../results/cell-label.js';
import { headlineLatency } from '../../results/headline.js';
import { formatBytes, formatPercent, formatRate, formatUs } from '../format.js';

/** One row: the repeats of one (server, connections, server CPUs) cell, summarised. */
export interface SummaryRow {
  server: string;
  workload: string;
  connections: number;
  serverCpus: string | null;
  repeats: number;
  status: string;
  msgsPerSec: ReturnType<typeof summarize> | null;
  p50Us: number | null;
  p99Us: number | null;
  p999Us: number | null;
  maxUs: number | null;
  cpuUsPerMessage: number | null;
  /** Server context switches (every task) per message in the window; null when not measured. */
  contextSwitchesPerMessage: number | null;
  serverCpuCoreFraction: number | null;
  rssBytes: number | null;
  /** Mixed workload: p99 of the cheap (ECHO) and heavy (WORK) classes; head-of-line blocking shows in cheapP99Us. */
  cheapP99Us: number | null;
  heavyP99Us: number | null;
  verdicts: string[];
  /** best msgs/s in the same (connections, cpus) group / this row's msgs/s; 1 = best. */
  slowerThanBest: number | null;
  notes: string[];
}

export { headlineLatency };

export function summarizeCells(cells: Cell[]): SummaryRow[] {
  const groups = new Map<string, Cell[]>();
  for (const c of cells) {
    // A sizes sweep has one cell per payload: they are different rows, not repeats.
    const key = `${serverLabel(c)}\u0000${c.params.workload}\u0000${c.params.connections}\u0000${c.pinning.serverCpus ?? ''}${c.sizes ? `\u0000${c.params.payloadBytes}` : ''}`;
    const g = groups.get(key);
    if (g) g.push(c);
    else groups.set(key, [c]);
  }
  const rows: SummaryRow[] = [];
  for (const group of groups.values()) {
    const first = group[0]!;
    const ok = group.filter((c) => c.status === 'ok' && c.load);
    const med = (f: (c: Cell) => number | null | undefined) => {
      const vals = ok.map(f).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
      return vals.length > 0 ? summarize(vals).median : null;
    };
    const rates = ok.map((c) => c.load!.achievedRateHz);
    const notes = group.filter((c) => c.status !== 'ok').map((c) => `${c.status}: ${c.error ?? ''}`);
    for (const c of group) {
      const starved = starvationOf(c);
      if (starved !== null) notes.push(describeStarvation(starved));
    }
    rows.push({
      server: serverLabel(first),
      workload: first.sizes ? `${first.params.workload} ${formatBytes(first.params.payloadBytes)}` : first.params.workload,
      connections: first.params.connections,
      serverCpus: first.pinning.serverCpus,
      repeats: group.length,
      status: ok.length === group.length ? 'ok' : ok.length === 0 ? group[0]!.status : 'partial',
      msgsPerSec: rates.length > 0 ? summarize(rates) : null,
      p50Us: med((c) => headlineLatency(c)?.p50Us),
      p99Us: med((c) => headlineLatency(c)?.p99Us),
      p999Us: med((c) => headlineLatency(c)?.p999Us),
      maxUs: med((c) => headlineLatency(c)?.maxUs),
      cpuUsPerMessage: med((c) => c.serverResources?.cpuUsPerMessage),
      contextSwitchesPerMessage: med((c) => c.serverResources?.contextSwitchesPerMessage),
      serverCpuCoreFraction: med((c) => c.serverResources?.cpuCoreFraction),
      rssBytes: med((c) => c.serverResources?.rssBytesMax),
      cheapP99Us: med((c) => c.load?.byClass?.cheap?.p99Us),
      heavyP99Us: med((c) => c.load?.byClass?.heavy?.p99Us),
      verdicts: [...new Set(ok.map((c) => c.verdict?.verdict ?? 'none'))],
      slowerThanBest: null,
      notes: [...new Set(notes)],
    });
  }
  // Relative to the fastest server at the same connections and CPUs (hyperfine's "× slower").
  for (const row of rows) {
    const peers = rows.filter((r) => r.connections === row.connections && r.serverCpus === row.serverCpus && r.workload === row.workload && r.msgsPerSec);
    const best = Math.max(...peers.map((r) => r.msgsPerSec!.median));
    if (row.msgsPerSec && best > 0) row.slowerThanBest = best / row.msgsPerSec.median;
  }
  return rows;
}

/** Renders the summary table as a string (tested without a terminal). */
export function renderSummaryTable(cells: Cell[], { color = false }: { color?: boolean } = {}): string {
  const rows = summarizeCells(cells);
  const anyCpus = rows.some((r) => r.serverCpus !== null);
  const anyClasses = rows.some((r) => r.cheapP99Us !== null);
  const anySwitches = rows.some((r) => r.contextSwitchesPerMessage !== null);
  const head = ['server', 'workload', 'conns', ...(anyCpus ? ['cpus'] : []), 'msgs/s', '95% CI', 'p50', 'p99', 'p99.9', 'max', ...(anyClasses ? ['cheap p99', 'heavy p99'] : []), 'CPU µs/msg', ...(anySwitches ? ['cs/msg'] : []), 'srv CPU', 'RSS', 'verdict', 'vs best'];
  const table = new Table({ head, style: { head: color ? ['cyan'] : [], border: color ? ['grey'] : [] } });
  for (const r of rows) {
    const ci = r.msgsPerSec && r.msgsPerSec.low !== null ? `${formatRate(Math.max(0, r.msgsPerSec.low))}–${formatRate(r.msgsPerSec.high)}` : r.repeats > 1 ? '—' : 'n=1';
    const vsBest = r.slowerThanBest === null ? '—' : r.slowerThanBest < 1.005 ? 'best' : `${r.slowerThanBest.toFixed(2)}× slower`;
    const verdict = r.status === 'ok' || r.status === 'partial' ? r.verdicts.join(',') : r.status;
    table.push([
      r.server,
      r.workload,
      String(r.connections),
      ...(anyCpus ? [r.serverCpus ?? '—'] : []),
      formatRate(r.msgsPerSec?.median),
      ci,
      formatUs(r.p50Us),
      formatUs(r.p99Us),
      formatUs(r.p999Us),
      formatUs(r.maxUs),
      ...(anyClasses ? [formatUs(r.cheapP99Us), formatUs(r.heavyP99Us)] : []),
      r.cpuUsPerMessage === null ? '—' : r.cpuUsPerMessage.toFixed(2),
      ...(anySwitches ? [formatSwitches(r.contextSwitchesPerMessage)] : []),
      formatPercent(r.serverCpuCoreFraction),
      formatBytes(r.rssBytes),
      verdict,
      vsBest,
    ]);
  }
  const notes = rows.flatMap((r) => r.notes.map((n) => `  ${r.server} c=${r.connections}: ${n}`));
  const legend =
    'latency: corrected for coordinated omission in open loop (--rate), service time in closed loop; ' +
    'a client-bound row is a lower bound on the server, not a server figure.' +
    (anySwitches ? ' cs/msg: context switches of every server thread per message handled.' : '');
  return [table.toString(), legend, ...(notes.length > 0 ? ['notes:', ...notes] : [])].join('\n');
}

/** Context switches per message: 2 significant digits below 10 ("0.031", "1.2"), else whole. */
function formatSwitches(x: number | null): string {
  if (x === null) return '—';
  return x >= 10 ? x.toFixed(0) : x === 0 ? '0' : x.toPrecision(2);
}
