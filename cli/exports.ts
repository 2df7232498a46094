import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Command } from 'commander';
import * as hdr from 'hdr-histogram-js';
import { UsageError } from '../core/errors.js';
import { serverLabel } from '../results/cell-label.js';
import { errorOf, isMeasured } from '../results/cell-status.js';
import { measuredCores } from '../results/cores.js';
import { headlineLatency } from '../results/headline.js';
import type { Cell, ResultFile } from '../results/schema.js';

/**
 * Exports other tools read, hyperfine-style: `--export-json FILE`, `--export-csv FILE`,
 * `--export-markdown FILE`, `--export-hgrm DIR`; `-` is stdout (not for --export-hgrm, a folder).
 * One row per cell (repeats are rows of their own: aggregate them in the tool that reads the CSV).
 */
export interface ExportFlags {
  exportJson?: string;
  exportCsv?: string;
  exportMarkdown?: string;
  exportHgrm?: string;
}

export function addExportOptions(cmd: Command): Command {
  return cmd
    .option('--export-json <file>', 'write the result JSON to file ("-": stdout)')
    .option('--export-csv <file>', 'write one CSV row per cell, units in the column names ("-": stdout)')
    .option('--export-markdown <file>', 'write a Markdown table, one row per cell ("-": stdout)')
    .option(
      '--export-hgrm <dir>',
      "write one HdrHistogram percentile distribution (.hgrm, values in ms) per cell and latency kind, for HdrHistogram's plotter",
    );
}

/** True when some export goes to stdout, so the caller prints no table there. */
export function exportsToStdout(flags: ExportFlags): boolean {
  return [flags.exportJson, flags.exportCsv, flags.exportMarkdown].filter((v) => v === '-').length > 0;
}

/** Refuses two exports to stdout (they would interleave) and `--export-hgrm -`. Call before running. */
export function checkExportFlags(flags: ExportFlags): void {
  const toStdout = (['exportJson', 'exportCsv', 'exportMarkdown'] as const).filter((k) => flags[k] === '-');
  if (toStdout.length > 1) {
    throw new UsageError('CONFLICTING_FLAGS', `${toStdout.map(flagName).join(' and ')} both write to stdout; give all but one a file`);
  }
  if (flags.exportHgrm === '-')
    throw new UsageError('BAD_EXPORT', '--export-hgrm: "-" is not a folder; it writes one file per cell and latency kind, give a folder');
}

