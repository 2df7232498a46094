/**
 * Opening a worker's share of the connections (or long-poll sessions): at its share of the ramp rate,
 * or as fast as a bound on attempts in progress allows, with progress reported while it runs. Shared by
 * every client kind so a ramp means the same thing in every workload.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { monoUs } from './clock.js';

/** How often progress is reported while opening. */
export const PROGRESS_INTERVAL_MS = 200;

export interface RampOptions {
  /** Global connection indices to open, in order. */
  indices: readonly number[];
  /** This worker's attempts per second, or null for as fast as maxConcurrent allows. */
  ratePerSec: number | null;
  /** Attempts in progress at once (keeps SYN backlogs sane). */
  maxConcurrent: number;
  /** Called every PROGRESS_INTERVAL_MS while opening, and once at the end. */
  progress(): void;
}

/** Runs attempt(index) for each index; resolves once every attempt has settled. attempt must not reject. */
export async function rampAttempts(options: RampOptions, attempt: (index: number) => Promise<void>): Promise<void> {
  const { indices, ratePerSec, maxConcurrent } = options;
  const startedUs = monoUs();
  const inProgress = new Set<Promise<void>>();
  const ticker = setInterval(() => options.progress(), PROGRESS_INTERVAL_MS);
  try {
    for (let k = 0; k < indices.length; k++) {
      if (ratePerSec !== null) {
        // Absolute due times: a slow handshake delays one attempt, not all the ones after it.
        const waitMs = (startedUs + (k * 1e6) / ratePerSec - monoUs()) / 1000;
        if (waitMs >= 1) await sleep(waitMs);
      }
      while (inProgress.size >= maxConcurrent) await Promise.race(inProgress);
      const p: Promise<void> = attempt(indices[k]!).finally(() => inProgress.delete(p));
      inProgress.add(p);
    }
    await Promise.all(inProgress);
  } finally {
    clearInterval(ticker);
  }
  options.progress();
}

/** The source address of connection `index`: rotated over the list (docs/METHOD.md §7), or kernel-chosen. */
export function sourceAddressFor(addresses: readonly string[], index: number): string | undefined {
  return addresses.length > 0 ? addresses[index % addresses.length] : undefined;
}
