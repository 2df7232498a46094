import Table from 'cli-table3';
import type { ScorecardEcho, ScorecardRow } from '../../report/scorecard.js';
import { formatBytes, formatRate, formatUs } from '../../core/format.js';
import { NO_BOX } from './table.js';

/**
 * The scorecard as text: one row per server with memory per connection (user, kernel), the ceiling and
 * its nearest limit, and closed-loop echo at the fewest and the most connections measured; then every
 * echo connection count in long form. '' when the cells hold neither idle ramps nor such echo runs.
 */
export function renderScorecard(rows: readonly ScorecardRow[], { color = false, box = true }: { color?: boolean; box?: boolean } = {}): string {
  const useful = rows.filter((r) => r.idle !== null || r.echo.length > 0 || r.starved !== null);
  if (useful.length === 0) return '';
  const counts = [...new Set(useful.flatMap((r) => r.echo.map((e) => e.connections)))].sort((a, b) => a - b);
  const ends = counts.length <= 1 ? counts : [counts[0]!, counts[counts.length - 1]!];
  const style = { head: color ? ['cyan'] : [], border: color ? ['grey'] : [] };
  const chars = box ? {} : { chars: NO_BOX };

  const head = ['server', 'B/conn user', 'B/conn kernel', 'threads max', 'ceiling', 'nearest limit'];
  for (const c of ends) head.push(`msgs/s @${c}`, `µs/msg @${c}`, `cs/msg @${c}`);
  const main = new Table({ head, style, ...chars, wordWrap: true, colWidths: [null, null, null, null, 24, 32, ...ends.flatMap(() => [null, null, null])] });
  for (const r of useful) {
    const idle = r.idle;
    const ceiling = idle === null ? '—' : `${idle.ceiling} of ${idle.targetConnections}: ${brief(idle.stoppedBy)}`;
    const starved = r.starved === null ? '' : `${ceiling === '—' ? '' : '\n'}starved: ${r.starved.starved} of ${r.starved.of}`;
    const line = [r.server, bytes(idle?.bytesPerConnection), bytes(idle?.kernelBytesPerConnection), num(idle?.threadsMax), ceiling + starved, idle?.nearestLimit ?? '—'];
    for (const c of ends) {
      const e = r.echo.find((x) => x.connections === c);
      line.push(rate(e), e ? cpu(e.cpuUsPerMessage) : '—', e ? cs(e.contextSwitchesPerMessage) : '—');
    }
    main.push(line);
  }

  const parts = [
    'scorecard (idle: largest ramp; echo: closed loop, 1 message in flight per connection, server on 1 core, median of runs; ▲ client-bound: msgs/s is a lower bound)',
    main.toString(),
  ];
  if (counts.length > 0) {
    const long = new Table({ head: ['server', 'conns', 'runs', 'msgs/s', 'CPU µs/msg', 'cs/msg', 'p99', 'verdict'], style, ...chars });
    for (const r of useful) {
      for (const e of r.echo) long.push([r.server, String(e.connections), String(e.runs), rate(e), cpu(e.cpuUsPerMessage), cs(e.contextSwitchesPerMessage), formatUs(e.p99Us), e.verdicts.join(', ')]);
    }
    parts.push('echo by connections', long.toString());
  }
  return parts.join('\n');
}

function rate(e: ScorecardEcho | undefined): string {
  if (e === undefined || e.msgsPerSec === null) return '—';
  return `${formatRate(e.msgsPerSec)}${e.verdicts.includes('client-bound') ? ' ▲' : ''}`;
}

function bytes(b: number | null | undefined): string {
  return b === null || b === undefined ? '—' : formatBytes(b);
}

function num(n: number | null | undefined): string {
  return n === null || n === undefined ? '—' : String(n);
}

function cpu(us: number | null): string {
  return us === null ? '—' : us.toFixed(2);
}

function cs(perMessage: number | null): string {
  return perMessage === null ? '—' : perMessage.toFixed(2);
}

/** What ended a ramp, cut to one short line: a crashed server's stderr tail stays in the result file. */
function brief(stoppedBy: string): string {
  const line = stoppedBy.split('\n', 1)[0]!;
  return line.length > 90 ? `${line.slice(0, 89)}…` : line;
}
