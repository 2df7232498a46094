/**
 * Event-loop delay of a client process, from perf_hooks.monitorEventLoopDelay.
 *
 * On Node 20 the histogram holds the whole interval between samples — an idle loop sampled every 10 ms
 * reports ~10.1 ms — so the sampling resolution is subtracted to leave the delay itself.
 */
import { type IntervalHistogram, monitorEventLoopDelay } from 'node:perf_hooks';

/** Sampling interval, ms: fine enough for a p99 over a few seconds, cheap enough to leave on. */
const RESOLUTION_MS = 10;

export class LoopDelayMonitor {
  private readonly h: IntervalHistogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });

  enable(): void {
    this.h.enable();
  }

  disable(): void {
    this.h.disable();
  }

  /** p99 delay beyond the sampling interval, ms (3 decimals); 0 without samples. */
  p99Ms(): number {
    if (this.h.count === 0) return 0;
    const ms = this.h.percentile(99) / 1e6 - RESOLUTION_MS;
    return Math.max(0, Math.round(ms * 1000) / 1000);
  }
}
