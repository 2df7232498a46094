import { type EventLoopUtilization, type IntervalHistogram, monitorEventLoopDelay, performance } from 'node:perf_hooks';
import type { Percentiles, StatsSnapshot } from '../../protocol/wire.js';
import type { Counters } from './counters.js';

/**
 * Sampling period of the event-loop delay monitor. 10 ms is Node's default: fine enough to see any
 * stall a benchmark cares about, coarse enough that the monitor's own timer costs the server nothing
 * measurable.
 */
export const EVENT_LOOP_DELAY_RESOLUTION_MS = 10;

const NS_PER_MS = 1e6;

/** Builds StatsSnapshots for one server process. */
export interface StatsRecorder {
  /**
   * The GET /stats body. Event-loop delay percentiles and utilisation cover the time since the previous
   * call (or since the recorder was created), so a caller that reads /stats at the start and at the end
   * of a measured window gets figures for exactly that window.
   */
  snapshot(counters: Counters, extra?: Record<string, unknown>): StatsSnapshot;
  /** Stops the event-loop delay monitor (its timer would otherwise keep sampling during shutdown). */
  stop(): void;
}

/** Starts the event-loop monitors for a server named `server`; call once per process. */
export function createStatsRecorder(server: string): StatsRecorder {
  const delay = monitorEventLoopDelay({ resolution: EVENT_LOOP_DELAY_RESOLUTION_MS });
  delay.enable();
  let previousElu: EventLoopUtilization = performance.eventLoopUtilization();

  return {
    snapshot(counters, extra) {
      const elu = performance.eventLoopUtilization(previousElu);
      previousElu = performance.eventLoopUtilization();
      const eventLoopDelayMs = delayPercentilesMs(delay);
      delay.reset();
      const memory = process.memoryUsage();
      const snapshot: StatsSnapshot = {
        server,
        pid: process.pid,
        // process.uptime() is process-wide, also inside worker threads: every thread reports the same clock.
        uptimeMs: Math.round(process.uptime() * 1000),
        openConnections: counters.openConnections,
        messagesHandled: counters.messagesHandled,
        broadcastDeliveries: counters.broadcastDeliveries,
        protocolCloses: counters.protocolCloses,
        node: {
          eventLoopDelayMs,
          eventLoopUtilization: elu.utilization,
          heapUsedBytes: memory.heapUsed,
          heapTotalBytes: memory.heapTotal,
          externalBytes: memory.external,
          rssBytes: memory.rss,
        },
      };
      if (extra !== undefined) snapshot.extra = extra;
      return snapshot;
    },
    stop() {
      delay.disable();
    },
  };
}

/**
 * The monitor records the whole interval between its timer's runs, so an idle loop reads ~10 ms (the
 * resolution), not 0. Subtracting the resolution leaves the delay proper: how late the loop was.
 */
function delayPercentilesMs(histogram: IntervalHistogram): Percentiles {
  // An empty histogram reports min/max as sentinels and mean as NaN, which JSON turns into garbage.
  if (histogram.count === 0) return { p50: 0, p90: 0, p99: 0, max: 0, mean: 0 };
  // Rounded to the microsecond: the subtraction leaves float noise in the last digits.
  const lateMs = (intervalNs: number): number => Math.round(Math.max(0, intervalNs / NS_PER_MS - EVENT_LOOP_DELAY_RESOLUTION_MS) * 1000) / 1000;
  return {
    p50: lateMs(histogram.percentile(50)),
    p90: lateMs(histogram.percentile(90)),
    p99: lateMs(histogram.percentile(99)),
    max: lateMs(histogram.max),
    mean: lateMs(histogram.mean),
  };
}
