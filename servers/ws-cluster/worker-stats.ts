/**
 * GET /stats in a ws-cluster worker. The answer covers every worker, so the worker that gets the request
 * asks the primary, which collects every worker's counters (primary-stats.ts) and sends them back here.
 */
import type { ServerResponse } from 'node:http';
import { createStatsRecorder } from '../common/stats.js';
import { type ChildNaming, gatheredSnapshot } from '../common/stats-gather.js';
import { sendJson } from '../common/ws-http.js';
import { type PrimaryFigures, sendToPrimary, type WorkerCounters } from './ipc.js';
import { STARTED_AT_ENV, WS_CLUSTER_NAME } from './settings.js';

export interface WorkerStats {
  /** The StatsResponder of this worker's http front: asks the primary for every worker's counters. */
  query(response: ServerResponse): void;
  /** The primary's stats-answer for query id: answers the request that asked. */
  answer(id: number, workers: WorkerCounters[], stale: number, primary: PrimaryFigures): void;
  /** Stops the event-loop monitor (at shutdown). */
  stop(): void;
}

/** extra's names for the workers. */
const WORKER_NAMING: ChildNaming = { count: 'workers', list: 'perWorker', answeredBy: 'statsWorker', stale: 'staleWorkers' };

/** workerIndex: this worker's index (0..N-1), named in extra.statsWorker. */
export function createWorkerStats(workerIndex: number): WorkerStats {
  const recorder = createStatsRecorder(WS_CLUSTER_NAME);
  const startedAtMs = Number(process.env[STARTED_AT_ENV] ?? Date.now());
  let nextId = 1;
  const waiting = new Map<number, ServerResponse>();

  function query(response: ServerResponse): void {
    const id = nextId++;
    waiting.set(id, response);
    response.once('close', () => waiting.delete(id));
    if (!sendToPrimary({ t: 'stats-query', id }) && !process.connected) {
      waiting.delete(id);
      response.writeHead(503, { 'Content-Type': 'text/plain' });
      response.end('server shutting down\n');
    }
  }

  function answer(id: number, workers: WorkerCounters[], stale: number, primary: PrimaryFigures): void {
    const response = waiting.get(id);
    if (response === undefined) return;
    waiting.delete(id);
    const framingErrors = workers.reduce((sum, w) => sum + w.framingErrors, 0);
    const snapshot = gatheredSnapshot(recorder, WORKER_NAMING, workerIndex, { children: workers, stale, primary }, { framingErrors }, startedAtMs);
    sendJson(response, snapshot);
  }

  return { query, answer, stop: () => recorder.stop() };
}
