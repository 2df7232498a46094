import { relative } from 'node:path';
import { formatBytes, formatRate } from '../core/format.js';
import type { ProfileManifest } from './manifest.js';
import type { FunctionCost, ProfileSummary } from './summary.js';

/** The terminal report of a profile run: overhead, top functions, artifacts. Returns text; prints nothing. */
export function renderProfileReport(manifest: ProfileManifest, dir: string, options: { top?: number; cwd?: string } = {}): string {
  const shownDir = relative(options.cwd ?? process.cwd(), dir) || '.';
  const out: string[] = [];
  out.push(`profile ${manifest.id}: ${manifest.server} under ${toolLabel(manifest)}`);
  if (manifest.status !== 'ok') out.push(`status: ${manifest.status}${manifest.error ? ` (${manifest.error})` : ''}; what was kept is listed below`);
  out.push(renderOverhead(manifest));
  if (manifest.summary !== null) out.push('', renderSummary(manifest.summary, options.top));
  if (manifest.warnings.length > 0) out.push('', ...manifest.warnings.map((w) => `warning: ${w}`));
  out.push('', `artifacts in ${shownDir}/`);
  const width = Math.max(...manifest.artifacts.map((a) => a.path.length), 4);
  for (const a of manifest.artifacts) out.push(`  ${a.path.padEnd(width)}  ${formatBytes(a.bytes).padStart(9)}  ${a.description}`);
  out.push(`manifest: ${shownDir}/profile.json`);
  return out.join('\n');
}

function toolLabel(manifest: ProfileManifest): string {
  if (manifest.tool !== 'cpuprof') return `clinic ${manifest.tool}`;
  return manifest.language === 'go' ? 'cpuprof (Go net/http/pprof)' : 'cpuprof (node --cpu-prof)';
}

/** "throughput: unprofiled 85.2k msgs/s, profiled 61.0k msgs/s: 0.72× (the profiler cost 28%)". */
export function renderOverhead(manifest: ProfileManifest): string {
  const o = manifest.overhead;
  if (o === null) return 'throughput: no unprofiled run to compare with (--no-baseline); the profiled numbers are not benchmark numbers';
  const ratio =
    o.ratio === null
      ? ''
      : o.ratio >= 1
        ? `: ${o.ratio.toFixed(2)}× (no measurable cost: run-to-run noise is larger than the profiler's overhead here)`
        : `: ${o.ratio.toFixed(2)}× (the profiler cost ${Math.round((1 - o.ratio) * 100)}% of the throughput)`;
  return [
    `throughput: unprofiled ${formatRate(o.baselineMsgsPerSec)} msgs/s, profiled ${formatRate(o.profiledMsgsPerSec)} msgs/s${ratio}`,
    `            quote ${manifest.resultFile ?? 'the unprofiled run'}; ${manifest.profiledResultFile ?? 'the profiled run'} ran under the profiler`,
  ].join('\n');
}

/** Two tables: top functions by self time and by total time. */
export function renderSummary(summary: ProfileSummary, top?: number): string {
  const n = top ?? Math.max(summary.bySelf.length, summary.byTotal.length);
  const where = summary.window === 'measured' ? 'in the measured window' : 'over the whole run';
  const idle = summary.idleMs !== null && summary.sampledMs > 0 ? `, ${pct(summary.idleMs / summary.sampledMs)} idle` : '';
  const over = summary.profiles > 1 ? ` over ${summary.profiles} profiles (threads and processes merged)` : '';
  return [
    `${summary.source === 'pprof' ? 'CPU' : 'time'} sampled ${where}: ${(summary.sampledMs / 1000).toFixed(2)} s${over}${idle}`,
    '',
    `top ${Math.min(n, summary.bySelf.length)} by self time`,
    table(summary.bySelf.slice(0, n), 'self'),
    '',
    `top ${Math.min(n, summary.byTotal.length)} by total time`,
    table(summary.byTotal.slice(0, n), 'total'),
  ].join('\n');
}

function table(rows: FunctionCost[], by: 'self' | 'total'): string {
  const head = by === 'self' ? ['self', 'self%', 'total%', 'function', 'origin', 'where'] : ['total', 'total%', 'self%', 'function', 'origin', 'where'];
  const cells = rows.map((r) => [
    `${formatMs(by === 'self' ? r.selfMs : r.totalMs)}`,
    pct(by === 'self' ? r.selfFraction : r.totalFraction),
    pct(by === 'self' ? r.totalFraction : r.selfFraction),
    r.name,
    r.package ?? r.origin,
    r.location ?? '',
  ]);
  const widths = head.map((h, i) => Math.min(i === 3 ? 48 : 80, Math.max(h.length, ...cells.map((c) => c[i]!.length))));
  const line = (c: string[]) =>
    c
      .map((v, i) => {
        const w = widths[i]!;
        const text = v.length > w ? `${v.slice(0, w - 1)}…` : v;
        return i < 3 ? text.padStart(w) : text.padEnd(w);
      })
      .join('  ')
      .trimEnd();
  return [`  ${line(head)}`, ...cells.map((c) => `  ${line(c)}`)].join('\n');
}

function formatMs(ms: number): string {
  if (ms >= 10_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms >= 100) return `${Math.round(ms)} ms`;
  return `${ms.toFixed(1)} ms`;
}

function pct(fraction: number): string {
  return `${(fraction * 100).toFixed(1)}%`;
}
