/**
 * The long-poll load driver: the engine (clients/engine/engine.ts) over the long-poll client worker
 * processes (http-load-child.ts), so phases, events, crashes and the merged LoadReport are the WebSocket
 * engine's own, and results go through the same schema, verdict and table.
 *
 * Closed loop (`plan.depth` round trips in flight per session) or open loop (`plan.rateHz` in total, on
 * the WebSocket engine's schedule, with corrected latency).
 */
import { type LoadRunOptions, type LoadWorkerKind, runLoadOn } from '../engine/engine.js';
import type { LoadEvent, LoadPlan, LoadReport } from '../types.js';

/** Compiled entry of the worker processes. */
export const LONG_POLL_WORKER_SCRIPT = 'clients/long-poll/http-load-child.js';

export const LONG_POLL_WORKERS: LoadWorkerKind = { script: LONG_POLL_WORKER_SCRIPT, label: 'long-poll client worker' };

/**
 * Runs the plan and resolves with the merged report. Rejects with LoadPlanError for an invalid plan,
 * WorkerCrashError when a worker dies, or signal.reason when aborted; in every case all workers are killed.
 * Same signature as runLoad, so the runner can dispatch on the server's transport.
 */
export function runLongPollLoad(
  plan: LoadPlan,
  onEvent: (e: LoadEvent) => void = () => {},
  signal?: AbortSignal,
  options: LoadRunOptions = {},
): Promise<LoadReport> {
  return runLoadOn(LONG_POLL_WORKERS, plan, onEvent, signal, options);
}
