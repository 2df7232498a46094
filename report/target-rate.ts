/**
 * Open-loop cells that kept up with their target rate. The load generator sends on a schedule, so a server
 * that keeps up replies at exactly the target: its msgs/s is the schedule, not the server, and two such servers
 * "tie" at the target whatever their capacity. Their figure is latency (docs/METHOD.md §2). Only an open-loop
 * cell that fell short of the target says something about throughput.
 */

/**
 * Achieved ≥ (1 − this) × target counts as "reached the target". Not 0: the measured window's edges cut a
 * few messages in flight (a server that keeps up measures 0.999–1.000 of the target), while a server that
 * cannot keep up falls behind by far more than 2% within seconds, as its queue grows without bound.
 */
export const TARGET_RATE_TOLERANCE = 0.02;

export interface RateFigures {
  mode: 'closed' | 'open';
  rateHz: number | null;
  msgsPerSec: number | null;
}

/** True for an open-loop run whose replies per second reached its target rate (within TARGET_RATE_TOLERANCE). */
export function reachedTargetRate(r: RateFigures): boolean {
  return r.mode === 'open' && r.rateHz !== null && r.rateHz > 0 && r.msgsPerSec !== null && r.msgsPerSec >= (1 - TARGET_RATE_TOLERANCE) * r.rateHz;
}
