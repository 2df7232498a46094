import { Op } from '../../protocol/wire.js';
import { toServerArgs } from '../common/args.js';
import { builtEntryAvailability, nodeEntryCommand } from '../node-entry.js';
import type { ServerSpec } from '../spec.js';
import { WS_LOOP_ARGS_POLICY, WS_LOOP_NAME } from './settings.js';

const ENTRY = 'servers/ws-loop/main.js';

/** The `ws` package on one Node event loop; node:http on the same port serves /stats. */
export const wsLoopSpec: ServerSpec = {
  name: WS_LOOP_NAME,
  description: 'ws (npm) on a single Node event loop; node:http serves /stats on the same port',
  model: 'event-loop',
  language: 'node',
  ops: [Op.ECHO, Op.WORK, Op.BROADCAST],
  availability: () => builtEntryAvailability(ENTRY),
  command: (options) => nodeEntryCommand(ENTRY, toServerArgs(options, WS_LOOP_ARGS_POLICY)),
};
