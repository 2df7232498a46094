/**
 * Entry of a client worker process (spawned by engine.ts with an IPC channel). Runs one LoadWorker and
 * follows the parent's commands: init → start → report → exit. See ipc.ts for the messages.
 */
import { LoadWorker } from './load-worker.js';
import { runWorkerEntry } from './worker-entry.js';

runWorkerEntry({
  processName: 'wsarena client worker',
  starter: 'the engine',
  createLoad: (plan, workerIndex, workers) => new LoadWorker(plan, workerIndex, workers),
});
