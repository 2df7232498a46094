/**
 * The quirks table: one row per probe, RFC 6455's expectation, then what each server did. Returns a
 * string (printing is the caller's business), so it can be tested.
 */
import Table from 'cli-table3';
import { formatMs } from './reaction.js';
import type { ProbeSection, ProbeVerdict, ServerProbeReport } from './types.js';

/** Marks in front of each observation. */
export const VERDICT_MARKS: Record<ProbeVerdict, string> = {
  'as-rfc': '=',
  differs: '≠',
  'no-answer': '?',
  error: '!',
};

export const LEGEND = '= as RFC 6455   ≠ differs from it   ? no answer in time   ! probe error';

export interface ProbeTableOptions {
  /** Colours and bold headers (a TTY); plain text otherwise. Default false. */
  color?: boolean;
  /** Total width to fit, columns. Default 200. */
  width?: number;
}

const PROBE_COLUMN = 24;
const EXPECTED_COLUMN = 36;

export function renderProbeTable(section: ProbeSection, options: ProbeTableOptions = {}): string {
  const servers = section.servers;
  const width = options.width ?? 200;
  // Borders take one column per cell plus one; padding is inside colWidths.
  const free = width - PROBE_COLUMN - EXPECTED_COLUMN - (servers.length + 3);
  const serverColumn = Math.max(24, Math.min(56, Math.floor(free / Math.max(1, servers.length))));
  const table = new Table({
    head: ['probe', 'RFC 6455 expects', ...servers.map(serverHeading)],
    colWidths: [PROBE_COLUMN, EXPECTED_COLUMN, ...servers.map(() => serverColumn)],
    wordWrap: true,
    style: options.color ? {} : { head: [], border: [] },
  });

  const ids: string[] = [];
  const rows = new Map<string, { title: string; expected: string }>();
  for (const server of servers) {
    for (const p of server.probes) {
      if (rows.has(p.id)) continue;
      ids.push(p.id);
      rows.set(p.id, { title: p.title, expected: p.expected });
    }
  }
  for (const id of ids) {
    const row = rows.get(id)!;
    table.push([
      `${id}\n${row.title}`,
      row.expected,
      ...servers.map((server) => {
        const record = server.probes.find((p) => p.id === id);
        if (record === undefined) return server.error === null ? '—' : '— (not run)';
        return `${VERDICT_MARKS[record.verdict]} ${record.observed}`;
      }),
    ]);
  }
  const lines = [table.toString(), LEGEND];
  for (const server of servers) lines.push(serverSummary(server));
  return lines.join('\n');
}

function serverHeading(server: ServerProbeReport): string {
  const library = server.knobs['library'];
  return typeof library === 'string' ? `${server.server}\n${library}` : server.server;
}

/** "ws-loop: 14 as-rfc, 6 differs, 1 no-answer in 21.3 s" (or why it did not run). */
export function serverSummary(server: ServerProbeReport): string {
  if (server.error !== null && server.probes.length === 0) return `${server.server}: not probed: ${server.error}`;
  const counts = new Map<ProbeVerdict, number>();
  for (const p of server.probes) counts.set(p.verdict, (counts.get(p.verdict) ?? 0) + 1);
  const parts = (['as-rfc', 'differs', 'no-answer', 'error'] as const).filter((v) => counts.has(v)).map((v) => `${counts.get(v)} ${v}`);
  const crashes = server.crashes > 0 ? `; crashed ${server.crashes}× (restarted)` : '';
  const error = server.error !== null ? `; stopped: ${server.error}` : '';
  return `${server.server}: ${parts.join(', ') || 'no probes'} in ${formatMs(server.durationMs)}${crashes}${error}`;
}
