/** The primary's view of its worker processes: one slot per forked worker. */
import cluster, { type Worker } from 'node:cluster';
import { createCounters } from '../common/counters.js';
import type { PrimaryToWorker, WorkerCounters } from './ipc.js';
import { STARTED_AT_ENV, WORKER_COUNT_ENV, WORKER_INDEX_ENV } from './settings.js';

export interface Slot {
  index: number;
  worker: Worker;
  exited: Promise<void>;
  /** Last counters this worker reported (zero until it first answers). */
  latest: WorkerCounters;
}

/**
 * Forks `workers` workers, telling each its index, the count and the primary's start time (for uptimeMs).
 * Call after cluster.setupPrimary.
 */
export function forkWorkers(workers: number, startedAtMs: number): Slot[] {
  return Array.from({ length: workers }, (_, index) => {
    const worker = cluster.fork({
      [WORKER_INDEX_ENV]: String(index),
      [WORKER_COUNT_ENV]: String(workers),
      [STARTED_AT_ENV]: String(startedAtMs),
    });
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    const latest: WorkerCounters = { worker: index, pid: worker.process.pid ?? 0, ...createCounters(), framingErrors: 0, rssBytes: 0 };
    return { index, worker, exited, latest };
  });
}

/** Sends to a worker still connected; a gone worker's messages are dropped (it is exiting anyway). */
export function sendToWorker(slot: Slot, message: PrimaryToWorker): void {
  if (slot.worker.isConnected()) slot.worker.send(message);
}
