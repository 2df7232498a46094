import { performance } from 'node:perf_hooks';

/** How often and how long to block the event loop; see ServerOptions.stall. */
export interface StallPlan {
  everyMs: number;
  durationMs: number;
}

/**
 * Test mode only: blocks the event loop on purpose, busy-waiting durationMs every everyMs, so a test can
 * prove that the load generator's coordinated-omission correction sees the stall. Never used in a
 * benchmark. Returns a function that stops the stalls.
 */
export function startStall(plan: StallPlan): () => void {
  const timer = setInterval(() => busyWaitMs(plan.durationMs), plan.everyMs);
  // The stall must never be the thing that keeps a shutting-down server alive.
  timer.unref();
  return () => clearInterval(timer);
}

/** Spins on the CPU for durationMs; sleeping would let the event loop run, which defeats the point. */
export function busyWaitMs(durationMs: number): void {
  const endMs = performance.now() + durationMs;
  while (performance.now() < endMs) {
    // spin
  }
}
