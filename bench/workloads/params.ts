/**
 * Parameters of the connection workloads (idle, broadcast, storm, backpressure) and the payload sweep
 * (sizes), with their defaults. A RunRequest carries only what the user set (`workloadParams`); every
 * reader goes through resolveWorkloadParams so the defaults live here once.
 */

export interface WorkloadParams {
  /** TCP connect + upgrade limit per connection. Generous: a 19k ramp queues SYNs. */
  handshakeTimeoutMs: number;
  /** idle: the ramp to N is done in this many equal steps. */
  steps: number;
  /** idle: hold after every step but the last before sampling. */
  holdMs: number;
  /** idle: hold after the last step (e.g. 60 s for the ≥19k target). */
  finalHoldMs: number;
  /** idle (and any fleet workload): liveness ping per connection every this many ms; null = no pings. */
  pingIntervalMs: number | null;
  /** broadcast: publishes per second by the one publisher. */
  publishRateHz: number;
  /** storm: open-and-close rounds. */
  rounds: number;
  /** storm: after closing a round, wait up to this long for the server's fds to come back. */
  settleMs: number;
  /** storm: fds within baseline + this after the last round count as "near baseline". */
  fdTolerance: number;
  /** backpressure: share of connections that stop reading. */
  slowFraction: number;
  /** backpressure: ECHO payload each slow reader sends (its replies pile up in the server). */
  slowPayloadBytes: number;
  /** backpressure: ECHO requests per second per slow reader. */
  slowRateHz: number;
  /** backpressure: after the window, how long slow readers get to drain their replies. */
  resumeWaitMs: number;
  /** backpressure: a slow reader skips sends while its own unsent bytes exceed this (server stopped reading). */
  slowSendBufferCapBytes: number;
  /** sizes: ECHO payload sizes to sweep, bytes after the 16-byte header; one cell per size. */
  sizes: number[];
}

export const DEFAULT_WORKLOAD_PARAMS: WorkloadParams = {
  handshakeTimeoutMs: 30_000,
  steps: 5,
  holdMs: 2_000,
  finalHoldMs: 2_000,
  pingIntervalMs: 1_000,
  publishRateHz: 10,
  rounds: 3,
  settleMs: 3_000,
  fdTolerance: 10,
  slowFraction: 0.1,
  slowPayloadBytes: 64 * 1024,
  slowRateHz: 20,
  resumeWaitMs: 5_000,
  slowSendBufferCapBytes: 4 * 1024 * 1024,
  sizes: [16, 256, 4096, 65536],
};

export function resolveWorkloadParams(given: Partial<WorkloadParams> | undefined): WorkloadParams {
  const out: WorkloadParams = { ...DEFAULT_WORKLOAD_PARAMS };
  for (const [k, v] of Object.entries(given ?? {})) if (v !== undefined) (out as unknown as Record<string, unknown>)[k] = v;
  return out;
}
