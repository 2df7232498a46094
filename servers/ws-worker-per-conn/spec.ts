import { Op } from '../../protocol/wire.js';
import { toServerArgs } from '../common/args.js';
import { builtEntryAvailability, nodeEntryCommand } from '../node-entry.js';
import type { ServerSpec } from '../spec.js';
import { toWorkerPerConnArgs, type WorkerPerConnSettings, WS_WORKER_PER_CONN_ARGS_POLICY, WS_WORKER_PER_CONN_NAME } from './settings.js';

const ENTRY = 'servers/ws-worker-per-conn/main.js';
/** Every connection's thread runs this file; without it each connection would be closed with 1013. */
const CONN_WORKER = 'servers/ws-worker-per-conn/conn-worker.js';

/**
 * ws on the main thread for socket I/O; every connection gets its own worker_thread (a whole V8 isolate,
 * megabytes each; not a bare OS thread) that handles its messages. `settings` adds this server's own
 * flags (tests set a thread cap or a tiny heap limit); ServerOptions.threads does not apply: the thread
 * count follows the connections.
 */
export function createWsWorkerPerConnSpec(settings: Partial<WorkerPerConnSettings> = {}): ServerSpec {
  return {
    name: WS_WORKER_PER_CONN_NAME,
    description: 'ws (npm) on the main thread for socket I/O; one dedicated worker_thread (a V8 isolate of its own) per connection handles its messages',
    model: 'worker-per-connection',
    language: 'node',
    ops: [Op.ECHO, Op.WORK, Op.BROADCAST],
    availability: () => {
      const worker = builtEntryAvailability(CONN_WORKER);
      return worker.available ? builtEntryAvailability(ENTRY) : worker;
    },
    command: (options) => nodeEntryCommand(ENTRY, [...toServerArgs(options, WS_WORKER_PER_CONN_ARGS_POLICY), ...toWorkerPerConnArgs(settings)]),
  };
}

/** The registry's spec: no thread cap, default resource limits. */
export const wsWorkerPerConnSpec: ServerSpec = createWsWorkerPerConnSpec();
