/**
 * One-line summaries of the connection workloads' sections (idle, broadcast, storm, backpressure,
 * sizes, httpEcho), for progress lines and the text printed after the summary table. Figures only from the cell.
 */
import { VERDICT_THRESHOLDS } from '../../bench/verdict.js';
import type { Cell } from '../../results/schema.js';
import { formatBytes, formatRate, formatUs } from '../format.js';

export function describeWorkloadSection(cell: Cell): string | null {
  if (cell.idle) {
    const s = cell.idle;
    const r2 = s.r2 === null ? '—' : s.r2.toFixed(4);
    const kernel = s.fit.kernelTcpMem ? `, kernel TCP ${formatBytes(Math.round(s.fit.kernelTcpMem.slope))}/conn` : '';
    const live = s.liveness;
    return (
      `${s.bytesPerConnection === null ? '—' : `${s.bytesPerConnection} B`}/conn (${s.memoryBasis} slope, R² ${r2}, intercept ${s.fit[s.memoryBasis] ? formatBytes(Math.round(s.fit[s.memoryBasis]!.intercept)) : '—'})` +
      `${kernel}; ceiling ${s.ceiling}/${s.params.targetConnections}: ${s.stoppedBy}; pongs ${live.pongsReceived}/${live.pingsSent}, ${live.unexpectedCloses} unexpected closes`
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
      `after last round fds ${signed(s.fdsDelta)}, RSS ${signed(s.rssDeltaBytes, formatBytes)} vs baseline (${s.nearBaseline ? 'near baseline' : 'NOT near baseline'})`
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
    lines.push(`  ${c.server} ${c.params.workload} c=${c.params.connections}${c.status !== 'ok' ? ` [${c.status}: ${c.error ?? ''}]` : ''}: ${text}`);
  }
  return lines.length > 0 ? ['workload figures:', ...lines].join('\n') : '';
}

function signed(x: number, fmt: (v: number) => string = String): string {
  return x >= 0 ? `+${fmt(x)}` : `-${fmt(-x)}`;
}
