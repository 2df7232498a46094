/**
 * Timers for long runs. Node's setTimeout takes at most 2³¹−1 ms (~24.8 days); a longer delay fires after
 * 1 ms. These chain timeouts of at most that length towards an absolute CLOCK_MONOTONIC instant, so a
 * timer is right whatever the distance (and re-checks the clock, so it never fires early).
 */
import { monoUs } from './clock.js';

/** The longest delay setTimeout honours. */
export const MAX_TIMEOUT_MS = 2 ** 31 - 1;

export interface LongTimer {
  clear(): void;
}

/** Calls fn at the absolute instant (CLOCK_MONOTONIC µs), or at once when it has passed. */
export function atMonoUs(instantUs: number, fn: () => void, now: () => number = monoUs): LongTimer {
  let timer: NodeJS.Timeout | null = null;
  const arm = (): void => {
    const ms = Math.max(0, (instantUs - now()) / 1000);
    if (ms > MAX_TIMEOUT_MS) {
      timer = setTimeout(arm, MAX_TIMEOUT_MS);
      return;
    }
    timer = setTimeout(() => {
      timer = null;
      fn();
    }, ms);
  };
  arm();
  return {
    clear() {
      if (timer !== null) clearTimeout(timer);
      timer = null;
    },
  };
}

/** Calls fn after ms milliseconds, any length. */
export function afterMs(ms: number, fn: () => void): LongTimer {
  return atMonoUs(monoUs() + Math.max(0, ms) * 1000, fn);
}

/** Resolves at the absolute instant (CLOCK_MONOTONIC µs). */
export function sleepUntilUs(instantUs: number, timers?: LongTimer[]): Promise<void> {
  return new Promise((resolve) => {
    const t = atMonoUs(instantUs, resolve);
    timers?.push(t);
  });
}
