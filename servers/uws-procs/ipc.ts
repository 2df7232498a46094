/** Messages between the uws-procs primary and its child processes (IPC with 'advanced' serialization). */
import type { Counters } from '../common/counters.js';
import type { PrimaryFigures } from '../common/stats-gather.js';

/** One child's counters as it reports them (extra.perProcess). */
export interface ProcessCounters extends Counters {
  /** Child index, 0..N-1. */
  process: number;
  pid: number;
  /** ECHO/WORK replies uWS dropped for backpressure in this process. */
  sendDrops: number;
  /** This child's resident set size. */
  rssBytes: number;
}

export type ChildToPrimary =
  /** uWS loaded and the App mounted: the child awaits listen. */
  | { t: 'started' }
  | { t: 'listening'; port: number }
  /** uWS refused to listen (it gives no reason). */
  | { t: 'listen-failed' }
  /** The child cannot serve (native binary unavailable); it exits FAILED after this. */
  | { t: 'failed'; message: string }
  /** A BROADCAST this child already published to its own clients; relay it to every other child. */
  | { t: 'broadcast'; data: Uint8Array }
  /** GET /stats arrived here: send every child's counters (stats-answer with the same id). */
  | { t: 'stats-query'; id: number }
  /** Answer to counters-query. */
  | { t: 'counters'; query: number; counters: ProcessCounters };

export type PrimaryToChild =
  /** Listen on host:port with SO_REUSEPORT (port is never 0: the primary picks it). */
  | { t: 'listen'; port: number }
  /** A BROADCAST received by another child: publish it in this child's App. */
  | { t: 'relay'; data: Uint8Array }
  /** Report your counters now (reply: counters with the same query id). */
  | { t: 'counters-query'; query: number }
  /** Every child's counters, for the stats-query with this id; stale = children that did not answer in time. */
  | { t: 'stats-answer'; id: number; processes: ProcessCounters[]; stale: number; primary: PrimaryFigures }
  /** Close the listen socket and connections (1001), then exit 0. */
  | { t: 'shutdown' };

/** Typed process.send for a child; false when the channel is gone (the primary died: the child is exiting). */
export function sendToPrimary(message: ChildToPrimary): boolean {
  if (process.send === undefined || !process.connected) return false;
  return process.send(message);
}
