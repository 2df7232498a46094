/** Messages between the uws-threads main thread and its worker threads. */
import type { StallPlan } from '../common/stall.js';
import type { SharedCounters } from './shared.js';

/** workerData of a serving thread. */
export interface ThreadData {
  /** 0..threads-1: this thread's counter slot. */
  index: number;
  host: string;
  stall: StallPlan | null;
  shared: SharedCounters;
  /** Native binary to load instead of the one matching this Node (UWS_BINARY_ENV), or null. */
  binaryPath: string | null;
}

export type MainToThread =
  /** Listen on host:port with SO_REUSEPORT (port is never 0: main picks it). */
  | { t: 'listen'; port: number }
  /** Close the listen socket and every connection (1001), then let the thread end. */
  | { t: 'close' };

export type ThreadToMain =
  | { t: 'listening'; port: number }
  /** uWS refused to listen (it gives no reason). */
  | { t: 'listen-failed' }
  /** The thread cannot serve (native binary unavailable, uncaught error); it has closed its sockets and is ending. */
  | { t: 'failed'; message: string }
  /** Listen socket and connections closed. */
  | { t: 'closed' };
