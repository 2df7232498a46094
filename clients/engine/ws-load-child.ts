/**
 * Entry of a client worker process (spawned by engine.ts with an IPC channel). Runs one LoadWorker and
 * follows the parent's commands: init → start → report → exit. Messages: clients/load/load-ipc.ts.
 */

import { runWorkerEntry } from '../load/child-protocol.js';
import { LoadWorker } from './ws-load.js';

runWorkerEntry({
  processName: 'wsarena client worker',
  starter: 'the engine',
  createLoad: (plan, workerIndex, workers) => new LoadWorker(plan, workerIndex, workers),
});
