import { runLoad } from '../clients/engine.js';
import { runLongPollLoad } from '../clients/long-poll/engine.js';
import type { LoadEvent, LoadPlan, LoadReport } from '../clients/types.js';
import { fetchStats, startServer, type LaunchOptions, type RunningServer } from '../servers/launch.js';
import { getServer } from '../servers/registry.js';
import { ServerLaunchError } from '../servers/errors.js';
import { UsageError } from '../core/errors.js';
import type { ServerOptions, ServerSpec } from '../servers/spec.js';
import { DEFAULT_SERVER_OPTIONS, formatServerArgs, transportOf } from '../servers/spec.js';
import type { StatsSnapshot } from '../protocol/wire.js';
import { collectEnvironment, toolInfo } from '../results/environment.js';
import type { Cell, CellParams, Environment, ResultFile } from '../results/schema.js';
import { SCHEMA_VERSION } from '../results/schema.js';
import { writeResultFile } from '../results/writer.js';
import { preflight } from './preflight.js';
import { TreeSampler } from './sampler.js';
import { serverMessageCount } from './server-count.js';
import { computeVerdict } from './verdict.js';
import { getWorkload, transportSkipReason } from './workloads.js';
import { resolveWorkloadParams, type WorkloadParams } from './workloads/params.js';
import { sizesSection } from './workloads/sizes.js';

/** Everything `wsarena run` (and the suites) ask the runner for. Validated by the CLI before it gets here. */
export interface RunRequest {
  kind: ResultFile['kind'];
  /** Server names from the registry; ignored when target is set. */
  servers: string[];
  /** Drive an already-running server instead of starting one. */
  target: { url: string; pid: number | null; contract: boolean } | null;
  workload: string;
  connections: number[];
  mode: 'closed' | 'open';
  depth: number;
  rateHz: number | null;
  payloadBytes: number;
  durationMs: number;
  warmupMs: number;
  drainMs: number;
  repeat: number;
  clientWorkers: number;
  /** Server CPU lists to sweep (taskset syntax); [null] = unpinned. */
  serverCpus: Array<string | null>;
  clientCpus: string | null;
  serverThreads: number | null;
  /** The servers' own flags (--server-arg), validated against their specs; {} = none. */
  serverArgs?: Record<string, number>;
  workIterations: number;
  heavyFraction: number;
  rampPerSec: number | null;
  sourceAddresses: string[];
  /** Fixed server port; 0 = any free port. */
  port: number;
  /** Test mode: make the server stall on purpose (see ServerOptions.stall). */
  stall: ServerOptions['stall'];
  /** Parameters of the idle / broadcast / storm / backpressure / sizes workloads; unset ones take bench/workloads/params.ts defaults. */
  workloadParams?: Partial<WorkloadParams>;
  outPath: string;
  command: string[];
  /** How servers are launched (e.g. under a profiler: wrap, stopSignal, stopGraceMs); default: as is. */
  serverLaunch?: Partial<Omit<LaunchOptions, 'cpus'>>;
}

export interface RunnerEvents {
  cellStart?(info: { index: number; total: number; label: string }): void;
  cellEnd?(cell: Cell, index: number, total: number): void;
  /** A cell's server printed its ready line; the load starts next. */
  serverStarted?(server: RunningServer): void;
  load?(event: LoadEvent): void;
  warn?(message: string): void;
}

const PORT_IN_USE_PREFIX = 'port in use: ';

interface PlannedCell {
  server: string;
  connections: number;
  serverCpus: string | null;
  repeat: number;
  /** ECHO payload of this cell (the sizes workload sweeps it; else the request's). */
  payloadBytes: number;
}

/**
 * Walks the matrix repeat × connections × serverCpus × server, interleaving servers inside each repeat
 * (A B C A B C …, docs/METHOD.md §5) so drift hits them alike. Writes the result file after every cell.
 */
