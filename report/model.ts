import { basename } from 'node:path';
import type { Interval } from '../bench/stats.js';
import { cpuListSize } from '../core/cpu-list.js';
import { errorOf, isFailureStatus, isMeasured } from '../results/cell-status.js';
import { headlineLatency } from '../results/headline.js';
import type { Cell, Environment, MeasuredCell, ResultFile } from '../results/schema.js';
import { SERVERS } from '../servers/registry.js';
import type { ServerModel } from '../servers/spec.js';
import { groupRepeats, summarizeFigure } from './repeats.js';

/**
 * The report's data model: every cell of every result file flattened into one row (RunRow), repeats
 * of the same cell aggregated (GroupRow), and each file's provenance (ResultSet). Views, findings and
 * compare all read this; none reads result files directly.
 */

/** How far a run's figure can be trusted as a server figure. Order = legend order. */
export const QUALITIES = ['server-bound', 'inconclusive', 'client-bound', 'no verdict', 'failed', 'skipped'] as const;
export type Quality = (typeof QUALITIES)[number];

/** Legend text per quality: a client-bound figure is only a lower bound on the server. */
export const QUALITY_LABELS: Record<Quality, string> = {
  'server-bound': 'server-bound',
  inconclusive: 'inconclusive (neither side saturated)',
  'client-bound': 'client-bound: lower bound only',
  'no verdict': 'no verdict',
  failed: 'failed',
  skipped: 'skipped',
};

/**
 * Connection workloads: they drive their own clients and report in a section of the cell (results/sections.ts:
 * idle, broadcast, storm, backpressure, and http-echo's autocannon figures), not as msgs/s of the echo
 * engine, so msgs/s, latency and CPU per message views and findings leave them out.
 */
export const CONNECTION_WORKLOADS: ReadonlySet<string> = new Set(['idle', 'broadcast', 'storm', 'backpressure', 'http-echo']);

/** Server architecture families for the threads-vs-async question, from the registry's ServerSpec.model. */
export type Family = 'async' | 'threaded' | 'other';

export interface ResultSet {
  index: number;
  /** File name as given (for people), e.g. 2026-11-24-run.json. */
  label: string;
  sourcePath: string;
  /** Relative link to the copy inside the site, e.g. results/00-2026-11-24-run.json. */
  href: string;
  kind: ResultFile['kind'];
  state: ResultFile['state'];
  createdAt: string;
  command: string[];
  tool: ResultFile['tool'];
  environment: Environment;
  /** Distinct pinning layouts of its cells, as text ("server 0 · client 1 · applied"). */
  pinnings: string[];
  cells: number;
}

/** One cell of one result file, flattened for charts, tables and filters. */
export interface RunRow {
  /** Unique in the report: `${set}:${cellIndex}`. */
  runId: string;
  set: number;
  setLabel: string;
  href: string;
  cellId: string;
  server: string;
  family: Family;
  model: string | null;
  workload: string;
  /** False for connection workloads (CONNECTION_WORKLOADS): no msgs/s, latency or CPU-per-message figure. */
  messages: boolean;
  connections: number;
  mode: 'closed' | 'open';
  depth: number;
  rateHz: number | null;
  payloadBytes: number;
  workIterations: number | null;
  heavyFraction: number | null;
  /** --threads of the server (null: its default). */
  serverThreads: number | null;
  /** The server's own flags (--server-arg) as "name=value,…", "" when none. */
  serverArgs: string;
  /** "closed · depth 8" or "open · 20000 msgs/s" (a filter dimension). */
  load: string;
  /** "64 B" (a filter dimension). */
  payload: string;
  /** taskset list of the server, or "unpinned" (a filter dimension). */
  serverCpus: string;
  serverCpuCount: number | null;
  repeat: number;
  status: Cell['status'];
  quality: Quality;
  qualityLabel: string;
  /** Verdict reasons joined with "; " (or the error of a failed cell). */
  why: string;
  error: string | null;
  msgsPerSec: number | null;
  latencyKind: 'corrected' | 'service' | null;
  p50Us: number | null;
  p99Us: number | null;
  p999Us: number | null;
  maxUs: number | null;
  cpuUsPerMessage: number | null;
  /** Server context switches (every task of the tree) per message in the window; null when not measured (older files). */
  contextSwitchesPerMessage: number | null;
  serverCpuCoreFraction: number | null;
  rssBytesMax: number | null;
  /** Idle ramp: kernel memory (KernelStack + SUnreclaim, machine-wide) per open connection, beside the section's bytesPerConnection. */
  kernelBytesPerConnection: number | null;
  /** Repeats of the same cell share it (set, server, every parameter, server CPUs). */
  groupKey: string;
  /** Same conditions except server and connections: servers are compared within a context. */
  contextKey: string;
  contextLabel: string;
  /** Who ran: the server name, plus the file when the same server appears in several files. */
  who: string;
  /** Chart series: `who` plus whatever else varies across the report (workload, load, CPUs …). */
  series: string;
  /** `series` without the server CPUs, for core-sweep lines that run across CPU layouts. */
  seriesNoCpus: string;
}

