/** Messages between the ws-cluster primary and its workers (IPC with 'advanced' serialization). */
import type { Counters } from '../common/counters.js';
import type { PrimaryFigures } from '../common/stats-gather.js';

/** One worker's counters as it reports them. */
export interface WorkerCounters extends Counters {
  /** Worker index, 0..N-1. */
  worker: number;
  pid: number;
  /** Frames ws's parser rejected in this worker. */
  framingErrors: number;
  /** This worker process's resident set size. */
  rssBytes: number;
}

/** The primary's own figures: it accepts every connection (round-robin) and relays every BROADCAST. */
export type { PrimaryFigures } from '../common/stats-gather.js';

export type WorkerToPrimary =
  /** The worker's listen failed (message is what the server prints); the primary exits 2 with it. */
  | { t: 'listen-failed'; message: string }
  /** A BROADCAST this worker already sent to its own clients; relay it to every other worker. */
  | { t: 'broadcast'; data: Uint8Array }
  /** GET /stats arrived here: send the counters of every worker (stats-answer with the same id). */
  | { t: 'stats-query'; id: number }
  /** Answer to counters-query. */
  | { t: 'counters'; query: number; counters: WorkerCounters };

export type PrimaryToWorker =
  /** A BROADCAST received by another worker: send it to this worker's clients. */
  | { t: 'relay'; data: Uint8Array }
  /** Report your counters now (reply: counters with the same query id). */
  | { t: 'counters-query'; query: number }
  /** Every worker's counters, for the stats-query with this id; stale = workers that did not answer in time. */
  | { t: 'stats-answer'; id: number; workers: WorkerCounters[]; stale: number; primary: PrimaryFigures }
  /** Close the listen socket and connections (1001), then exit 0. */
  | { t: 'shutdown' };

/** Typed process.send for a worker; false when the channel is gone (the primary died: the worker is exiting). */
export function sendToPrimary(message: WorkerToPrimary): boolean {
  if (process.send === undefined || !process.connected) return false;
  return process.send(message);
}
