/**
 * GET /stats in a uws-procs child. The answer covers every process, so the child that gets the request asks
 * the primary, which collects every child's counters (common/stats-gather.ts) and sends them back here.
 */
import { createStatsRecorder } from '../common/stats.js';
import { type ChildNaming, gatheredSnapshot, type PrimaryFigures } from '../common/stats-gather.js';
import { type ProcessCounters, sendToPrimary } from './ipc.js';
import { STARTED_AT_ENV, UWS_PROCS_NAME } from './settings.js';

export interface ChildStats {
  /** For mountStatsLater: asks the primary, replies once every process's counters are in. */
  ask(reply: (body: unknown) => void): void;
  /** The primary's stats-answer for query id. */
  answer(id: number, processes: ProcessCounters[], stale: number, primary: PrimaryFigures): void;
  /** Stops the event-loop monitor (at shutdown). */
  stop(): void;
}

/** extra's names for the children, the way uws-threads names its threads (threads, perThread, statsThread). */
const PROCESS_NAMING: ChildNaming = { count: 'processes', list: 'perProcess', answeredBy: 'statsProcess', stale: 'staleProcesses' };

/** index: this child's index, named in extra.statsProcess. */
export function createChildStats(index: number): ChildStats {
  const recorder = createStatsRecorder(UWS_PROCS_NAME);
  const startedAtMs = Number(process.env[STARTED_AT_ENV] ?? Date.now());
  const replies = new Map<number, (body: unknown) => void>();
  let lastId = 0;

  return {
    ask(reply) {
      lastId++;
      replies.set(lastId, reply);
      // No primary means this child is exiting (disconnect): the request dies with it.
      sendToPrimary({ t: 'stats-query', id: lastId });
    },
    answer(id, processes, stale, primary) {
      const reply = replies.get(id);
      replies.delete(id);
      if (reply === undefined) return;
      const sendDrops = processes.reduce((sum, p) => sum + p.sendDrops, 0);
      const snapshot = gatheredSnapshot(recorder, PROCESS_NAMING, index, { children: processes, stale, primary }, { sendDrops }, startedAtMs);
      reply(snapshot);
    },
    stop: () => recorder.stop(),
  };
}
