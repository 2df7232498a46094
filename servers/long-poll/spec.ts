import { Op } from '../../protocol/wire.js';
import { toServerArgs } from '../common/args.js';
import { builtEntryAvailability, nodeEntryCommand } from '../node-entry.js';
import type { ServerSpec } from '../spec.js';
import { LONG_POLL_ARGS_POLICY, LONG_POLL_NAME } from './settings.js';

const ENTRY = 'servers/long-poll/main.js';

/** The HTTP baseline: the contract over long polling on node:http, one event loop. Not a WebSocket server. */
export const longPollSpec: ServerSpec = {
  name: LONG_POLL_NAME,
  description: 'HTTP long polling on node:http (one event loop): POST /send + GET /poll; the pre-WebSocket way to push',
  model: 'long-poll',
  language: 'node',
  transport: 'http-long-poll',
  ops: [Op.ECHO, Op.WORK, Op.BROADCAST],
  availability: () => builtEntryAvailability(ENTRY),
  command: (options) => nodeEntryCommand(ENTRY, toServerArgs(options, LONG_POLL_ARGS_POLICY)),
};
