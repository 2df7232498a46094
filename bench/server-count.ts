import type { StatsSnapshot } from '../protocol/wire.js';
import { SERVER_WINDOW_TOLERANCE } from './mark-lag.js';

/**
 * Which count of messages CPU per message (and context switches per message) divides by. The server's own
 * count (GET /stats at the two edges of the measured window) is what its CPU paid for — a BROADCAST costs
 * one message, not N deliveries — but only if both snapshots were taken at the edges. A server that answers
 * /stats late (a thread-per-connection server with thousands of busy threads schedules the /stats
 * connection's new thread behind them: measured here, java-threads at 5,000 connections answered seconds
 * late and its delta covered a fraction of the window) gives a delta for another, shorter span. Its
 * uptime says when it answered: when the span between the two snapshots differs from the window by more
 * than SERVER_WINDOW_TOLERANCE (bench/mark-lag.ts), the client's count of replies is used instead, and the
 * reason is recorded.
 */

/** The span the server's two /stats snapshots covered, against the measured window it should have bracketed. */
export interface StatsSpan {
  spanMs: number;
  windowMs: number;
}

export interface MessageCount {
  /** The server's count when trusted, else null (callers then use the client's count of replies). */
  serverMessagesHandled: number | null;
  /** Why the server's count was not used, when it existed but was not trusted (bench/verdict.ts words it as a reason). */
  distrust: StatsSpan | null;
}

export function serverMessageCount(s0: StatsSnapshot | null, s1: StatsSnapshot | null, windowMs: number): MessageCount {
  if (s0 === null || s1 === null) return { serverMessagesHandled: null, distrust: null };
  const spanMs = s1.uptimeMs - s0.uptimeMs;
  if (windowMs > 0 && Math.abs(spanMs - windowMs) > SERVER_WINDOW_TOLERANCE * windowMs) {
    return { serverMessagesHandled: null, distrust: { spanMs, windowMs } };
  }
  return { serverMessagesHandled: s1.messagesHandled - s0.messagesHandled, distrust: null };
}
