import Table from 'cli-table3';
import { formatRate, formatUs } from '../core/format.js';
import type { CellComparison, CompareResult, MetricComparison } from './compare.js';

/** Renderers for `wsarena compare`: a terminal table and a Markdown table for pull requests. Both return strings. */

function formatValue(m: MetricComparison, v: number | null | undefined): string {
  if (v === null || v === undefined) return '—';
  if (m.metric === 'msgsPerSec') return formatRate(v);
  if (m.metric === 'p99Us') return formatUs(v);
  return v.toFixed(2);
}

/** "0.93× (0.90–0.96) ▼ worse" — ratio NEW/BASE, its 95% CI, and where it lies against the noise. */
export function formatRatioCell(m: MetricComparison): string {
  if (!m.ratio || !Number.isFinite(m.ratio.ratio)) return '—';
  const r = `${m.ratio.ratio.toFixed(2)}×`;
  const ci =
    m.ratio.low !== null && m.ratio.high !== null
      ? ` (${m.ratio.low.toFixed(2)}–${m.ratio.high.toFixed(2)})`
      : m.ratio.unbounded
        ? ' (CI unbounded)'
        : ' (no CI: n<2)';
  const mark = m.direction === 'better' ? ' ▲ better' : m.direction === 'worse' ? ' ▼ worse' : m.direction === 'noise' ? ' ≈ noise' : '';
  return `${r}${ci}${mark}${m.regression ? ' ✗' : ''}`;
}

function formatChange(m: MetricComparison): string {
  return `${formatValue(m, m.base?.mean)} → ${formatValue(m, m.new?.mean)}`;
}

function statusNote(c: CellComparison): string {
  const notes: string[] = [];
  if (c.status === 'only-base') notes.push('only in BASE');
  if (c.status === 'only-new') notes.push('only in NEW');
  if (c.status === 'new-failed') notes.push('NEW failed');
  if (c.status === 'base-failed') notes.push('BASE failed');
  if (c.clientBound) notes.push('client-bound: lower bounds, not gated');
  return notes.join('; ');
}

const HEAD = [
  'server',
  'workload',
  'conns',
  'load',
  'payload',
  'cpus',
  'n base/new',
  'msgs/s',
  'ratio (95% CI)',
  'p99',
  'ratio (95% CI)',
  'CPU µs/msg',
  'ratio (95% CI)',
  'notes',
];

function rowCells(c: CellComparison): string[] {
  const [tput, p99, cpu] = c.metrics;
  return [
    c.server,
    c.workload,
    String(c.connections),
    c.load,
    c.payload,
    c.serverCpus,
    `${c.nBase}/${c.nNew}`,
    tput ? formatChange(tput) : '—',
    tput ? formatRatioCell(tput) : '—',
    p99 ? formatChange(p99) : '—',
    p99 ? formatRatioCell(p99) : '—',
    cpu ? formatChange(cpu) : '—',
    cpu ? formatRatioCell(cpu) : '—',
    statusNote(c),
  ];
}

function footer(result: CompareResult): string[] {
  const lines = [`ratio = NEW/BASE; ${result.method}.`, '▲/▼: the whole 95% CI lies on one side of 1 (outside the noise); ≈: it includes 1.'];
  if (result.threshold !== null) {
    const regressed = result.cells.filter((c) => c.regressions.length > 0);
    lines.push(
      regressed.length === 0
        ? `threshold ${(result.threshold * 100).toFixed(1)}%: no regression beyond it outside the noise.`
        : `threshold ${(result.threshold * 100).toFixed(1)}% exceeded by ${regressed.length} cell(s):`,
    );
    for (const c of regressed) lines.push(`  ${c.server} ${c.workload} c=${c.connections} ${c.load} cpus ${c.serverCpus}: ${c.regressions.join('; ')}`);
  }
  return lines;
}

export function renderCompareTable(result: CompareResult, { color = false }: { color?: boolean } = {}): string {
  const table = new Table({ head: HEAD, style: { head: color ? ['cyan'] : [], border: color ? ['grey'] : [] } });
  for (const c of result.cells) table.push(rowCells(c));
  return [table.toString(), ...footer(result)].join('\n');
}

/** Text safe inside a Markdown table cell: no pipes, no raw HTML, no line breaks. */
export function escapeMarkdownCell(text: string): string {
  return text
    .replace(/\\/g, '\\\\')
    .replace(/\|/g, '\\|')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/[`*_[\]]/g, (c) => `\\${c}`)
    .replace(/\r?\n/g, ' ');
}

export function renderCompareMarkdown(result: CompareResult): string {
  const lines = [
    '### wsarena compare',
    '',
    `BASE: ${result.base.map((p) => `\`${p.replace(/`/g, "'")}\``).join(', ')}  `,
    `NEW: ${result.new.map((p) => `\`${p.replace(/`/g, "'")}\``).join(', ')}`,
    '',
    `| ${HEAD.join(' | ')} |`,
    `| ${HEAD.map((_, i) => (i === 2 || i === 6 ? '---:' : '---')).join(' | ')} |`,
    ...result.cells.map((c) => `| ${rowCells(c).map(escapeMarkdownCell).join(' | ')} |`),
    '',
    ...footer(result).map((l) => `- ${escapeMarkdownCell(l.trim())}`),
  ];
  return lines.join('\n');
}