/** The repeats of one cell, summarised (95% CI of the mean, Student t). */
export interface GroupRow {
  groupKey: string;
  contextKey: string;
  contextLabel: string;
  series: string;
  seriesNoCpus: string;
  who: string;
  server: string;
  family: Family;
  set: number;
  setLabel: string;
  href: string;
  workload: string;
  messages: boolean;
  connections: number;
  load: string;
  payload: string;
  serverCpus: string;
  serverCpuCount: number | null;
  /** Runs in the group (any status) and runs with a load report. */
  nTotal: number;
  n: number;
  nFailed: number;
  /** Worst quality of its usable runs: one client-bound repeat makes the whole group a lower bound. */
  quality: Quality;
  qualityLabel: string;
  msgsPerSec: Interval | null;
  p99Us: Interval | null;
  cpuUsPerMessage: Interval | null;
}

export interface ReportModel {
  sets: ResultSet[];
  runs: RunRow[];
  groups: GroupRow[];
  /** The cell behind each run row (not sent to the browser; views decode histograms from it). */
  cells: Map<string, Cell>;
}

/** A loaded result file and where it came from. */
export interface LoadedResult {
  path: string;
  file: ResultFile;
}

export function buildModel(results: LoadedResult[]): ReportModel {
  const sets: ResultSet[] = [];
  const runs: RunRow[] = [];
  const cells = new Map<string, Cell>();
  results.forEach(({ path, file }, index) => {
    const href = `results/${String(index).padStart(2, '0')}-${safeFileName(basename(path))}`;
    const label = basename(path);
    sets.push({
      index,
      label,
      sourcePath: path,
      href,
      kind: file.kind,
      state: file.state,
      createdAt: file.createdAt,
      command: file.command,
      tool: file.tool,
      environment: file.environment,
      pinnings: [...new Set(file.cells.map(describePinning))],
      cells: file.cells.length,
    });
    file.cells.forEach((cell, cellIndex) => {
      const row = runRow(cell, index, label, href, cellIndex);
      runs.push(row);
      cells.set(row.runId, cell);
    });
  });
  labelSeries(runs);
  return { sets, runs, groups: groupRuns(runs), cells };
}

/** A run's cell when it started (ok, failed or interrupted); undefined when skipped, which has no figures to read. */
export function measuredCell(model: Pick<ReportModel, 'cells'>, runId: string): MeasuredCell | undefined {
  const cell = model.cells.get(runId);
  return cell !== undefined && isMeasured(cell) ? cell : undefined;
}

