/**
 * Messages between a Fleet (parent, fleet.ts) and its fleet worker processes (fleet-child.ts).
 *
 * The echo engine (clients/engine/engine.ts) runs one fixed shape: connect, warm up, measure, drain. The workloads that
 * are about connections rather than messages (idle ramps, broadcast fan-out, connection storms, slow
 * readers) need the parent to drive the connections step by step and sample the server in between, so a
 * fleet worker takes commands:
 *
 *   parent → worker: init → (cmd id …)* → exit
 *   worker → parent: ready → (progress id … | result id … | error id …)*
 *
 * Every instant is absolute CLOCK_MONOTONIC µs (shared by every process on the machine).
 */

export interface FleetInit {
  url: string;
  workerIndex: number;
  workers: number;
  handshakeTimeoutMs: number;
  /** Source addresses rotated by global connection index; empty = kernel-chosen. */
  localAddresses: string[];
  /** Handshakes in flight at once in this worker when no ramp rate is set. */
  maxConcurrentHandshakes: number;
}

export type FleetCommand =
  /** Open the global connection indices in [from, to) that belong to this worker (index % workers). rampPerSec is the whole fleet's rate. */
  | { op: 'open'; from: number; to: number; rampPerSec: number | null }
  /** Close every open connection with 1000 and wait (bounded by waitMs) for the closing handshakes. */
  | { op: 'closeAll'; waitMs: number }
  /** Start (intervalMs) or stop (null) pinging every open connection once per interval, staggered. */
  | { op: 'ping'; intervalMs: number | null }
  | { op: 'status' }
  | ({ op: 'broadcast' } & BroadcastCommand)
  | ({ op: 'backpressure' } & BackpressureCommand);

export interface BroadcastCommand {
  /** Global index of the publishing connection. */
  publisher: number;
  /** Publish k is due at startUs + k · 1e6 / rateHz, k = 0 … publishes − 1. */
  startUs: number;
  rateHz: number;
  publishes: number;
  /** Payload bytes after the 16-byte header. */
  payloadBytes: number;
  /** Receives after this are not counted; the command answers then. */
  endUs: number;
}

export interface BackpressureCommand {
  /** Connections with a global index below this are the slow readers. */
  slowBelow: number;
  startUs: number;
  /** Healthy and slow connections stop sending; slow connections resume reading. */
  endUs: number;
  /** Latest instant to wait for the slow readers to get their replies after resuming. */
  resumeEndUs: number;
  healthyPayloadBytes: number;
  slowPayloadBytes: number;
  /** ECHO requests per second each slow connection sends while it does not read. */
  slowRateHz: number;
  /** A slow connection skips a send while this many bytes wait in its own send buffer (the server stopped reading). */
  slowSendBufferCapBytes: number;
}

export interface OpenResult {
  attempted: number;
  established: number;
  /** Failed attempts by type (classifyConnectError). */
  errors: Record<string, number>;
  /** Handshake times of this call, µs, encoded histogram. */
  handshake: string;
  /** First attempt and last settled attempt of this call, monotonic µs (0 when nothing was attempted). */
  firstAttemptUs: number;
  lastSettledUs: number;
  /** Connections open in this worker after the call. */
  open: number;
}

export interface CloseResult {
  closed: number;
  startedUs: number;
  doneUs: number;
}

export interface FleetStatus {
  open: number;
  /** Connections closed by the server or the network (not by us), since init. */
  unexpectedCloses: number;
  /** Those closes by `close:<code>` or `protocol:<code>`. */
  closeCodes: Record<string, number>;
  pingsSent: number;
  pongsReceived: number;
  /** Pings still unanswered when the same connection's next ping was due. */
  pongsLate: number;
  /** Pings unanswered right now that are older than one interval. */
  pongsOverdue: number;
  /** Ping → pong round trips, µs, encoded histogram. */
  pongRtt: string;
  /** Data messages that arrived while no workload expected any. */
  unexpectedMessages: number;
}

export interface BroadcastWorkerResult {
  /** Connections of this worker open when the first publish was due. */
  openAtStart: number;
  openAtEnd: number;
  /** Publisher worker only (else 0 / empty): publishes sent and their actual send times. */
  published: number;
  publishSendUs: number[];
  /** Publisher only: actual − due send time, p99, µs. */
  publishLagP99Us: number;
  /** Per publish id: copies received by this worker's connections. */
  received: number[];
  /** Per publish id: latest receive − send time over this worker's receivers, µs; −1 when none received it. */
  maxLatencyUs: number[];
  /** Per publish id: earliest receive − send time, µs; −1 when none. */
  minLatencyUs: number[];
  /** Every receive: receive time − sendTimeUs, µs, encoded histogram. */
  latency: string;
  duplicated: number;
  corrupted: number;
  unexpected: number;
  cpuCoreFraction: number;
}

export interface BackpressureWorkerResult {
  healthy: {
    connections: number;
    sent: number;
    received: number;
    corrupted: number;
    /** Service time of healthy echoes sent in [startUs, endUs), µs, encoded histogram. */
    latency: string;
    closes: Record<string, number>;
  };
  slow: {
    connections: number;
    sent: number;
    sentBytes: number;
    /** Sends skipped because the connection's own send buffer was over the cap. */
    sendsSkipped: number;
    /** Replies that arrived (all after resuming, since the sockets were paused). */
    received: number;
    receivedBytes: number;
    corrupted: number;
    /** Closes seen by slow connections (server or network initiated), by code. */
    closes: Record<string, number>;
    openAtEnd: number;
    /** When the last slow reply arrived, µs after resuming; null when none did. */
    drainedAfterUs: number | null;
  };
  cpuCoreFraction: number;
}

export type FleetResult = OpenResult | CloseResult | FleetStatus | BroadcastWorkerResult | BackpressureWorkerResult | Record<string, never>;

export type ParentToFleetWorker = { type: 'init'; init: FleetInit } | { type: 'cmd'; id: number; cmd: FleetCommand } | { type: 'exit' };

export type FleetWorkerToParent =
  | { type: 'ready' }
  | { type: 'progress'; id: number; attempted: number; established: number }
  | { type: 'result'; id: number; result: FleetResult }
  | { type: 'error'; id: number; message: string }
  | { type: 'fatal'; message: string };