function flagName(key: string): string {
  return `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/** Writes every requested export; `json` is what --export-json writes (a result file, or several). */
export function writeExports(flags: ExportFlags, files: readonly ResultFile[], json: unknown): void {
  if (flags.exportJson !== undefined) emit(flags.exportJson, `${JSON.stringify(json, null, 2)}\n`);
  if (flags.exportCsv !== undefined) emit(flags.exportCsv, toCsv(exportRows(files)));
  if (flags.exportMarkdown !== undefined) emit(flags.exportMarkdown, toMarkdown(exportRows(files)));
  if (flags.exportHgrm !== undefined) {
    const written = writeHgrmFiles(flags.exportHgrm, files);
    process.stderr.write(`hgrm: ${written.length} file(s) in ${flags.exportHgrm}\n`);
  }
}

function emit(target: string, text: string): void {
  if (target === '-') {
    process.stdout.write(text);
    return;
  }
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, text);
}

/** The CSV/Markdown columns, in order; a unit suffix on every figure. */
export const EXPORT_COLUMNS = [
  'id',
  'server',
  'workload',
  'connections',
  'mode',
  'depth',
  'rate_hz',
  'payload_bytes',
  'server_cpus',
  'repeat',
  'status',
  'verdict',
  'msgs_per_sec',
  'latency_kind',
  'p50_us',
  'p90_us',
  'p99_us',
  'p999_us',
  'max_us',
  'mean_us',
  'latency_count',
  'sent',
  'received',
  'lost',
  'cpu_us_per_msg',
  'cs_per_msg',
  'server_cpu_cores',
  'server_rss_max_bytes',
  'server_threads_max',
  'server_fds_max',
  'server_core_busy_fraction',
  'server_core_softirq_fraction',
  'client_core_busy_max_fraction',
  'client_core_softirq_fraction',
  'error',
] as const;
export type ExportColumn = (typeof EXPORT_COLUMNS)[number];
export type ExportRow = Record<ExportColumn, string | number | null>;

/** One row per cell of every file, in file order. Empty (null) where a figure does not exist. */
export function exportRows(files: readonly ResultFile[]): ExportRow[] {
  return files.flatMap((f) => f.cells.map(exportRow));
}

export function exportRow(c: Cell): ExportRow {
  const lat = headlineLatency(c);
  // A skipped cell measured nothing: every figure column stays empty.
  const m = isMeasured(c) ? c : null;
  const load = m?.load ?? null;
  const r = m?.serverResources ?? null;
  const cores = measuredCores(m?.cores);
  return {
    id: c.id,
    server: serverLabel(c),
    workload: c.params.workload,
    connections: c.params.connections,
    mode: c.params.mode,
    depth: c.params.mode === 'closed' ? c.params.depth : null,
    rate_hz: c.params.rateHz,
    payload_bytes: c.params.payloadBytes,
    server_cpus: c.pinning.serverCpus,
    repeat: c.repeat,
    status: c.status,
    verdict: m?.verdict?.verdict ?? null,
    msgs_per_sec: load?.achievedRateHz ?? null,
    latency_kind: lat === null ? null : load?.corrected ? 'corrected' : 'service',
    p50_us: lat?.p50Us ?? null,
    p90_us: lat?.p90Us ?? null,
    p99_us: lat?.p99Us ?? null,
    p999_us: lat?.p999Us ?? null,
    max_us: lat?.maxUs ?? null,
    mean_us: lat?.meanUs ?? null,
    latency_count: lat?.count ?? null,
    sent: load?.counts.sent ?? null,
    received: load?.counts.received ?? null,
    lost: load?.counts.lost ?? null,
    cpu_us_per_msg: r?.cpuUsPerMessage ?? null,
    cs_per_msg: r?.contextSwitchesPerMessage ?? null,
    server_cpu_cores: r?.cpuCoreFraction ?? null,
    server_rss_max_bytes: r?.rssBytesMax ?? null,
    server_threads_max: r?.threadsMax ?? null,
    server_fds_max: r?.fdsMax ?? null,
    // Whole cores from /proc/stat (results/cores.ts); empty when unpinned or shared (the JSON says why).
    server_core_busy_fraction: cores?.server.busyFraction ?? null,
    server_core_softirq_fraction: cores?.server.softirq ?? null,
    client_core_busy_max_fraction: cores?.client.busyFractionMax ?? null,
    client_core_softirq_fraction: cores?.client.softirq ?? null,
    error: errorOf(c),
  };
}

/** RFC 4180: comma-separated, CRLF-free (\n), fields with a comma, quote or newline quoted; null is empty. */
export function toCsv(rows: readonly ExportRow[]): string {
  const field = (v: string | number | null) => {
    if (v === null) return '';
    const s = String(v);
    return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return `${[EXPORT_COLUMNS.join(','), ...rows.map((r) => EXPORT_COLUMNS.map((k) => field(r[k])).join(','))].join('\n')}\n`;
}

/** A GitHub-flavoured Markdown table, numbers as recorded (µs, msgs/s), `|` escaped. */
export function toMarkdown(rows: readonly ExportRow[]): string {
  const cols: ExportColumn[] = [
    'server',
    'workload',
    'connections',
    'mode',
    'depth',
    'rate_hz',
    'repeat',
    'status',
    'verdict',
    'msgs_per_sec',
    'latency_kind',
    'p50_us',
    'p99_us',
    'max_us',
    'cpu_us_per_msg',
    'cs_per_msg',
    'server_rss_max_bytes',
  ];
  const cell = (v: string | number | null) => (v === null ? '' : typeof v === 'number' ? formatNumber(v) : v.replace(/\|/g, '\\|').replace(/\n/g, ' '));
  const numeric = (k: ExportColumn) => rows.some((r) => typeof r[k] === 'number') && k !== 'repeat';
  return `${[
    `| ${cols.join(' | ')} |`,
    `| ${cols.map((k) => (numeric(k) ? '---:' : '---')).join(' | ')} |`,
    ...rows.map((r) => `| ${cols.map((k) => cell(r[k])).join(' | ')} |`),
  ].join('\n')}\n`;
}

function formatNumber(v: number): string {
  return Number.isInteger(v) ? String(v) : Math.abs(v) >= 100 ? v.toFixed(1) : v.toPrecision(3);
}

/** A latency histogram of a cell, by kind: service, corrected, handshake, class-<name> (mixed workload). */
export function cellHistograms(c: Cell): Array<{ kind: string; encoded: string }> {
  const out: Array<{ kind: string; encoded: string }> = [];
  if (!isMeasured(c) || !c.load) return out;
  out.push({ kind: 'service', encoded: c.load.service.encoded });
  if (c.load.corrected) out.push({ kind: 'corrected', encoded: c.load.corrected.encoded });
  for (const [cls, s] of Object.entries(c.load.byClass ?? {})) out.push({ kind: `class-${cls}`, encoded: s.encoded });
  out.push({ kind: 'handshake', encoded: c.load.connections.handshake.encoded });
  return out.filter((h) => h.encoded !== '');
}

/**
 * HdrHistogram's percentile distribution (the text `outputPercentileDistribution` prints, 5 ticks per
 * half distance) of a stored histogram, in milliseconds: the stored values are µs, scaled by 1000,
 * the unit HdrHistogram's plotter labels its axis with.
 */
export function hgrmText(encoded: string): string {
  const h = hdr.decodeFromCompressedBase64(encoded);
  try {
    return h.outputPercentileDistribution(5, 1000);
  } finally {
    h.destroy();
  }
}

/** `<dir>/<cell id with / as _>.<kind>.hgrm` for every cell with a load report; returns the paths. */
export function writeHgrmFiles(dir: string, files: readonly ResultFile[]): string[] {
  mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  const used = new Set<string>();
  files.forEach((f, fileIndex) => {
    for (const c of f.cells) {
      for (const { kind, encoded } of cellHistograms(c)) {
        let base = `${c.id.replace(/[^A-Za-z0-9._=-]+/g, '_')}.${kind}`;
        if (used.has(base)) base = `${fileIndex}-${base}`;
        used.add(base);
        const path = join(dir, `${base}.hgrm`);
        writeFileSync(path, hgrmText(encoded));
        written.push(path);
      }
    }
  });
  return written;
}