export async function runMatrix(req: RunRequest, events: RunnerEvents = {}, signal?: AbortSignal): Promise<ResultFile> {
  const workload = getWorkload(req.workload);
  const environment = collectEnvironment();
  const serverNames = req.target ? ['target'] : req.servers;
  const specs = new Map<string, ServerSpec>();
  if (!req.target) for (const name of serverNames) specs.set(name, getServer(name));

  // Refuse impossible runs before anything starts.
  for (const connections of req.connections) {
    for (const spec of specs.size > 0 ? specs.values() : [null]) {
      preflight({
        connections,
        clientWorkers: req.clientWorkers,
        serverProcesses: spec?.model === 'processes' ? (req.serverThreads ?? 1) : 1,
        startsServer: spec !== null,
        nofileSoftLimit: environment.ulimitNofile.soft,
        ephemeralPortRange: environment.ephemeralPortRange,
        localAddressCount: req.sourceAddresses.length,
        socketsPerConnection: spec !== null && transportOf(spec) === 'http-long-poll' ? 2 : 1,
      });
    }
  }

  const planned: PlannedCell[] = [];
  const payloads = workload.sweepsPayload ? resolveWorkloadParams(req.workloadParams).sizes : [req.payloadBytes];
  for (let repeat = 0; repeat < req.repeat; repeat++) {
    for (const connections of req.connections) {
      for (const payloadBytes of payloads) {
        for (const serverCpus of req.serverCpus) {
          for (const server of serverNames) planned.push({ server, connections, serverCpus, repeat, payloadBytes });
        }
      }
    }
  }

  const now = new Date().toISOString();
  const file: ResultFile = {
    schemaVersion: SCHEMA_VERSION,
    kind: req.kind,
    tool: toolInfo(),
    command: req.command,
    createdAt: now,
    updatedAt: now,
    state: 'running',
    environment,
    cells: [],
    extra: null,
  };
  writeResultFile(req.outPath, file);

  for (const [index, pc] of planned.entries()) {
    if (signal?.aborted) break;
    const label = `${pc.server} ${req.workload} c=${pc.connections}${workload.sweepsPayload ? ` payload=${pc.payloadBytes}` : ''}${pc.serverCpus ? ` cpus=${pc.serverCpus}` : ''} #${pc.repeat + 1}`;
    events.cellStart?.({ index, total: planned.length, label });
    const cell = await runCell(req, pc, specs.get(pc.server) ?? null, environment, workload.ops, workload.plainEcho, events, signal);
    file.cells.push(cell);
    file.updatedAt = new Date().toISOString();
    writeResultFile(req.outPath, file);
    events.cellEnd?.(cell, index, planned.length);
    // A taken --port fails every later cell the same way: stop and report it as bad input.
    if (cell.error?.startsWith(PORT_IN_USE_PREFIX)) {
      file.state = 'failed';
      writeResultFile(req.outPath, file);
      throw new UsageError('PORT_IN_USE', `--port: ${cell.error.slice(PORT_IN_USE_PREFIX.length)}`);
    }
  }
  file.state = signal?.aborted ? 'interrupted' : file.cells.every((c) => c.status === 'failed') ? 'failed' : 'complete';
  file.updatedAt = new Date().toISOString();
  writeResultFile(req.outPath, file);
  return file;
}

