/**
 * The load generator's public data types: what the engine is asked to do (LoadPlan) and what it
 * returns (LoadReport). The engine emits progress events and returns data; reporters draw it.
 */

/** What each message asks of the server. */
export type MessageMix =
  | { kind: 'echo' }
  | { kind: 'work'; iterations: number }
  /** heavyFraction of messages are WORK(iterations), the rest ECHO; latency is reported per class. */
  | { kind: 'mixed'; iterations: number; heavyFraction: number };

export interface LoadPlan {
  /** ws://host:port/path of the server under test. */
  url: string;
  /** Total connections, spread evenly over `workers` client processes. */
  connections: number;
  /** Client worker processes (each an event loop of its own). Default: number of client CPUs. */
  workers: number;
  /** CPU list for taskset (e.g. "1"), or null to leave the client unpinned. */
  clientCpus: string | null;
  /** closed: keep `depth` messages in flight per connection. open: send at rateHz in total, on a fixed schedule. */
  mode: 'closed' | 'open';
  /** Closed loop: messages in flight per connection. Default 1. */
  depth: number;
  /** Open loop: target messages per second over all connections. */
  rateHz: number | null;
  /** Payload bytes after the 16-byte header (ECHO messages). */
  payloadBytes: number;
  mix: MessageMix;
  /** Connections opened per second during the ramp; null = as fast as possible. */
  rampPerSec: number | null;
  /** Time spent sending before the measured window; excluded from every figure. */
  warmupMs: number;
  /** Length of the measured window. */
  durationMs: number;
  /** After the window, how long to wait for outstanding replies before counting them lost. */
  drainMs: number;
  /** A handshake slower than this counts as a `timeout` connection error. */
  handshakeTimeoutMs: number;
  /** Local source addresses to rotate over (127.0.0.x); empty = let the kernel choose. */
  localAddresses: string[];
}

/** Per-second point of a run's timeline, relative to the start of the measured window. */
export interface TimelinePoint {
  second: number;
  /** Window messages by the second of their intended (open loop) or actual (closed loop) send time; sums to counts.sent. */
  sent: number;
  /** Replies to window messages by the second they arrived in; replies during the drain are in counts only. */
  received: number;
  /** p99 of corrected latency (open loop) or service time (closed loop) in this second, µs. */
  p99Us: number;
}

export interface LatencySummary {
  count: number;
  p50Us: number;
  p90Us: number;
  p99Us: number;
  p999Us: number;
  maxUs: number;
  meanUs: number;
  /** HdrHistogram compressed base64 (interchange format), for recomputation. */
  encoded: string;
}

export interface ClientWorkerStats {
  pid: number;
  connections: number;
  /** CPU time of this worker during the measured window / wall time (1.0 = one full core). */
  cpuCoreFraction: number;
  eventLoopDelayP99Ms: number;
  /** Open loop: how late sends were against their intended time, p99, µs. 0 in closed loop. */
  sendLagP99Us: number;
}

export interface MessageCounts {
  /** Messages sent during the measured window. */
  sent: number;
  /** Replies received for messages sent during the window. */
  received: number;
  /** Sent in the window, no reply by the end of the drain. */
  lost: number;
  /** Replies whose seq had already been answered. */
  duplicated: number;
  /** Replies whose bytes differ from what the contract says they must be. */
  corrupted: number;
  /** Replies that arrived with a lower seq than an earlier reply on the same connection (depth > 1 only). */
  outOfOrder: number;
  /** Replies matching no message this connection sent. */
  unexpected: number;
  /**
   * Replies that came after their message had been counted lost: it was still unanswered when the
   * in-flight window (clients/load/inflight.ts, a count of later sends on its connection) moved past it.
   * Not matched, no latency; already in `lost`. Optional: absent in results written before issue 14.
   */
  late?: number;
  /**
   * Open loop: window messages the client did not send because their connection's socket already had
   * more than the backpressure bound buffered (the server stopped reading). Not in `sent`; any makes
   * the verdict client-bound.
   */
  clientDrops?: number;
}

export interface LoadReport {
  plan: LoadPlan;
  connections: {
    attempted: number;
    established: number;
    /** Errors by type: ECONNREFUSED, EADDRNOTAVAIL, EMFILE, timeout, handshake, close:<code>, … */
    errors: Record<string, number>;
    /** Connections closed by the server or the network during warmup or measurement. */
    unexpectedCloses: number;
    handshake: LatencySummary;
  };
  measuredMs: number;
  counts: MessageCounts;
  targetRateHz: number | null;
  /** Replies received for messages sent in the window, per second of window (round trips/s). */
  achievedRateHz: number;
  /** receive time − intended send time (open loop only; null in closed loop where no schedule exists). */
  corrected: LatencySummary | null;
  /** receive time − actual send time. */
  service: LatencySummary;
  /** Mixed workload: latency per message class ('cheap' | 'heavy'), corrected in open loop, service in closed loop. */
  byClass: Record<string, LatencySummary> | null;
  timeline: TimelinePoint[];
  client: {
    workers: ClientWorkerStats[];
  };
}

/** Progress events the engine emits while it runs; reporters subscribe to them. */
export type LoadEvent =
  | {
      type: 'phase';
      phase: 'connecting' | 'warmup' | 'measuring' | 'draining' | 'done';
      /** CLOCK_MONOTONIC µs (wire.ts nowUs) at which the phase began; the event itself may arrive ~1 ms later. */
      atUs: number;
    }
  | { type: 'connected'; established: number; attempted: number; total: number }
  | { type: 'tick'; second: number; sent: number; received: number };
