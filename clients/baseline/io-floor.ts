/**
 * The I/O floor (docs/METHOD.md §1): what a Node client costs that only moves the frames. It opens the same
 * raw-frame connections as the generator (clients/rfc6455/connection.ts) and answers every reply at once from a
 * pre-built batch of masked frames — no sequence matching, no byte check, no fresh mask keys, no timestamps, no
 * histograms. Whatever the generator spends above this floor is its bookkeeping; the floor itself is Node's
 * socket path plus the kernel's, which no bookkeeping can go below. calibrate runs it in closed loop at the
 * generator's depth and reports its whole-core CPU per round trip beside the server's per message.
 */
import { type ComparisonChildMessage, type ComparisonRequest, runComparisonChild } from './child-run.js';

export interface IoFloorOptions {
  /** ws://host:port/path of an echo-capable contract server. */
  url: string;
  connections: number;
  /** Messages in flight per connection. */
  depth: number;
  /** ECHO payload bytes after the 16-byte header. */
  payloadBytes: number;
  warmupMs: number;
  durationMs: number;
  /** taskset CPU list for the client process, or null for unpinned. */
  clientCpus: string | null;
  /** Limit for each connection's open, ms. Default 10 000. */
  handshakeTimeoutMs?: number;
}

export interface IoFloorResult {
  /** Replies in the window (between the two edges the child reported). */
  roundTrips: number;
  roundTripsPerSec: number;
  /** The window as the child timed it, ms. */
  measuredMs: number;
  /** CPU time of the client process in the window / wall time (1.0 = one core). */
  cpuCoreFraction: number;
  connections: { attempted: number; established: number; errors: Record<string, number> };
  pid: number;
}

export type IoFloorToParent = ComparisonChildMessage<IoFloorResult>;
export type ParentToIoFloor = ComparisonRequest<IoFloorOptions>;

/** Runs the floor client in its own process; onEdge fires at the start and the end of its measured window. */
export function runIoFloor(options: IoFloorOptions, onEdge?: (edge: 'start' | 'end') => void): Promise<IoFloorResult> {
  return runComparisonChild<IoFloorOptions, IoFloorResult>({ name: 'I/O floor client', script: 'clients/baseline/io-floor-child.js', options, onEdge });
}
