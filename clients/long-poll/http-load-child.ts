/**
 * Entry of a long-poll client worker process (spawned by clients/long-poll/engine.ts with an IPC
 * channel). Same commands and messages as the WebSocket engine's workers (clients/load/load-ipc.ts):
 * init → start → report → exit.
 */
import { runWorkerEntry } from '../load/child-protocol.js';
import { LongPollWorker } from './http-load.js';

runWorkerEntry({
  processName: 'wsarena long-poll client worker',
  starter: 'the long-poll engine',
  createLoad: (plan, workerIndex, workers) => new LongPollWorker(plan, workerIndex, workers),
});
