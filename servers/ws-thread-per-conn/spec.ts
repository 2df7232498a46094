import { Op } from '../../protocol/wire.js';
import { toServerArgs } from '../common/args.js';
import { builtEntryAvailability, nodeEntryCommand } from '../node-entry.js';
import type { ServerSpec } from '../spec.js';
import {
  WS_THREAD_PER_CONN_ARGS_POLICY,
  WS_THREAD_PER_CONN_NAME,
  toThreadPerConnArgs,
  type ThreadPerConnSettings,
} from './settings.js';

const ENTRY = 'servers/ws-thread-per-conn/main.js';
/** Every connection's thread runs this file; without it each connection would be closed with 1013. */
const CONN_WORKER = 'servers/ws-thread-per-conn/conn-worker.js';

/**
 * ws on the main thread for socket I/O; every connection gets its own worker_thread that handles its
 * messages. `settings` adds this server's own flags (tests set a thread cap or a tiny heap limit);
 * ServerOptions.threads does not apply: the thread count follows the connections.
 */
export function createWsThreadPerConnSpec(settings: Partial<ThreadPerConnSettings> = {}): ServerSpec {
  return {
    name: WS_THREAD_PER_CONN_NAME,
    description: 'ws (npm) on the main thread for socket I/O; one dedicated worker_thread per connection handles its messages',
    model: 'thread-per-connection',
    language: 'node',
    ops: [Op.ECHO, Op.WORK, Op.BROADCAST],
    availability: () => {
      const worker = builtEntryAvailability(CONN_WORKER);
      return worker.available ? builtEntryAvailability(ENTRY) : worker;
    },
    command: (options) =>
      nodeEntryCommand(ENTRY, [...toServerArgs(options, WS_THREAD_PER_CONN_ARGS_POLICY), ...toThreadPerConnArgs(settings)]),
  };
}

/** The registry's spec: no thread cap, default resource limits. */
export const wsThreadPerConnSpec: ServerSpec = createWsThreadPerConnSpec();
