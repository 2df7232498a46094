/**
 * The primary's half of GET /stats: a worker asks (stats-query), the primary asks every worker for its
 * counters at that moment (counters-query) and answers the asker once all have replied, or after
 * STATS_QUERY_TIMEOUT_MS with the last figures of those that did not (counted as stale).
 */
import { performance } from 'node:perf_hooks';
import type { PrimaryFigures, WorkerCounters } from './ipc.js';
import { STATS_QUERY_TIMEOUT_MS } from './settings.js';
import { type Slot, sendToWorker } from './slots.js';

/** A /stats request waiting for every worker's counters. */
interface PendingQuery {
  asker: Slot;
  id: number;
  missing: Set<number>;
  timer: NodeJS.Timeout;
}

export interface StatsGatherer {
  /** asker received GET /stats and asked with this id. */
  query(asker: Slot, id: number): void;
  /** from answered counters-query `query` with its counters. */
  counters(from: Slot, query: number, counters: WorkerCounters): void;
}

export function createStatsGatherer(slots: readonly Slot[]): StatsGatherer {
  let nextQuery = 1;
  const pending = new Map<number, PendingQuery>();
  const primaryFigures = createPrimaryFigures();

  const answer = (query: number): void => {
    const entry = pending.get(query);
    if (entry === undefined) return;
    pending.delete(query);
    clearTimeout(entry.timer);
    sendToWorker(entry.asker, {
      t: 'stats-answer',
      id: entry.id,
      workers: slots.map((slot) => slot.latest),
      stale: entry.missing.size,
      primary: primaryFigures(),
    });
  };

  return {
    query(asker, id) {
      const query = nextQuery++;
      const missing = new Set(slots.filter((s) => s.worker.isConnected()).map((s) => s.index));
      const timer = setTimeout(() => answer(query), STATS_QUERY_TIMEOUT_MS);
      pending.set(query, { asker, id, missing, timer });
      for (const s of slots) sendToWorker(s, { t: 'counters-query', query });
      if (missing.size === 0) answer(query);
    },
    counters(from, query, counters) {
      from.latest = counters;
      const entry = pending.get(query);
      if (entry === undefined) return;
      entry.missing.delete(from.index);
      if (entry.missing.size === 0) answer(query);
    },
  };
}

/** The primary's own figures; event-loop utilisation covers the time since the previous call. */
function createPrimaryFigures(): () => PrimaryFigures {
  let previousElu = performance.eventLoopUtilization();
  return () => {
    const elu = performance.eventLoopUtilization(previousElu);
    previousElu = performance.eventLoopUtilization();
    return { pid: process.pid, eventLoopUtilization: elu.utilization, rssBytes: process.memoryUsage.rss() };
  };
}
