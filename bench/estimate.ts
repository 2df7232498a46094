/**
 * How long a run will take before it starts (`wsarena suite … --dry-run`, the line `suite` prints first,
 * scripts/reference.sh's budget): the runner's cells (bench/runner.ts runMatrix: repeat × connections ×
 * payloads × server CPUs × servers) times what each cell does — start the server and the client workers, open
 * the connections, warm up, measure, drain, close, stop — or, for the connection workloads, their own phases.
 *
 * The per-cell costs below are fitted to the timestamps of results/reference/ (cells' startedAt to the next
 * cell's start); test/bench/estimate.test.ts re-checks the fit against those files, so a change to the runner
 * that makes cells slower shows up there.
 */
import { getServer } from '../servers/registry.js';
import type { ServerModel } from '../servers/spec.js';
import type { RunRequest } from './runner.js';
import { resolveWorkloadParams } from './workloads/params.js';
import { getWorkload } from './workloads.js';

export const CELL_COSTS = {
  /**
   * Start a server until its READY line, spawn the client workers, stop both: a 100-connection echo cell with a
   * 7 s window took 7.3–8.2 s (threads/scaling-closed.json); Java starts slowest.
   */
  startStopMs: 700,
  /**
   * Open and close one connection (TCP + upgrade, then teardown), on top of the window: the 10,000-connection
   * cells of the same file took 3–4 s longer than the 100-connection ones.
   */
  perConnectionMs: 0.4,
  /**
   * Models that create something per connection pay more: an OS thread (java-threads, go-os-threads took
   * 0.6–1.4 ms per connection in the 19,000 idle ramp) or a worker with its own V8 isolate (ws-worker-per-conn:
   * 1,000 connections added ~22 s to a cell).
   */
  perConnectionByModel: { 'thread-per-connection': 0.9, 'worker-per-connection': 22 } as Partial<Record<ServerModel, number>>,
  /**
   * An idle ramp also pings every connection and samples the server's tree and /proc at every step: ramps to
   * 19,000 took ~4.7 s more than their holds and openings (c10k/idle.json, threads/idle-threads.json).
   */
  idlePerConnectionMs: 0.25,
} as const;

/** The estimated duration of one request's cells, in ms. Unknown servers count as the generic model. */
export function estimateRequestMs(req: RunRequest): number {
  const workload = getWorkload(req.workload);
  const payloads = workload.sweepsPayload ? resolveWorkloadParams(req.workloadParams).sizes.length : 1;
  const servers = req.target ? [null] : req.servers;
  let total = 0;
  for (const connections of req.connections) {
    for (const server of servers) total += estimateCellMs(req, connections, server === null ? null : modelOf(server));
  }
  return total * req.repeat * payloads * req.serverCpus.length;
}

/** The estimated duration of a suite's requests, run one after another, in ms. */
export function estimateDurationMs(requests: readonly RunRequest[]): number {
  return requests.reduce((sum, r) => sum + estimateRequestMs(r), 0);
}

/** Cells a request plans (as runMatrix does). */
export function plannedCells(req: RunRequest): number {
  const payloads = getWorkload(req.workload).sweepsPayload ? resolveWorkloadParams(req.workloadParams).sizes.length : 1;
  return req.repeat * req.connections.length * payloads * req.serverCpus.length * (req.target ? 1 : req.servers.length);
}

/** One cell: fixed start and stop, the connections opened and closed, and the workload's own phases. */
export function estimateCellMs(req: RunRequest, connections: number, model: ServerModel | null): number {
  const p = resolveWorkloadParams(req.workloadParams);
  const perConnection = (model !== null ? CELL_COSTS.perConnectionByModel[model] : undefined) ?? CELL_COSTS.perConnectionMs;
  // A --ramp caps how fast connections open; the slower of the cap and the model's own cost wins.
  const opening = Math.max(connections * perConnection, req.rampPerSec ? (connections / req.rampPerSec) * 1000 : 0);
  let phases: number;
  switch (req.workload) {
    case 'idle': {
      const steps = Math.max(1, Math.min(p.steps, connections));
      // A server capped below the target (--server-arg max-threads=200 with 300 connections) leaves the rest
      // waiting for the handshake timeout before the ramp can go on.
      const capped = Object.entries(req.serverArgs ?? {}).some(([name, value]) => name.startsWith('max-') && value < connections);
      phases = (steps - 1) * p.holdMs + p.finalHoldMs + connections * CELL_COSTS.idlePerConnectionMs + (capped ? p.handshakeTimeoutMs : 0);
      break;
    }
    case 'storm':
      // Every round opens and closes all connections; a round waits for fds to come back (rarely the full settle).
      return CELL_COSTS.startStopMs + p.rounds * opening;
    case 'backpressure':
      phases = req.warmupMs + req.durationMs + p.resumeWaitMs;
      break;
    default:
      // echo, work, mixed, broadcast, sizes, http-echo: warmup, the measured window, then the drain.
      phases = req.warmupMs + req.durationMs + req.drainMs;
  }
  return CELL_COSTS.startStopMs + opening + phases;
}

function modelOf(server: string): ServerModel | null {
  try {
    return getServer(server).model;
  } catch {
    return null;
  }
}

/** "about 24 min", "about 40 s": an estimate, rounded as one. */
export function formatEstimate(ms: number): string {
  const s = ms / 1000;
  if (s < 90) return `about ${Math.round(s)} s`;
  if (s < 90 * 60) return `about ${Math.round(s / 60)} min`;
  return `about ${(s / 3600).toFixed(1)} h`;
}
