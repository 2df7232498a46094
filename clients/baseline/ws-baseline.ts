/**
 * A plain `ws`-package echo client, for `wsarena calibrate` to hold the raw-frame generator against
 * (docs/METHOD.md §1): the same ECHO messages in one child process pinned like the generator's workers.
 * Closed loop (`depth` in flight per connection): its round trips per second per client core is the bar the
 * generator must beat. Open loop (`rateHz`): each message sent at its scheduled instant by the generator's
 * own pacer, latency corrected for coordinated omission (docs/METHOD.md §2), to compare the two clients'
 * rate and median at equal offered load.
 */

import type { LatencySummary } from '../types.js';
import { type ComparisonChildMessage, type ComparisonRequest, runComparisonChild } from './child-run.js';

export interface WsBaselineOptions {
  /** ws://host:port/path of an echo-capable contract server. */
  url: string;
  connections: number;
  /** Measured window, ms. */
  durationMs: number;
  /** Sending before the window, excluded from the figures, ms. */
  warmupMs: number;
  /** ECHO payload bytes after the 16-byte header. */
  payloadBytes: number;
  /** taskset CPU list for the client process, or null for unpinned. */
  clientCpus: string | null;
  /** Closed loop: messages in flight per connection, each sent with its own ws.send() as a ws user would. Default 1. */
  depth?: number;
  /**
   * Open loop: total target rate over all connections, msgs/s; message i of connection c is due at
   * t0 + offset(c) + i / (rateHz / connections) (clients/schedule.ts), t0 = the warmup start. Absent: closed loop.
   */
  rateHz?: number;
  /** Limit for each connection's open, ms. Default 10 000. */
  handshakeTimeoutMs?: number;
}

export interface WsBaselineResult {
  mode: 'closed' | 'open';
  /**
   * Replies to messages of the window, per second of window: sent in it (closed loop) or due in it (open loop:
   * the achieved rate).
   */
  roundTripsPerSec: number;
  roundTrips: number;
  /** Open loop: the target rate, msgs/s; null in closed loop. */
  offeredRateHz: number | null;
  /** Messages of the window that were sent (open loop: due in it and sent; some may stay unanswered). */
  sentInWindow: number;
  /** Open loop: messages due in the window on a connection no longer open, so never sent. */
  unsent: number;
  measuredMs: number;
  /** CPU time of the client process in the window / wall time (1.0 = one core). */
  cpuCoreFraction: number;
  eventLoopDelayP99Ms: number;
  connections: { attempted: number; established: number; errors: Record<string, number> };
  /** Replies whose bytes differ from the message sent. */
  corrupted: number;
  /** Round-trip time from the actual send, µs. */
  service: LatencySummary;
  /** Open loop: reply received − intended send time, µs (coordinated omission corrected); null in closed loop. */
  corrected: LatencySummary | null;
  pid: number;
}

export type BaselineToParent = ComparisonChildMessage<WsBaselineResult>;
export type ParentToBaseline = ComparisonRequest<WsBaselineOptions>;

/** Runs the baseline client in its own process and resolves with its figures. */
export function runWsBaseline(options: WsBaselineOptions): Promise<WsBaselineResult> {
  return runComparisonChild<WsBaselineOptions, WsBaselineResult>({ name: 'ws baseline client', script: 'clients/baseline/ws-baseline-child.js', options });
}
