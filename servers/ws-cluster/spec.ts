import { Op } from '../../protocol/wire.js';
import { toServerArgs } from '../common/args.js';
import { builtEntryAvailability, nodeEntryCommand } from '../node-entry.js';
import type { ServerSpec } from '../spec.js';
import { WS_CLUSTER_ARGS_POLICY, WS_CLUSTER_NAME } from './settings.js';

const ENTRY = 'servers/ws-cluster/main.js';

/** node:cluster: N worker processes, each a ws event loop, sharing one port through the primary. */
export const wsClusterSpec: ServerSpec = {
  name: WS_CLUSTER_NAME,
  description: 'node:cluster: N worker processes (default: CPU count), each ws on its own event loop, round-robin over one port',
  model: 'processes',
  language: 'node',
  ops: [Op.ECHO, Op.WORK, Op.BROADCAST],
  availability: () => builtEntryAvailability(ENTRY),
  // Workers = --threads, else the CPUs the server is pinned to; unset, the server uses its available parallelism.
  command: (options) => nodeEntryCommand(ENTRY, toServerArgs({ ...options, threads: options.threads ?? options.cpuCount }, WS_CLUSTER_ARGS_POLICY)),
};
