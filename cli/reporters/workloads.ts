/**
 * One-line summaries of the connection workloads' sections (idle, broadcast, storm, backpressure,
 * sizes, httpEcho), for progress lines and the text printed after the summary table. Figures only from the cell.
 */
import { describeLimit, type LimitUse, nearestLimit } from '../../bench/limits.js';
import type { LinearFit } from '../../bench/regression.js';
import { summarize } from '../../bench/stats.js';
import { VERDICT_THRESHOLDS } from '../../bench/verdict.js';
import { formatBytes, formatRate, formatUs } from '../../core/format.js';
import { errorOf, isMeasured } from '../../results/cell-status.js';
import type { Cell, OkCell } from '../../results/schema.js';
import { describeStarvation, starvationOf } from '../../results/starved.js';

/**
 * TCP socket-buffer pages are machine-wide and idle connections hold empty buffers, so this slope is mostly
 * noise around 0 (it even comes out negative): shown with its standard error so it reads as such.
 */
function describeTcpMem(fit: LinearFit): string {
  const slope = formatBytes(Math.round(fit.slope));
  if (fit.slopeStdErr === null) return `kernel TCP buffers ${slope}/conn (${fit.n} points: no error estimate)`;
  return `kernel TCP buffers ${slope} ± ${formatBytes(Math.round(fit.slopeStdErr))}/conn`;
}

export function describeWorkloadSection(cell: Cell): string | null {
  if (!isMeasured(cell)) return null;
  if (cell.idle) {
    const s = cell.idle;
    const r2 = s.r2 === null ? '—' : s.r2.toFixed(4);
    // Kernel memory not in RSS (thread stacks + unreclaimable slab, machine-wide); absent in older files.
    const kernelMem =
      s.kernelBytesPerConnection != null
        ? `, kernel ${s.kernelBytesPerConnection} B/conn (KernelStack+SUnreclaim, R² ${s.kernelR2 == null ? '—' : s.kernelR2.toFixed(4)})`
        : '';
    const kernel = `${kernelMem}${s.fit.kernelTcpMem ? `, ${describeTcpMem(s.fit.kernelTcpMem)}` : ''}`;
    const live = s.liveness;
    return (
      `${s.bytesPerConnection === null ? '—' : `${s.bytesPerConnection} B`}/conn (${s.memoryBasis} slope, R² ${r2}, intercept ${s.fit[s.memoryBasis] ? formatBytes(Math.round(s.fit[s.memoryBasis]!.intercept)) : '—'})` +
      `${kernel}; ceiling ${s.ceiling}/${s.params.targetConnections}: ${s.stoppedBy}${nearest(s.limits)}; pongs ${live.pongsReceived}/${live.pingsSent}, ${live.unexpectedCloses} unexpected closes`
    );
  }
  if (cell.broadcast) {
    const b = cell.broadcast;
    return (
      `${b.delivered}/${b.expected} delivered (${b.lost} lost) over ${b.published} publishes × ${b.openAtStart} conns; ` +
      `latency p50 ${formatUs(b.latency.p50Us)} p99 ${formatUs(b.latency.p99Us)}; time to last p50 ${formatUs(b.timeToLast.p50Us)} p99 ${formatUs(b.timeToLast.p99Us)} max ${formatUs(b.timeToLast.maxUs)}` +
      (b.incompletePublishes > 0 ? ` (${b.incompletePublishes} incomplete publishes)` : '') +
      `; publisher late p99 ${formatUs(b.publishLagP99Us)}`
    );
  }
  if (cell.storm) {
    const s = cell.storm;
    const hs = s.rounds.map((r) => formatRate(r.handshakesPerSec)).join('/');
    const p99 = s.rounds.map((r) => formatUs(r.handshake.p99Us)).join('/');
    const ok = s.rounds.every((r) => r.established === r.attempted);
    return (
      `${s.rounds.length} rounds × ${s.params.connectionsPerRound}: ${ok ? 'all connected' : 'some failed'}; handshakes/s ${hs}; connect p99 ${p99}; ` +
      // nearBaseline judges fds (leaked sockets); RSS is reported as is, since a heap that grew and was kept is not a leak by itself.
      `after last round fds ${signed(s.fdsDelta)} (${s.nearBaseline ? 'back to baseline' : 'NOT back to baseline'}), RSS ${signed(s.rssDeltaBytes, formatBytes)} vs baseline`
    );
  }
  if (cell.backpressure) {
    const b = cell.backpressure;
    return `${b.outcome}; healthy ${b.healthy.connections} conns ${formatRate(b.healthy.msgsPerSec)} msg/s, p99 ${formatUs(b.healthy.latency.p99Us)}`;
  }
  if (cell.sizes) {
    const z = cell.sizes;
    return `payload ${formatBytes(z.payloadBytes)}: ${formatRate(z.msgsPerSec)} msg/s, ${z.mibPerSec.toFixed(1)} MiB/s each way`;
  }
  if (cell.httpEcho) {
    const h = cell.httpEcho;
    const l = h.latencyMs;
    const r = cell.serverResources;
    const server = r ? `; server CPU ${pct(r.cpuCoreFraction)} of a core${r.cpuUsPerMessage !== null ? `, ${r.cpuUsPerMessage.toFixed(1)} µs/req` : ''}` : '';
    const clientBound = h.clientCpuCoreFraction >= VERDICT_THRESHOLDS.clientCpuCoreFraction;
    return (
      `${formatRate(h.requestsPerSec)} req/s (POST /echo, ${h.connections} conns, closed loop, pipelining 1, ${h.bodyBytes} B body; ${h.tool}); ` +
      `latency p50 ${l.p50} ms p99 ${l.p99} ms max ${l.max} ms (1 ms resolution, not corrected); errors ${h.errors}, timeouts ${h.timeouts}, non-2xx ${h.non2xx}` +
      `${server}; autocannon CPU ${pct(h.clientCpuCoreFraction)} of a core` +
      (clientBound ? ` (≥ ${pct(VERDICT_THRESHOLDS.clientCpuCoreFraction)}: client-bound, the req/s is a lower bound on the server)` : '')
    );
  }
  return null;
}