async function runCell(
  req: RunRequest,
  pc: PlannedCell,
  spec: ServerSpec | null,
  env: Environment,
  ops: number[],
  plainEcho: boolean,
  events: RunnerEvents,
  signal: AbortSignal | undefined,
): Promise<Cell> {
  const startedAt = new Date().toISOString();
  const serverArgs = formatServerArgs(req.serverArgs ?? {});
  const params: CellParams = {
    workload: req.workload,
    connections: pc.connections,
    mode: req.mode,
    depth: req.depth,
    rateHz: req.rateHz,
    payloadBytes: pc.payloadBytes,
    durationMs: req.durationMs,
    warmupMs: req.warmupMs,
    clientWorkers: req.clientWorkers,
    serverThreads: req.serverThreads,
    ...(serverArgs === '' ? {} : { serverArgs: req.serverArgs }),
    workIterations: req.workload === 'echo' ? null : req.workIterations,
    heavyFraction: req.workload === 'mixed' ? req.heavyFraction : null,
  };
  const sharedCores = coresOverlap(pc.serverCpus, req.clientCpus);
  const cell: Cell = {
    id: `${pc.server}/${req.workload}/c${pc.connections}${getWorkload(req.workload).sweepsPayload ? `/p${pc.payloadBytes}` : ''}${pc.serverCpus ? `/cpus${pc.serverCpus}` : ''}${serverArgs ? `/${serverArgs}` : ''}/r${pc.repeat}`,
    server: pc.server,
    target: req.target?.url ?? null,
    params,
    repeat: pc.repeat,
    status: 'ok',
    error: null,
    startedAt,
    finishedAt: startedAt,
    pinning: { serverCpus: pc.serverCpus, clientCpus: req.clientCpus, applied: false, reason: null, sharedCores },
    serverInfo: null,
    load: null,
    serverResources: null,
    serverStats: null,
    serverMessagesHandled: null,
    verdict: null,
  };
  const finish = (status: Cell['status'], error: string | null): Cell => {
    cell.status = status;
    cell.error = error;
    cell.finishedAt = new Date().toISOString();
    return cell;
  };

  // Skips are results too: they say why a server has no figure.
  if (spec) {
    const availability = spec.availability();
    if (!availability.available) {
      events.warn?.(`${spec.name}: skipped, ${availability.reason}${availability.fix ? ` (fix: ${availability.fix})` : ''}`);
      return finish('skipped', `unavailable: ${availability.reason}${availability.fix ? ` (fix: ${availability.fix})` : ''}`);
    }
    const missing = ops.filter((op) => !spec.ops.includes(op));
    if (missing.length > 0) return finish('skipped', `${spec.name} does not implement op(s) ${missing.join(', ')} needed by workload ${req.workload}`);
    const wrongTransport = transportSkipReason(getWorkload(req.workload), spec.name, transportOf(spec));
    if (wrongTransport !== null) return finish('skipped', wrongTransport);
  } else if (req.target && !req.target.contract && !plainEcho) {
    return finish('skipped', `workload ${req.workload} needs the wsarena contract; --target without --contract only supports echo`);
  }

  let server: RunningServer | null = null;
  let sampler: TreeSampler | null = null;
  const abort = new AbortController();
  const onOuterAbort = () => abort.abort(new Error('interrupted'));
  signal?.addEventListener('abort', onOuterAbort, { once: true });
  let serverDied: string | null = null;
  try {
    let url: string;
    let pid: number | null;
    if (spec) {
      server = await startServer(
        spec,
        {
          ...DEFAULT_SERVER_OPTIONS,
          port: req.port,
          threads: req.serverThreads,
          serverArgs: req.serverArgs ?? {},
          stall: req.stall,
          cpuCount: pc.serverCpus ? expandCpus(pc.serverCpus).length : null,
        },
        { readyTimeoutMs: 15_000, ...req.serverLaunch, cpus: pc.serverCpus },
      );
      events.serverStarted?.(server);
      cell.pinning.applied = server.pinning.applied;
      cell.pinning.reason = server.pinning.reason ?? null;
      url = server.url;
      pid = server.pid;
      cell.serverInfo = { pid, url, knobs: server.knobs };
      const running = server;
      void running.exited.then(({ code, signal: sig }) => {
        if (abort.signal.aborted) return;
        serverDied = `server ${spec.name} exited during the run (code ${code ?? 'none'}, signal ${sig ?? 'none'})${tail(running.stderrTail())}`;
        abort.abort(new Error(serverDied));
      });
    } else {
      url = req.target!.url;
      pid = req.target!.pid;
      cell.serverInfo = { pid, url, knobs: {} };
    }
    if (pid !== null) {
      sampler = new TreeSampler(pid, env.clockTicksPerSecond);
      sampler.start();
    }
    const contract = spec !== null || req.target!.contract;
    let statsAtStart: Promise<StatsSnapshot | null> = Promise.resolve(null);
    let statsAtEnd: Promise<StatsSnapshot | null> = Promise.resolve(null);

    // Connection workloads (idle, broadcast, storm, backpressure) and http-echo drive their own clients: bench/workloads/.
    const special = getWorkload(req.workload).run;
    if (special) {
      // The window spans the whole workload unless the workload marks its own (http-echo: the measured run after its warmup).
      let windowEndMarked = false;
      sampler?.markWindowStart();
      const outcome = await special({
        req,
        params: resolveWorkloadParams(req.workloadParams),
        connections: pc.connections,
        url,
        pid,
        contract,
        knobs: cell.serverInfo.knobs,
        clockTicksPerSecond: env.clockTicksPerSecond,
        signal: abort.signal,
        onLoadEvent: (e) => events.load?.(e),
        markWindow: (edge) => {
          if (edge === 'start') {
            sampler?.markWindowStart();
            windowEndMarked = false;
          } else {
            sampler?.markWindowEnd();
            windowEndMarked = true;
          }
        },
      });
      if (!windowEndMarked) sampler?.markWindowEnd();
      sampler?.stop();
      Object.assign(cell, outcome.sections);
      cell.serverMessagesHandled = outcome.serverMessagesHandled;
      // Idle's points are tree snapshots at the end of each hold: threadsMax (etc.) counts them too.
      cell.serverResources = sampler?.result(outcome.serverMessagesHandled, outcome.sections.idle?.points ?? []) ?? null;
      if (outcome.error !== null) return finish('failed', serverDied ?? outcome.error);
      return finish('ok', null);
    }

    const plan: LoadPlan = {
      url,
      connections: pc.connections,
      workers: req.clientWorkers,
      clientCpus: req.clientCpus,
      mode: req.mode,
      depth: req.depth,
      rateHz: req.rateHz,
      payloadBytes: pc.payloadBytes,
      mix: getWorkload(req.workload).mix({ workIterations: req.workIterations, heavyFraction: req.heavyFraction }),
      rampPerSec: req.rampPerSec,
      warmupMs: req.warmupMs,
      durationMs: req.durationMs,
      drainMs: req.drainMs,
      handshakeTimeoutMs: req.workloadParams?.handshakeTimeoutMs ?? 10_000,
      localAddresses: req.sourceAddresses,
    };
    // HTTP long-polling servers get their own driver; it returns the same LoadReport.
    const drive = spec !== null && transportOf(spec) === 'http-long-poll' ? runLongPollLoad : runLoad;
    let windowStartMs = 0;
    let windowEndMs = 0;
    const load: LoadReport = await drive(
      plan,
      (event) => {
        if (event.type === 'phase' && event.phase === 'measuring') {
          windowStartMs = performance.now();
          sampler?.markWindowStart();
          if (contract) statsAtStart = fetchStats(url).catch(() => null);
        } else if (event.type === 'phase' && event.phase === 'draining') {
          windowEndMs = performance.now();
          sampler?.markWindowEnd();
          if (contract) statsAtEnd = fetchStats(url).catch(() => null);
        }
        events.load?.(event);
      },
      abort.signal,
    );
    const [s0, s1] = await Promise.all([statsAtStart, statsAtEnd]);
    cell.load = load;
    if (getWorkload(req.workload).sweepsPayload) cell.sizes = sizesSection(pc.payloadBytes, load);
    cell.serverStats = s1 ? (s1 as unknown as Record<string, unknown>) : null;
    const counted = serverMessageCount(s0, s1, windowEndMs - windowStartMs);
    cell.serverMessagesHandled = counted.serverMessagesHandled;
    sampler?.stop();
    cell.serverResources = sampler?.result(cell.serverMessagesHandled ?? load.counts.received) ?? null;
    const serverCpuCount = pc.serverCpus ? expandCpus(pc.serverCpus).length : pid !== null ? env.cpuCount : null;
    cell.verdict = computeVerdict({
      load,
      serverCpuCoreFraction: cell.serverResources?.cpuCoreFraction ?? null,
      serverCpuCount,
      sharedCores,
    });
    if (!pc.serverCpus && spec) cell.verdict.reasons.push('server not pinned: its CPU share is out of 2 cores shared with the client');
    if (counted.distrust !== null) cell.verdict.reasons.push(counted.distrust);
    if (load.counts.corrupted > 0) return finish('failed', `${load.counts.corrupted} corrupted replies: the server broke the contract`);
    if (load.connections.established === 0) return finish('failed', `no connection could be established: ${JSON.stringify(load.connections.errors)}`);
    return finish('ok', null);
  } catch (err) {
    if (signal?.aborted) return finish('failed', 'interrupted');
    if (err instanceof ServerLaunchError && err.code === 'PORT_IN_USE') return finish('failed', PORT_IN_USE_PREFIX + err.message);
    return finish('failed', serverDied ?? (err as Error).message);
  } finally {
    signal?.removeEventListener('abort', onOuterAbort);
    sampler?.stop();
    if (!abort.signal.aborted) abort.abort(new Error('cell finished'));
    await server?.stop();
  }
}

function tail(text: string): string {
  const t = text.trim();
  return t ? `; last output: ${t.slice(-500)}` : '';
}

/** True when the two CPU lists overlap, or when either side is unpinned (then they may share any core). */
export function coresOverlap(a: string | null, b: string | null): boolean {
  if (a === null || b === null) return true;
  const set = new Set(expandCpus(a));
  return expandCpus(b).some((c) => set.has(c));
}

export function expandCpus(list: string): number[] {
  const out: number[] = [];
  for (const part of list.split(',')) {
    const [lo, hi] = part.split('-').map(Number);
    if (lo === undefined || Number.isNaN(lo)) continue;
    for (let c = lo; c <= (hi ?? lo); c++) out.push(c);
  }
  return out;
}
