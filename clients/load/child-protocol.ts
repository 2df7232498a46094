/**
 * The child-process side of the engine ↔ worker protocol (load-ipc.ts): init → start → report → exit. Shared by
 * the WebSocket and long-poll client workers so both engines drive their workers the same way.
 */
import { fatalExit, requireIpcChannel } from '../process/child-ipc.js';
import type { LoadPlan } from '../types.js';
import type { ParentToWorker, PhaseTimes, WorkerReport, WorkerToParent } from './load-ipc.js';

/** What the entry needs from a worker's load (LoadWorker, LongPollWorker). */
export interface EntryLoad {
  tick: ((second: number, sent: number, received: number) => void) | null;
  connectAll(progress: (attempted: number, established: number) => void): Promise<void>;
  readonly attemptedCount: number;
  readonly establishedCount: number;
  start(times: PhaseTimes): void;
  report(): Promise<WorkerReport>;
  closeAll(): Promise<void>;
}

export interface WorkerEntryOptions {
  /** Prefix of the usage error, e.g. "wsarena client worker". */
  processName: string;
  /** Who must start this process, for the usage error, e.g. "the engine". */
  starter: string;
  createLoad(plan: LoadPlan, workerIndex: number, workers: number): EntryLoad;
}

/** Runs this process as a client worker: follows the parent's commands until exit or disconnect. */
export function runWorkerEntry(options: WorkerEntryOptions): void {
  requireIpcChannel(options.processName, options.starter);

  function send(msg: WorkerToParent): void {
    process.send!(msg);
  }

  const fatal = fatalExit();

  let load: EntryLoad | null = null;

  async function handle(msg: ParentToWorker): Promise<void> {
    switch (msg.type) {
      case 'init': {
        const l = options.createLoad(msg.plan, msg.workerIndex, msg.workers);
        load = l;
        l.tick = (second, sent, received) => send({ type: 'tick', second, sent, received });
        await l.connectAll((attempted, established) => send({ type: 'progress', attempted, established }));
        send({ type: 'connected', attempted: l.attemptedCount, established: l.establishedCount });
        return;
      }
      case 'start':
        requireLoad().start(msg.times);
        return;
      case 'report':
        send({ type: 'report', report: await requireLoad().report() });
        return;
      case 'exit':
        await load?.closeAll();
        process.exit(0);
    }
  }

  function requireLoad(): EntryLoad {
    if (load === null) throw new Error('command received before init');
    return load;
  }

  process.on('message', (msg: ParentToWorker) => {
    handle(msg).catch(fatal);
  });
  // The parent is gone (crashed, killed, or done without saying exit): never outlive it.
  process.on('disconnect', () => process.exit(0));
  process.on('uncaughtException', fatal);
}
