import cluster from 'node:cluster';
import { createRequire } from 'node:module';
import type { ArgsPolicy, ServerArgs } from '../common/args.js';
import { baseKnobs, type KnobValue } from '../common/ready.js';
import { WS_LOOP_SETTINGS } from '../ws-loop/settings.js';

/** Registry name of this server. */
export const WS_CLUSTER_NAME = 'ws-cluster';

/** --threads is the number of worker processes. */
export const WS_CLUSTER_ARGS_POLICY: ArgsPolicy = { supportsThreads: true };

/** Environment of a forked worker: its index (0..N-1), when the primary started (epoch ms, for uptimeMs), N. */
export const WORKER_INDEX_ENV = 'WSARENA_CLUSTER_WORKER_INDEX';
export const STARTED_AT_ENV = 'WSARENA_CLUSTER_STARTED_AT_MS';
/** How many workers the primary forks (a lone worker has nobody to relay BROADCASTs to). */
export const WORKER_COUNT_ENV = 'WSARENA_CLUSTER_WORKERS';

/**
 * How long the primary waits for every worker's counters when a /stats request comes in. A worker that
 * does not answer in time (blocked for over a second) is reported with its last known counters and
 * counted in extra.staleWorkers; otherwise every figure is fresh, read at request time.
 */
export const STATS_QUERY_TIMEOUT_MS = 1_000;

/**
 * The cluster settings that change results. Each worker runs ws exactly as ws-loop does
 * (WS_LOOP_SETTINGS), so the only difference between the two models is the process layer.
 */
export const WS_CLUSTER_SETTINGS = {
  ...WS_LOOP_SETTINGS,
  /**
   * 'rr': the primary accepts every connection and hands it to the workers in turn over IPC (Node's
   * default on Linux, set explicitly so NODE_CLUSTER_SCHED_POLICY cannot change it unnoticed).
   */
  schedulingPolicy: 'rr',
  /** IPC between primary and workers uses the V8 serializer, so BROADCAST payloads travel as bytes, not JSON arrays. */
  ipcSerialization: 'advanced',
  /** BROADCAST: the receiving worker sends to its own clients, the primary relays to every other worker, which sends to theirs. */
  broadcastVia: 'local fan-out + IPC relay through the primary',
  /** GET /stats: the answering worker asks the primary, which queries every worker's counters at that moment. */
  statsVia: 'on-demand IPC query of every worker',
} as const;

const require = createRequire(import.meta.url);

/** Applies the scheduling policy; call in the primary before the first fork. Returns the policy as applied. */
export function applySchedulingPolicy(): 'rr' | 'none' {
  cluster.schedulingPolicy = cluster.SCHED_RR;
  return cluster.schedulingPolicy === cluster.SCHED_RR ? 'rr' : 'none';
}

/** The knobs of the ready line; workers = processes serving connections (the primary only accepts and relays). */
export function wsClusterKnobs(args: ServerArgs, workers: number, schedulingPolicy: 'rr' | 'none'): Record<string, KnobValue> {
  const wsVersion = (require('ws/package.json') as { version: string }).version;
  return { library: `ws@${wsVersion}`, ...baseKnobs(workers, args.stall), ...WS_CLUSTER_SETTINGS, schedulingPolicy };
}
