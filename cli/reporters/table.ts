import Table from 'cli-table3';
import { summarize } from '../../bench/stats.js';
import { formatBytes, formatPercent, formatRate, formatUs } from '../../core/format.js';
import { groupRepeats, summarizeFigure } from '../../report/repeats.js';
import { serverLabel } from '../../results/cell-label.js';
import { isMeasured, isOk } from '../../results/cell-status.js';
import { measuredCores } from '../../results/cores.js';
import { headlineLatency } from '../../results/headline.js';
import type { Cell, OkCell } from '../../results/schema.js';
import { describeStarvation, starvationOf } from '../../results/starved.js';

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
  /** Whole-core busy and softirq fractions of the server's pinned CPUs and the client's busiest (/proc/stat); null when not measured. */
  serverCoreBusyFraction: number | null;
  serverCoreSoftirqFraction: number | null;
  clientCoreBusyFraction: number | null;
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

/** Repeats of one table row: same server, workload, connections and server CPUs (and payload in a sizes sweep). */
function repeatKey(c: Cell): string {
  // A sizes sweep has one cell per payload: they are different rows, not repeats.
  return `${serverLabel(c)}\u0000${c.params.workload}\u0000${c.params.connections}\u0000${c.pinning.serverCpus ?? ''}${isMeasured(c) && c.sizes ? `\u0000${c.params.payloadBytes}` : ''}`;
}

