import { Op } from '../../protocol/wire.js';
import { toServerArgs } from '../common/args.js';
import { builtEntryAvailability, nodeEntryCommand } from '../node-entry.js';
import type { ServerSpec } from '../spec.js';
import { poolFlags, WS_PISCINA_ARGS_POLICY, WS_PISCINA_NAME, WS_PISCINA_SERVER_ARGS } from './settings.js';

const ENTRY = 'servers/ws-piscina/main.js';
/** The pool threads' task file; without it the server would start and fail every WORK. */
const TASK = 'servers/ws-piscina/work-task.js';

/** ws on the main event loop for I/O, ECHO, BROADCAST and /stats; WORK on a piscina worker_threads pool. */
export const wsPiscinaSpec: ServerSpec = {
  name: WS_PISCINA_NAME,
  description: 'ws (npm) on the main event loop; WORK runs on a piscina worker_threads pool (size --threads, default: CPU count)',
  model: 'thread-pool',
  language: 'node',
  ops: [Op.ECHO, Op.WORK, Op.BROADCAST],
  serverArgs: WS_PISCINA_SERVER_ARGS.map((arg) => ({ ...arg })),
  availability: () => {
    const task = builtEntryAvailability(TASK);
    return task.available ? builtEntryAvailability(ENTRY) : task;
  },
  // Pool size: the threads asked for, else the CPUs the server is pinned to, else the server decides
  // (os.availableParallelism(), which a taskset mask already narrows).
  command: (options) =>
    nodeEntryCommand(ENTRY, [
      ...toServerArgs({ ...options, threads: options.threads ?? options.cpuCount }, WS_PISCINA_ARGS_POLICY),
      ...poolFlags(options.serverArgs),
    ]),
};