function pct(x: number): string {
  return `${(x * 100).toFixed(0)}%`;
}

/** Lines "server workload c=N: summary" for every cell with a workload section; '' when none. */
export function renderWorkloadSections(cells: readonly Cell[]): string {
  const lines: string[] = [];
  for (const c of cells) {
    const text = describeWorkloadSection(c);
    if (text === null) continue;
    const why = errorOf(c);
    const error = why ? why.split('\n', 1)[0] : '';
    const starved = starvationOf(c);
    lines.push(
      `  ${c.server} ${c.params.workload} c=${c.params.connections}${c.status !== 'ok' ? ` [${c.status}: ${error}]` : ''}: ${starved ? `${describeStarvation(starved)}; ` : ''}${text}`,
    );
  }
  const repeated = renderRepeatSummaries(cells);
  return lines.length > 0 ? ['workload figures:', ...lines, ...(repeated ? [repeated] : [])].join('\n') : '';
}

/** The figure each connection workload is judged by, for the median and CI over repeats. */
function headline(cell: OkCell): { label: string; value: number; format: (v: number) => string } | null {
  if (cell.idle?.bytesPerConnection != null) return { label: 'bytes/conn', value: cell.idle.bytesPerConnection, format: (v) => formatBytes(Math.round(v)) };
  if (cell.broadcast) return { label: 'time-to-last p99', value: cell.broadcast.timeToLast.p99Us, format: formatUs };
  if (cell.storm && cell.storm.rounds.length > 0) {
    const mean = cell.storm.rounds.reduce((a, r) => a + r.handshakesPerSec, 0) / cell.storm.rounds.length;
    return { label: 'handshakes/s', value: mean, format: formatRate };
  }
  if (cell.httpEcho) return { label: 'req/s', value: cell.httpEcho.requestsPerSec, format: formatRate };
  return null;
}

/** "median over repeats (95% CI)" per server × workload × connections, when a cell was repeated. */
export function renderRepeatSummaries(cells: readonly Cell[]): string {
  const groups = new Map<string, { label: string; format: (v: number) => string; values: number[] }>();
  for (const c of cells) {
    if (c.status !== 'ok') continue;
    const h = headline(c);
    if (!h) continue;
    const key = `${c.server} ${c.params.workload} c=${c.params.connections}`;
    const g = groups.get(key) ?? { label: h.label, format: h.format, values: [] };
    g.values.push(h.value);
    groups.set(key, g);
  }
  const lines: string[] = [];
  for (const [key, g] of groups) {
    if (g.values.length < 2) continue;
    const s = summarize(g.values);
    lines.push(`  ${key}: ${g.label} median ${g.format(s.median)} (95% CI ${g.format(Math.max(0, s.low!))}–${g.format(s.high!)}, n=${s.n})`);
  }
  return lines.length > 0 ? ['over repeats (median, 95% CI of the mean):', ...lines].join('\n') : '';
}

function signed(x: number, fmt: (v: number) => string = String): string {
  return x >= 0 ? `+${fmt(x)}` : `-${fmt(-x)}`;
}

/** "; nearest limit: open files of pid 7 (RLIMIT_NOFILE): 19046 of 20000 (95%)", or '' without limits. */
function nearest(limits: readonly LimitUse[] | undefined): string {
  const l = limits === undefined ? null : nearestLimit(limits);
  return l === null ? '' : `; nearest limit: ${describeLimit(l)}`;
}
