/**
 * GET /stats in a ws-cluster worker. The answer covers every worker, so the worker that gets the request
 * asks the primary, which collects every worker's counters (primary-stats.ts) and sends them back here.
 */
import type { ServerResponse } from 'node:http';
import { sumCounters } from '../common/counters.js';
import { createStatsRecorder } from '../common/stats.js';
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

/** workerIndex: this worker's index (0..N-1), named in extra.statsWorker. */
export function createWorkerStats(workerIndex: number): WorkerStats {
  const recorder = createStatsRecorder(WS_CLUSTER_NAME);
  const startedAtMs = Number(process.env[STARTED_AT_ENV] ?? Date.now());
  // The server's pid is the primary's: the launcher started it and /stats must name it.
  const serverPid = process.ppid;
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
    const snapshot = recorder.snapshot(sumCounters(workers), {
      framingErrors: workers.reduce((sum, w) => sum + w.framingErrors, 0),
      workers: workers.length,
      perWorker: workers,
      statsWorker: workerIndex,
      staleWorkers: stale,
      primary,
    });
    snapshot.pid = serverPid;
    snapshot.uptimeMs = Date.now() - startedAtMs;
    sendJson(response, snapshot);
  }

  return { query, answer, stop: () => recorder.stop() };
}
