/**
 * Messages between the engine (parent) and its client worker processes, over the child_process IPC channel.
 *
 *   parent → worker: init → start → report → exit
 *   worker → parent: progress* → connected → tick* → report
 *
 * Phase boundaries travel as absolute CLOCK_MONOTONIC µs in `start`: every worker classifies messages
 * against the same instants, whatever the IPC delivery delay.
 */
import type { ClientWorkerStats, LoadPlan, MessageCounts } from '../types.js';

export interface PhaseTimes {
  /** Sending starts (warmup); also t0 of the open-loop schedule. */
  warmupStartUs: number;
  /** Measured window is [measureStartUs, measureEndUs). */
  measureStartUs: number;
  measureEndUs: number;
  /** Replies after this are ignored; what is still pending counts as lost. */
  drainEndUs: number;
}

export type ParentToWorker =
  | { type: 'init'; plan: LoadPlan; workerIndex: number; workers: number }
  | { type: 'start'; times: PhaseTimes }
  | { type: 'report' }
  | { type: 'exit' };

export interface WorkerConnectionReport {
  attempted: number;
  established: number;
  errors: Record<string, number>;
  unexpectedCloses: number;
  /** Handshake times (TCP connect + upgrade), µs, encoded histogram. */
  handshake: string;
}

export interface WorkerTimelinePoint {
  second: number;
  sent: number;
  received: number;
  /** Latency recorded in this second (corrected in open loop, service in closed loop), encoded histogram. */
  latency: string;
}

export interface WorkerReport {
  workerIndex: number;
  connections: WorkerConnectionReport;
  counts: MessageCounts;
  service: string;
  corrected: string | null;
  /** By class name ('cheap', 'heavy'), for the mixed workload only. */
  byClass: Record<string, string> | null;
  timeline: WorkerTimelinePoint[];
  stats: ClientWorkerStats;
}

export type WorkerToParent =
  | { type: 'progress'; attempted: number; established: number }
  | { type: 'connected'; attempted: number; established: number }
  | { type: 'tick'; second: number; sent: number; received: number }
  | { type: 'report'; report: WorkerReport }
  | { type: 'fatal'; message: string };