export function summarizeCells(cells: Cell[]): SummaryRow[] {
  const rows: SummaryRow[] = [];
  for (const group of groupRepeats(cells, repeatKey)) {
    const first = group[0]!;
    const ok = group.filter(isOk).filter((c) => c.load);
    const med = (f: (c: OkCell) => number | null | undefined) => summarizeFigure(ok, f)?.median ?? null;
    const rates = ok.map((c) => c.load!.achievedRateHz);
    const notes = group.flatMap((c) => (c.status === 'ok' ? [] : [`${c.status}: ${c.error}`]));
    for (const c of group) {
      const starved = starvationOf(c);
      if (starved !== null) notes.push(describeStarvation(starved));
    }
    rows.push({
      server: serverLabel(first),
      workload: isMeasured(first) && first.sizes ? `${first.params.workload} ${formatBytes(first.params.payloadBytes)}` : first.params.workload,
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
      serverCoreBusyFraction: med((c) => measuredCores(c.cores)?.server.busyFraction),
      serverCoreSoftirqFraction: med((c) => measuredCores(c.cores)?.server.softirq),
      clientCoreBusyFraction: med((c) => measuredCores(c.cores)?.client.busyFractionMax),
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
export function renderSummaryTable(cells: Cell[], { color = false, box = true }: { color?: boolean; box?: boolean } = {}): string {
  const rows = summarizeCells(cells);
  const anyCpus = rows.some((r) => r.serverCpus !== null);
  const anyClasses = rows.some((r) => r.cheapP99Us !== null);
  const anySwitches = rows.some((r) => r.contextSwitchesPerMessage !== null);
  const anyCores = rows.some((r) => r.serverCoreBusyFraction !== null);
  const head = [
    'server',
    'workload',
    'conns',
    ...(anyCpus ? ['cpus'] : []),
    'msgs/s',
    '95% CI',
    'p50',
    'p99',
    'p99.9',
    'max',
    ...(anyClasses ? ['cheap p99', 'heavy p99'] : []),
    'CPU µs/msg',
    ...(anySwitches ? ['cs/msg'] : []),
    'srv CPU',
    ...(anyCores ? ['srv core', 'cli core'] : []),
    'RSS',
    'verdict',
    'vs best',
  ];
  const table = new Table({ head, style: { head: color ? ['cyan'] : [], border: color ? ['grey'] : [] }, ...(box ? {} : { chars: NO_BOX }) });
  for (const r of rows) {
    const ci =
      r.msgsPerSec && r.msgsPerSec.low !== null ? `${formatRate(Math.max(0, r.msgsPerSec.low))}–${formatRate(r.msgsPerSec.high)}` : r.repeats > 1 ? '—' : 'n=1';
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
      ...(anyCores ? [formatCoreBusy(r.serverCoreBusyFraction, r.serverCoreSoftirqFraction), formatPercent(r.clientCoreBusyFraction)] : []),
      formatBytes(r.rssBytes),
      verdict,
      vsBest,
    ]);
  }
  const notes = rows.flatMap((r) => r.notes.map((n) => `  ${r.server} c=${r.connections}: ${n}`));
  const legend =
    'latency: corrected for coordinated omission in open loop (--rate), service time in closed loop; ' +
    'a client-bound row is a lower bound on the server, not a server figure.' +
    (anySwitches ? ' cs/msg: context switches of every server thread per message handled.' : '') +
    (anyCores
      ? " srv core, cli core: how busy the pinned cores were (/proc/stat; the server's with its softirq share, the client's busiest), kernel work charged to no process included."
      : '');
  const text = box
    ? table.toString()
    : table
        .toString()
        .split('\n')
        .map((l) => l.trimEnd())
        .join('\n');
  return [text, legend, ...(notes.length > 0 ? ['notes:', ...notes] : [])].join('\n');
}

/** cli-table3 without any line: aligned columns for pipes and files. */
export const NO_BOX = {
  top: '',
  'top-mid': '',
  'top-left': '',
  'top-right': '',
  bottom: '',
  'bottom-mid': '',
  'bottom-left': '',
  'bottom-right': '',
  left: '',
  'left-mid': '',
  mid: '',
  'mid-mid': '',
  right: '',
  'right-mid': '',
  middle: ' ',
};

/** The default table's budget: it fits a 100-column terminal. */
export const COMPACT_WIDTH = 100;

const SEP = '  ';

/**
 * The default table: server, workload, conns, msgs/s ± CI, p50, p99, CPU µs/msg, verdict, vs best; at
 * most `width` columns (the server and workload names are shortened with … when they would not fit).
 * On a terminal (box) the header is underlined; elsewhere plain aligned columns. `--wide` prints
 * renderSummaryTable instead.
 */
export function renderCompactTable(
  cells: Cell[],
  { color = false, box = false, width = COMPACT_WIDTH }: { color?: boolean; box?: boolean; width?: number } = {},
): string {
  const rows = summarizeCells(cells);
  const head = ['server', 'workload', 'conns', 'msgs/s ±CI', 'p50', 'p99', 'CPU µs/msg', 'verdict', 'vs best'];
  const right = [false, false, true, true, true, true, true, false, true];
  const body = rows.map((r) => [
    r.server,
    r.workload,
    String(r.connections) + (r.serverCpus !== null && new Set(rows.map((x) => x.serverCpus)).size > 1 ? `@${r.serverCpus}` : ''),
    formatRateCi(r),
    formatUs(r.p50Us),
    formatUs(r.p99Us),
    r.cpuUsPerMessage === null ? '—' : r.cpuUsPerMessage.toFixed(2),
    r.status === 'ok' || r.status === 'partial' ? r.verdicts.map(shortVerdict).join(',') : r.status,
    r.slowerThanBest === null ? '—' : r.slowerThanBest < 1.005 ? 'best' : `${r.slowerThanBest.toFixed(2)}×`,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  // Shorten the name columns (server, then workload) until the table fits.
  const total = () => widths.reduce((a, b) => a + b, 0) + SEP.length * (widths.length - 1);
  for (const i of [0, 1]) {
    const over = total() - width;
    if (over > 0) widths[i] = Math.max(head[i]!.length, 8, widths[i]! - over);
  }
  const fit = (v: string, w: number) => (v.length > w ? `${v.slice(0, w - 1)}…` : v);
  const pad = (v: string, i: number) => (right[i] ? fit(v, widths[i]!).padStart(widths[i]!) : fit(v, widths[i]!).padEnd(widths[i]!));
  const paint = (text: string, code: string) => (color ? `\u001b[${code}m${text}\u001b[0m` : text);
  const line = (cols: string[], style?: (v: string, i: number) => string) =>
    cols
      .map((v, i) => (style ? style(pad(v, i), i) : pad(v, i)))
      .join(SEP)
      .trimEnd();
  const out = [line(head, (v) => paint(v, '1'))];
  if (box) out.push(widths.map((w) => '─'.repeat(w)).join(SEP));
  for (const row of body) {
    out.push(
      line(row, (v, i) =>
        i === 7 && /client/.test(row[7]!)
          ? paint(v, '33')
          : i === 7 && /failed|skipped/.test(row[7]!)
            ? paint(v, '31')
            : i === 8 && row[8] === 'best'
              ? paint(v, '32')
              : v,
      ),
    );
  }
  const notes = rows.flatMap((r) => r.notes.map((n) => `${r.server} c=${r.connections}: ${n}`));
  const legend =
    'msgs/s: median of the repeats ± half the 95% CI (n=1: no CI). p50, p99: corrected for coordinated omission in open loop (--rate), ' +
    'service time in closed loop. CPU µs/msg: server CPU per message handled. verdict: server = server-bound; ' +
    'client = client-bound, a lower bound on the server, not a server figure. --wide: every column.';
  return [...out, ...wrap(legend, width), ...(notes.length > 0 ? ['notes:', ...notes.flatMap((n) => wrap(n, width, '  '))] : [])].join('\n');
}

function formatRateCi(r: SummaryRow): string {
  if (!r.msgsPerSec) return '—';
  const median = formatRate(r.msgsPerSec.median);
  if (r.msgsPerSec.low === null || r.msgsPerSec.high === null || r.msgsPerSec.median <= 0) return median;
  // Half the 95% CI of the mean, relative to the mean (bench/stats.ts).
  const half = (r.msgsPerSec.high - r.msgsPerSec.low) / 2 / (r.msgsPerSec.mean > 0 ? r.msgsPerSec.mean : r.msgsPerSec.median);
  return `${median} ±${half >= 0.1 ? (half * 100).toFixed(0) : (half * 100).toFixed(1)}%`;
}

function shortVerdict(v: string): string {
  return v === 'server-bound' ? 'server' : v === 'client-bound' ? 'client' : v === 'inconclusive' ? 'unclear' : v;
}

/** Greedy word wrap at `width` columns; a word longer than the line is cut. */
export function wrap(text: string, width: number, indent = ''): string[] {
  const lines: string[] = [];
  let current = indent;
  for (const word of text.split(/\s+/).filter((w) => w !== '')) {
    const piece = word.length > width - indent.length ? `${word.slice(0, width - indent.length - 1)}…` : word;
    if (current.trim() === '') current = indent + piece;
    else if (current.length + 1 + piece.length <= width) current += ` ${piece}`;
    else {
      lines.push(current);
      current = indent + piece;
    }
  }
  if (current.trim() !== '') lines.push(current);
  return lines;
}

/** Whole-core busy with its softirq share: "88% (si 15%)". */
function formatCoreBusy(busy: number | null, softirq: number | null): string {
  if (busy === null) return '—';
  return softirq === null ? formatPercent(busy) : `${formatPercent(busy)} (si ${formatPercent(softirq)})`;
}

/** Context switches per message: 2 significant digits below 10 ("0.031", "1.2"), else whole. */
function formatSwitches(x: number | null): string {
  if (x === null) return '—';
  return x >= 10 ? x.toFixed(0) : x === 0 ? '0' : x.toPrecision(2);
}
