import type { ServerSpec } from '../spec.js';
import { type UwsSpecOptions, uwsModelSpec } from '../uws/spec.js';
import { UWS_PROCS_ARGS_POLICY, UWS_PROCS_NAME } from './settings.js';

/**
 * uWebSockets.js in N processes sharing one port (SO_REUSEPORT among its own children): not capped by one
 * process's open-file limit. Available only when the native binary loads under this Node: never through
 * the package's pure-JS fallback.
 */
export function createUwsProcsSpec(specOptions: UwsSpecOptions = {}): ServerSpec {
  return uwsModelSpec(
    {
      name: UWS_PROCS_NAME,
      description: 'uWebSockets.js (native binary, no JS fallback) in N processes (default: CPU count), one App per process on a shared port',
      model: 'processes',
      entry: 'servers/uws-procs/main.js',
      policy: UWS_PROCS_ARGS_POLICY,
    },
    specOptions,
  );
}

/** The uws-procs spec with the binary matching this Node. */
export const uwsProcsSpec: ServerSpec = createUwsProcsSpec();