function runRow(cell: Cell, set: number, setLabel: string, href: string, cellIndex: number): RunRow {
  const p = cell.params;
  const lat = headlineLatency(cell);
  // The load report of an ok cell: the message figures stand only then.
  const usable = cell.status === 'ok' ? cell.load : null;
  // An interrupted cell's figures stand no more than a failed one's: the same quality (and colour), as in version 1 files.
  const quality: Quality = cell.status === 'ok' ? (cell.verdict?.verdict ?? 'no verdict') : cell.status === 'interrupted' ? 'failed' : cell.status;
  const m = isMeasured(cell) ? cell : null;
  const serverCpus = cell.pinning.serverCpus ?? 'unpinned';
  const load = p.mode === 'open' ? `open · ${p.rateHz ?? '?'} msgs/s` : `closed · depth ${p.depth}`;
  const payload = `${p.payloadBytes} B`;
  const context = [p.workload, p.mode, p.depth, p.rateHz, p.payloadBytes, serverCpus, p.workIterations, p.heavyFraction, p.serverThreads];
  const model = Object.hasOwn(SERVERS, cell.server) ? SERVERS[cell.server]!.model : null;
  return {
    runId: `${set}:${cellIndex}`,
    set,
    setLabel,
    href,
    cellId: cell.id,
    server: cell.server,
    family: familyOf(model),
    model,
    workload: p.workload,
    messages: !CONNECTION_WORKLOADS.has(p.workload),
    connections: p.connections,
    mode: p.mode,
    depth: p.depth,
    rateHz: p.rateHz,
    payloadBytes: p.payloadBytes,
    workIterations: p.workIterations,
    heavyFraction: p.heavyFraction,
    serverThreads: p.serverThreads,
    serverArgs: Object.entries(p.serverArgs ?? {})
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, v]) => `${k}=${v}`)
      .join(','),
    load,
    payload,
    serverCpus,
    serverCpuCount: cpuListSize(cell.pinning.serverCpus),
    repeat: cell.repeat,
    status: cell.status,
    quality,
    qualityLabel: QUALITY_LABELS[quality],
    why: cell.status === 'ok' ? (cell.verdict?.reasons.join('; ') ?? '') : cell.error,
    error: errorOf(cell),
    msgsPerSec: usable ? usable.achievedRateHz : null,
    latencyKind: !usable ? null : usable.corrected ? 'corrected' : 'service',
    p50Us: usable && lat ? lat.p50Us : null,
    p99Us: usable && lat ? lat.p99Us : null,
    p999Us: usable && lat ? lat.p999Us : null,
    maxUs: usable && lat ? lat.maxUs : null,
    cpuUsPerMessage: usable ? (m?.serverResources?.cpuUsPerMessage ?? null) : null,
    contextSwitchesPerMessage: usable ? (m?.serverResources?.contextSwitchesPerMessage ?? null) : null,
    serverCpuCoreFraction: usable ? (m?.serverResources?.cpuCoreFraction ?? null) : null,
    rssBytesMax: m?.serverResources?.rssBytesMax ?? null,
    kernelBytesPerConnection: m?.idle?.kernelBytesPerConnection ?? null,
    groupKey: JSON.stringify([set, cell.server, cell.target, p.connections, ...context, p.serverArgs ?? {}]),
    contextKey: JSON.stringify(context),
    contextLabel: describeContext(p.workload, load, payload, serverCpus, p.workIterations, p.heavyFraction, p.serverThreads),
    who: cell.server,
    series: cell.server,
    seriesNoCpus: cell.server,
  };
}

/** "echo, closed loop depth 8, 64 B payload, server on CPU 0". */
function describeContext(
  workload: string,
  load: string,
  payload: string,
  cpus: string,
  iterations: number | null,
  heavy: number | null,
  threads: number | null,
): string {
  let w = workload;
  if (workload === 'mixed' && heavy !== null) w = `mixed (${formatFraction(heavy)} heavy${iterations !== null ? ` × ${iterations} iterations` : ''})`;
  else if (workload === 'work' && iterations !== null) w = `work (${iterations} iterations)`;
  const loadText = load.replace('closed · ', 'closed loop ').replace('open · ', 'open loop at ');
  const cpuText = cpus === 'unpinned' ? 'server unpinned' : cpus.includes(',') || cpus.includes('-') ? `server on CPUs ${cpus}` : `server on CPU ${cpus}`;
  // Connection workloads ignore the echo engine's loop mode and payload.
  const engine = CONNECTION_WORKLOADS.has(workload) ? [] : [loadText, `${payload} payload`];
  return [w, ...engine, cpuText, ...(threads !== null ? [`${threads} server threads`] : [])].join(', ');
}

function formatFraction(f: number): string {
  return `${Number((f * 100).toFixed(2))}%`;
}

/**
 * Chart series names: the server, plus the file when one server appears in several files, plus each
 * condition that varies in this report (so two lines never share a name).
 */
