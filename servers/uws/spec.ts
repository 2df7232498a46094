import { Op } from '../../protocol/wire.js';
import { toServerArgs } from '../common/args.js';
import { builtEntryAvailability, nodeEntryCommand } from '../node-entry.js';
import type { ServerSpec } from '../spec.js';
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
    availability: () => {
      const native = uwsAvailability(binaryPath);
      return native.available ? builtEntryAvailability(ENTRY) : native;
    },
    command: (options) =>
      nodeEntryCommand(
        ENTRY,
        toServerArgs(options, UWS_ARGS_POLICY),
        binaryPath === undefined ? undefined : { [UWS_BINARY_ENV]: binaryPath },
      ),
  };
}

/** The uws spec with the binary matching this Node. */
export const uwsSpec: ServerSpec = createUwsSpec();
