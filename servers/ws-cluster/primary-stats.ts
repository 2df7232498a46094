/**
 * The ws-cluster primary's half of GET /stats: the shared gatherer (common/stats-gather.ts) over the
 * cluster's own messages (counters-query, stats-answer).
 */
import { createStatsGatherer as gatherOver, type StatsGatherer } from '../common/stats-gather.js';
import type { WorkerCounters } from './ipc.js';
import { STATS_QUERY_TIMEOUT_MS } from './settings.js';
import { type Slot, sendToWorker } from './slots.js';

export function createStatsGatherer(slots: readonly Slot[]): StatsGatherer<Slot, WorkerCounters> {
  return gatherOver<WorkerCounters, Slot>(slots, {
    timeoutMs: STATS_QUERY_TIMEOUT_MS,
    connected: (slot) => slot.worker.isConnected(),
    askCounters: (slot, query) => sendToWorker(slot, { t: 'counters-query', query }),
    answer: (asker, id, workers, stale, primary) => sendToWorker(asker, { t: 'stats-answer', id, workers, stale, primary }),
  });
}
