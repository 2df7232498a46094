import type { ServerSpec } from '../spec.js';
import { type UwsSpecOptions, uwsModelSpec } from '../uws/spec.js';
import { UWS_THREADS_ARGS_POLICY, UWS_THREADS_NAME } from './settings.js';

/**
 * uWebSockets.js in N worker threads sharing one port (SO_REUSEPORT among its own threads). Available only
 * when the native binary loads under this Node: never through the package's pure-JS fallback.
 */
export function createUwsThreadsSpec(specOptions: UwsSpecOptions = {}): ServerSpec {
  return uwsModelSpec(
    {
      name: UWS_THREADS_NAME,
      description: 'uWebSockets.js (native binary, no JS fallback) in N worker threads (default: CPU count), one App per thread on a shared port',
      model: 'threads',
      entry: 'servers/uws-threads/main.js',
      policy: UWS_THREADS_ARGS_POLICY,
    },
    specOptions,
  );
}

/** The uws-threads spec with the binary matching this Node. */
export const uwsThreadsSpec: ServerSpec = createUwsThreadsSpec();
