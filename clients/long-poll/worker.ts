/**
 * Entry of a long-poll client worker process (spawned by clients/long-poll/engine.ts with an IPC
 * channel). Same commands and messages as the WebSocket engine's workers (clients/ipc.ts):
 * init → start → report → exit.
 */
import type { ParentToWorker, WorkerToParent } from '../ipc.js';
import { LongPollWorker } from './load-worker.js';

if (typeof process.send !== 'function') {
  process.stderr.write('wsarena long-poll client worker: must be started by the long-poll engine with an IPC channel\n');
  process.exit(2);
}

function send(msg: WorkerToParent): void {
  process.send!(msg);
}

let failing = false;

function fatal(err: unknown): void {
  if (failing) return;
  failing = true;
  const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
  process.send!({ type: 'fatal', message } satisfies WorkerToParent, undefined, undefined, () => process.exit(1));
  setTimeout(() => process.exit(1), 1000).unref();
}

let worker: LongPollWorker | null = null;

async function handle(msg: ParentToWorker): Promise<void> {
  switch (msg.type) {
    case 'init': {
      const w = new LongPollWorker(msg.plan, msg.workerIndex, msg.workers);
      worker = w;
      w.tick = (second, sent, received) => send({ type: 'tick', second, sent, received });
      await w.connectAll((attempted, established) => send({ type: 'progress', attempted, established }));
      send({ type: 'connected', attempted: w.attemptedCount, established: w.establishedCount });
      return;
    }
    case 'start':
      requireWorker().start(msg.times);
      return;
    case 'report':
      send({ type: 'report', report: await requireWorker().report() });
      return;
    case 'exit':
      await worker?.closeAll();
      process.exit(0);
  }
}

function requireWorker(): LongPollWorker {
  if (worker === null) throw new Error('command received before init');
  return worker;
}

process.on('message', (msg: ParentToWorker) => {
  handle(msg).catch(fatal);
});
// The parent is gone (crashed, killed, or done without saying exit): never outlive it.
process.on('disconnect', () => process.exit(0));
process.on('uncaughtException', fatal);
