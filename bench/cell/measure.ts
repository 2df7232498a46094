import { monoUs } from '../../clients/clock.js';
import { runLoad } from '../../clients/engine/engine.js';
import { runLongPollLoad } from '../../clients/long-poll/engine.js';
import type { LoadPlan, LoadReport } from '../../clients/types.js';
import type { StatsSnapshot } from '../../protocol/wire.js';
import { fetchStats } from '../../servers/launch.js';
import { transportOf } from '../../servers/spec.js';
import type { MarkLag } from '../mark-lag.js';
import type { TreeSampler } from '../sampler.js';
import { SegmentRun, segmentPlan } from '../segment-run.js';
import type { WorkloadOutcome, WorkloadRunner } from '../workloads/context.js';
import { resolveWorkloadParams } from '../workloads/params.js';
import type { CellRun, Endpoint } from './cell-run.js';

/** The engine's report and the server's own /stats at the measured window's two edges (null when it has none). */
export interface LoadMeasurement {
  load: LoadReport;
  statsAtStart: StatsSnapshot | null;
  statsAtEnd: StatsSnapshot | null;
  /** Client-side length of the measured window, from the 'measuring' to the 'draining' phase. */
  windowMs: number;
  /** How late the runner took its server-side readings at the window's edges (null when an edge never came). */
  markLag: MarkLag | null;
}

/**
 * A connection workload (idle, broadcast, storm, backpressure) or http-echo, which drives its own clients
 * (bench/workloads/). The server CPU window spans the whole workload unless the workload marks its own
 * (http-echo: the measured run after its warmup). Stops the sampler.
 */
export async function measureWorkload(run: CellRun, workload: WorkloadRunner, endpoint: Endpoint, sampler: TreeSampler | null): Promise<WorkloadOutcome> {
  let windowEndMarked = false;
  sampler?.markWindowStart();
  const outcome = await workload({
    req: run.req,
    params: resolveWorkloadParams(run.req.workloadParams),
    connections: run.planned.connections,
    url: endpoint.url,
    pid: endpoint.pid,
    contract: endpoint.contract,
    knobs: endpoint.knobs,
    clockTicksPerSecond: run.env.clockTicksPerSecond,
    signal: run.abort.signal,
    onLoadEvent: (e) => run.events.load?.(e),
    markWindow: (edge) => {
      if (edge === 'start') sampler?.markWindowStart();
      else sampler?.markWindowEnd();
      windowEndMarked = edge === 'end';
    },
  });
  if (!windowEndMarked) sampler?.markWindowEnd();
  sampler?.stop();
  return outcome;
}

/**
 * An engine workload (echo, work, mixed, sizes): the load generator's fixed phases. The server CPU window
 * and the /stats snapshots follow the engine's measuring and draining phases. The sampler keeps running.
 */
export async function measureLoad(run: CellRun, endpoint: Endpoint, sampler: TreeSampler | null): Promise<LoadMeasurement> {
  const { url, contract } = endpoint;
  // HTTP long-polling servers get their own driver; it returns the same LoadReport.
  const drive = run.spec !== null && transportOf(run.spec) === 'http-long-poll' ? runLongPollLoad : runLoad;
  let statsAtStart: Promise<StatsSnapshot | null> = Promise.resolve(null);
  let statsAtEnd: Promise<StatsSnapshot | null> = Promise.resolve(null);
  let windowStartMs = 0;
  let windowEndMs = 0;
  // The edges as scheduled (the engine's monotonic µs) and how late the runner got to each.
  let edgeStart: { atUs: number; lagMs: number } | null = null;
  let edgeEnd: { atUs: number; lagMs: number } | null = null;
  const whole = loadPlan(run, url);
  // --segment: this agent runs its share, from the agreed start; the cell records which share and when.
  const segment = run.req.segment ? new SegmentRun(run.req.segment, whole, segmentPlan(whole, run.req.segment)) : null;
  await segment?.prepare(contract, run.abort.signal);
  // Recorded before the load too, so a cell that fails mid-run still says which segment it was.
  if (segment) run.cell.segment = segment.record();
  const load = await drive(
    segment?.share ?? whole,
    (event) => {
      if (event.type === 'phase' && event.phase === 'measuring') {
        const nowUs = monoUs();
        edgeStart = { atUs: event.atUs, lagMs: (nowUs - event.atUs) / 1000 };
        segment?.markWindowStart(event.atUs, nowUs);
        windowStartMs = performance.now();
        sampler?.markWindowStart();
        if (contract) statsAtStart = fetchStats(url).catch(() => null);
      } else if (event.type === 'phase' && event.phase === 'draining') {
        edgeEnd = { atUs: event.atUs, lagMs: (monoUs() - event.atUs) / 1000 };
        windowEndMs = performance.now();
        sampler?.markWindowEnd();
        if (contract) statsAtEnd = fetchStats(url).catch(() => null);
      }
      run.events.load?.(event);
    },
    run.abort.signal,
    { measureStartWallMs: segment?.measureStartWallMs ?? null },
  );
  const [s0, s1] = await Promise.all([statsAtStart, statsAtEnd]);
  if (segment) run.cell.segment = segment.record();
  return { load, statsAtStart: s0, statsAtEnd: s1, windowMs: windowEndMs - windowStartMs, markLag: markLagOf(edgeStart, edgeEnd) };
}

function markLagOf(start: { atUs: number; lagMs: number } | null, end: { atUs: number; lagMs: number } | null): MarkLag | null {
  if (start === null || end === null) return null;
  return { windowMs: (end.atUs - start.atUs) / 1000, startLagMs: start.lagMs, endLagMs: end.lagMs };
}

function loadPlan({ req, planned, workload }: CellRun, url: string): LoadPlan {
  return {
    url,
    connections: planned.connections,
    workers: req.clientWorkers,
    clientCpus: req.clientCpus,
    mode: req.mode,
    depth: req.depth,
    rateHz: req.rateHz,
    payloadBytes: planned.payloadBytes,
    mix: workload.mix({ workIterations: req.workIterations, heavyFraction: req.heavyFraction }),
    rampPerSec: req.rampPerSec,
    warmupMs: req.warmupMs,
    durationMs: req.durationMs,
    drainMs: req.drainMs,
    handshakeTimeoutMs: req.workloadParams?.handshakeTimeoutMs ?? 10_000,
    localAddresses: req.sourceAddresses,
  };
}
