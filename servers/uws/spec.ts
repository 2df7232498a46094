import { Op } from '../../protocol/wire.js';
import { toServerArgs } from '../common/args.js';
import { builtEntryAvailability, nodeEntryCommand } from '../node-entry.js';
import type { Availability, LaunchCommand, ServerSpec } from '../spec.js';
import { UWS_BINARY_ENV, uwsAvailability } from './native.js';
import { UWS_ARGS_POLICY, UWS_NAME } from './settings.js';

const ENTRY = 'servers/uws/main.js';

export interface UwsSpecOptions {
  /** Native binary to use instead of the one matching this Node (tests point it at a wrong path). */
  binaryPath?: string;
}

/**
 * uWebSockets.js on one Node thread. Available only when its native binary loads under this Node:
 * never through the package's pure-JS fallback (see native.ts).
 */
export function createUwsSpec(specOptions: UwsSpecOptions = {}): ServerSpec {
  const { binaryPath } = specOptions;
  return {
    name: UWS_NAME,
    description: 'uWebSockets.js (native binary, no JS fallback) on a single Node thread; /stats on the same port',
    model: 'event-loop',
    language: 'node',
    ops: [Op.ECHO, Op.WORK, Op.BROADCAST],
    availability: () => uwsEntryAvailability(ENTRY, binaryPath),
    command: (options) => uwsEntryCommand(ENTRY, toServerArgs(options, UWS_ARGS_POLICY), binaryPath),
  };
}

/** The uws spec with the binary matching this Node. */
export const uwsSpec: ServerSpec = createUwsSpec();

/**
 * Availability of a uWS server's compiled entry: the native binary must load first (its reason wins,
 * being the one to fix), then the entry must be built. Shared with uws-threads.
 */
export function uwsEntryAvailability(entry: string, binaryPath: string | undefined): Availability {
  const native = uwsAvailability(binaryPath);
  return native.available ? builtEntryAvailability(entry) : native;
}

/** `node <entry> ...args`, told which native binary to load when it is not the one matching this Node. */
export function uwsEntryCommand(entry: string, args: string[], binaryPath: string | undefined): LaunchCommand {
  return nodeEntryCommand(entry, args, binaryPath === undefined ? undefined : { [UWS_BINARY_ENV]: binaryPath });
}
