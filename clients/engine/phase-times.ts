/**
 * When the engine's phases begin. Alone, a run starts its warmup a short margin after the last connection is
 * up. Agents of a split plan (`wsarena run --segment i/N --start-at T`, bench/segment-run.ts) must begin their
 * measured windows at one agreed wall-clock instant instead, so the merged timeline lines up second by second:
 * the warmup then starts that instant minus the warmup, or as soon as possible when the connections took longer.
 */
import type { PhaseTimes } from '../load/load-ipc.js';
import type { LoadPlan } from '../types.js';

/** Lead time between the start command and the first send, so every worker has it before the instant. */
export const START_MARGIN_MS = 100;

export interface PhaseClock {
  /** CLOCK_MONOTONIC now, µs (clients/clock.ts monoUs). */
  nowMonoUs: number;
  /** Wall clock now, ms since the epoch (the same instant). */
  nowWallMs: number;
}

/**
 * The phase instants on the monotonic clock. measureStartWallMs (ms since the epoch, or null) is the agreed
 * start of the measured window; a start already past (the connections took longer) begins the warmup after
 * the margin, and the agent's record then shows how late its window began.
 */
export function phaseTimes(
  plan: Pick<LoadPlan, 'warmupMs' | 'durationMs' | 'drainMs'>,
  clock: PhaseClock,
  measureStartWallMs: number | null = null,
): PhaseTimes {
  const earliestUs = clock.nowMonoUs + START_MARGIN_MS * 1000;
  const agreedUs = measureStartWallMs === null ? null : clock.nowMonoUs + (measureStartWallMs - clock.nowWallMs) * 1000 - plan.warmupMs * 1000;
  const startUs = agreedUs === null ? earliestUs : Math.max(earliestUs, agreedUs);
  return {
    warmupStartUs: startUs,
    measureStartUs: startUs + plan.warmupMs * 1000,
    measureEndUs: startUs + (plan.warmupMs + plan.durationMs) * 1000,
    drainEndUs: startUs + (plan.warmupMs + plan.durationMs + plan.drainMs) * 1000,
  };
}
