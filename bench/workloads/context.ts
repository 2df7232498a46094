/**
 * What the runner hands a connection workload (idle, broadcast, storm, backpressure) or http-echo, what it gets back,
 * and the helpers they share: a fleet sized from the request, server tree snapshots, /stats.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { monoUs } from '../../clients/clock.js';
import { Fleet, type FleetOpenResult } from '../../clients/fleet/fleet.js';
import type { LoadEvent } from '../../clients/types.js';
import type { StatsSnapshot } from '../../protocol/wire.js';
import type { MeasuredCell } from '../../results/schema.js';
import { fetchStats } from '../../servers/launch.js';
import { snapshotTree } from '../proc-tree.js';
import type { RunRequest } from '../request.js';
import type { WorkloadParams } from './params.js';

export interface WorkloadContext {
  req: RunRequest;
  params: WorkloadParams;
  /** N of this cell. */
  connections: number;
  url: string;
  /** Server root pid to sample, or null (--target without --target-pid). */
  pid: number | null;
  /** Whether the server serves GET /stats and the contract ops. */
  contract: boolean;
  knobs: Record<string, string | number | boolean | null>;
  clockTicksPerSecond: number;
  /** Aborted when the run is interrupted or the server dies. */
  signal: AbortSignal;
  onLoadEvent(e: LoadEvent): void;
  /**
   * Moves the server CPU window (runner's /proc sampler) to the workload's measured part. Optional to
   * call: by default the window is the whole workload. A 'start' after the default start replaces it.
   */
  markWindow(edge: 'start' | 'end'): void;
}

export type WorkloadSections = Partial<Pick<MeasuredCell, 'idle' | 'broadcast' | 'storm' | 'backpressure' | 'httpEcho'>>;

export interface WorkloadOutcome {
  sections: WorkloadSections;
  /** null when the workload ran; else why the cell failed (sections may still hold what was measured). */
  error: string | null;
  /** Server messages handled during the workload (GET /stats delta), when known. */
  serverMessagesHandled: number | null;
}

export type WorkloadRunner = (ctx: WorkloadContext) => Promise<WorkloadOutcome>;

export interface TreeFigures {
  rssBytes: number;
  pssBytes: number | null;
  fds: number;
  threads: number;
  processes: number;
}

/** The server tree now (zeros when there is no pid to sample or it is gone). */
export function sampleTree(ctx: WorkloadContext, withPss: boolean): TreeFigures {
  const snap = ctx.pid === null ? null : snapshotTree(ctx.pid, ctx.clockTicksPerSecond, withPss);
  if (snap === null) return { rssBytes: 0, pssBytes: null, fds: 0, threads: 0, processes: 0 };
  return { rssBytes: snap.rssBytes, pssBytes: snap.pssBytes, fds: snap.fds, threads: snap.threads, processes: snap.processes };
}

export function stats(ctx: WorkloadContext): Promise<StatsSnapshot | null> {
  return ctx.contract ? fetchStats(ctx.url).catch(() => null) : Promise.resolve(null);
}

/** Client worker processes: as asked, never more than connections. */
export function startFleet(ctx: WorkloadContext): Promise<Fleet> {
  return Fleet.start(
    {
      url: ctx.url,
      workers: Math.max(1, Math.min(ctx.req.clientWorkers, ctx.connections)),
      clientCpus: ctx.req.clientCpus,
      handshakeTimeoutMs: ctx.params.handshakeTimeoutMs,
      localAddresses: ctx.req.sourceAddresses,
    },
    ctx.signal,
  );
}

/** fleet.open with 'connected' progress events toward `total`. */
export function openWithProgress(ctx: WorkloadContext, fleet: Fleet, count: number, alreadyOpen: number, total: number): Promise<FleetOpenResult> {
  if (alreadyOpen === 0) ctx.onLoadEvent({ type: 'phase', phase: 'connecting', atUs: monoUs() });
  return fleet.open(count, ctx.req.rampPerSec, (attempted, established) =>
    ctx.onLoadEvent({ type: 'connected', established: alreadyOpen + established, attempted: alreadyOpen + attempted, total }),
  );
}

/**
 * Opens ctx.connections (with progress) and turns pings off: the start of every steady fleet workload.
 * Resolves to the cell's error when not one connection was established, else null.
 */
export async function openAllQuiet(ctx: WorkloadContext, fleet: Fleet): Promise<string | null> {
  const opened = await openWithProgress(ctx, fleet, ctx.connections, 0, ctx.connections);
  if (opened.established === 0) return `no connection could be established: ${JSON.stringify(opened.errors)}`;
  await fleet.setPing(null);
  return null;
}

export function pause(ms: number, signal: AbortSignal): Promise<void> {
  return ms > 0 ? sleep(ms, undefined, { signal }) : Promise.resolve();
}

export function sleepUntilUs(instantUs: number, signal: AbortSignal): Promise<void> {
  return pause((instantUs - monoUs()) / 1000, signal);
}

export function addCounts(into: Record<string, number>, from: Record<string, number>): void {
  for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
}

/** "EMFILE ×120, timeout ×3", largest first; '' when empty. */
export function describeCounts(counts: Record<string, number>): string {
  return Object.entries(counts)
    .filter(([, v]) => v > 0)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ×${v}`)
    .join(', ');
}

export function errorMessage(err: unknown, signal: AbortSignal): string {
  // An abort carries the runner's reason (server died, interrupted); the AbortError itself says less.
  if (signal.aborted && signal.reason instanceof Error) return signal.reason.message;
  return err instanceof Error ? err.message : String(err);
}
