import { Op } from '../../protocol/wire.js';
import { toServerArgs } from '../common/args.js';
import type { ServerSpec } from '../spec.js';
import { uwsEntryAvailability, uwsEntryCommand } from '../uws/spec.js';
import { UWS_THREADS_ARGS_POLICY, UWS_THREADS_NAME } from './settings.js';

const ENTRY = 'servers/uws-threads/main.js';

export interface UwsThreadsSpecOptions {
  /** Native binary to use instead of the one matching this Node (tests point it at a wrong path). */
  binaryPath?: string;
}

/**
 * uWebSockets.js in N worker threads sharing one port (SO_REUSEPORT among its own threads). Available only
 * when the native binary loads under this Node: never through the package's pure-JS fallback.
 */
export function createUwsThreadsSpec(specOptions: UwsThreadsSpecOptions = {}): ServerSpec {
  const { binaryPath } = specOptions;
  return {
    name: UWS_THREADS_NAME,
    description: 'uWebSockets.js (native binary, no JS fallback) in N worker threads (default: CPU count), one App per thread on a shared port',
    model: 'threads',
    language: 'node',
    ops: [Op.ECHO, Op.WORK, Op.BROADCAST],
    availability: () => uwsEntryAvailability(ENTRY, binaryPath),
    // Threads = --threads, else the CPUs the server is pinned to; unset, the server uses its available parallelism.
    command: (options) =>
      uwsEntryCommand(ENTRY, toServerArgs({ ...options, threads: options.threads ?? options.cpuCount }, UWS_THREADS_ARGS_POLICY), binaryPath),
  };
}

/** The uws-threads spec with the binary matching this Node. */
export const uwsThreadsSpec: ServerSpec = createUwsThreadsSpec();