function labelSeries(runs: RunRow[]): void {
  // The file is named only when it is what tells two series apart: the same server under the same
  // conditions in several files (e.g. a baseline and a new run), not one suite's files per workload.
  const sameConditions = (r: RunRow) => [r.server, r.workload, r.connections, r.load, r.payload, r.serverCpus].join('\u0000');
  const setsPerServer = new Map<string, Set<number>>();
  for (const r of runs) setsPerServer.set(sameConditions(r), (setsPerServer.get(sameConditions(r)) ?? new Set()).add(r.set));
  const varies = (f: (r: RunRow) => unknown) => new Set(runs.map((r) => String(f(r)))).size > 1;
  const parts: Array<(r: RunRow) => string> = [];
  const workloadVaries = varies((r) => r.workload);
  if (workloadVaries) parts.push((r) => r.workload);
  if (varies((r) => r.load)) parts.push((r) => r.load);
  if (varies((r) => r.payload)) parts.push((r) => r.payload);
  const cpusVary = varies((r) => r.serverCpus);
  const engineOnly = new Set(parts.slice(workloadVaries ? 1 : 0));
  for (const r of runs) {
    r.who = (setsPerServer.get(sameConditions(r))?.size ?? 1) > 1 ? `${r.server} [${r.setLabel}]` : r.server;
    // Loop mode and payload mean nothing to connection workloads (idle, broadcast, …).
    r.seriesNoCpus = [r.who, ...parts.filter((p) => r.messages || !engineOnly.has(p)).map((p) => p(r))].join(' · ');
    r.series = cpusVary ? `${r.seriesNoCpus} · cpus ${r.serverCpus}` : r.seriesNoCpus;
  }
}

const QUALITY_RANK: Record<Quality, number> = { 'server-bound': 0, inconclusive: 1, 'no verdict': 2, 'client-bound': 3, failed: 4, skipped: 5 };

/** The worse of two qualities (client-bound beats inconclusive beats server-bound). */
export function worseQuality(a: Quality, b: Quality): Quality {
  return QUALITY_RANK[a] >= QUALITY_RANK[b] ? a : b;
}

function groupRuns(runs: RunRow[]): GroupRow[] {
  const groups: GroupRow[] = [];
  for (const members of groupRepeats(runs, (r) => r.groupKey)) {
    const first = members[0]!;
    const usable = members.filter((r) => r.msgsPerSec !== null);
    const quality = usable.length > 0 ? usable.map((r) => r.quality).reduce(worseQuality) : members.map((r) => r.quality).reduce(worseQuality);
    const stat = (f: (r: RunRow) => number | null): Interval | null => summarizeFigure(usable, f);
    groups.push({
      groupKey: first.groupKey,
      contextKey: first.contextKey,
      contextLabel: first.contextLabel,
      series: first.series,
      seriesNoCpus: first.seriesNoCpus,
      who: first.who,
      server: first.server,
      family: first.family,
      set: first.set,
      setLabel: first.setLabel,
      href: first.href,
      workload: first.workload,
      messages: first.messages,
      connections: first.connections,
      load: first.load,
      payload: first.payload,
      serverCpus: first.serverCpus,
      serverCpuCount: first.serverCpuCount,
      nTotal: members.length,
      n: usable.length,
      nFailed: members.filter((r) => isFailureStatus(r.status)).length,
      quality,
      qualityLabel: QUALITY_LABELS[quality],
      msgsPerSec: stat((r) => r.msgsPerSec),
      p99Us: stat((r) => r.p99Us),
      cpuUsPerMessage: stat((r) => r.cpuUsPerMessage),
    });
  }
  return groups;
}

/**
 * Every model's family (a Record, so a new ServerModel cannot be left out). Threaded: OS threads run the
 * handlers, one per connection or a pool; a worker_thread per connection counts, being a V8 isolate on an
 * OS thread of its own. Goroutines and Java virtual threads are neither side of the question: blocking
 * code on user-mode threads that the runtime multiplexes over an event poller and a few OS threads.
 */
export const MODEL_FAMILIES: Readonly<Record<ServerModel, Family>> = {
  'event-loop': 'async',
  'thread-pool': 'threaded',
  threads: 'threaded',
  'thread-per-connection': 'threaded',
  'worker-per-connection': 'threaded',
  'virtual-threads': 'other',
  goroutines: 'other',
  processes: 'other',
  'long-poll': 'other',
};

function familyOf(model: string | null): Family {
  return model !== null && Object.hasOwn(MODEL_FAMILIES, model) ? MODEL_FAMILIES[model as ServerModel] : 'other';
}

function describePinning(cell: Cell): string {
  const p = cell.pinning;
  const parts = [
    `server ${p.serverCpus ?? 'unpinned'}`,
    `client ${p.clientCpus ?? 'unpinned'}`,
    p.applied ? 'taskset applied' : `not applied${p.reason ? ` (${p.reason})` : ''}`,
  ];
  if (p.sharedCores) parts.push('shared cores');
  return parts.join(' · ');
}

/** A file name safe in a relative URL and on any file system. */
export function safeFileName(name: string): string {
  const cleaned = name.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^\.+/, '_');
  return cleaned.endsWith('.json') ? cleaned : `${cleaned}.json`;
}
