/**
 * Server name → ServerSpec. The runner and the CLI see servers only through this map. To add a server
 * model, create servers/<name>/spec.ts exporting its ServerSpec and add one line to SERVERS.
 */
import { UnknownServerError } from './errors.js';
import { goGoroutines } from './go-goroutines/spec.js';
import { goOsThreads } from './go-os-threads/spec.js';
import { javaThreadsSpec, javaVirtualThreadsSpec } from './java-threads/spec.js';
import { renamedServer } from './legacy-names.js';
import { longPollSpec } from './long-poll/spec.js';
import type { ServerSpec } from './spec.js';
import { uwsSpec } from './uws/spec.js';
import { uwsProcsSpec } from './uws-procs/spec.js';
import { uwsThreadsSpec } from './uws-threads/spec.js';
import { wsClusterSpec } from './ws-cluster/spec.js';
import { wsLoopSpec } from './ws-loop/spec.js';
import { wsPiscinaSpec } from './ws-piscina/spec.js';
import { wsWorkerPerConnSpec } from './ws-worker-per-conn/spec.js';

export { UnknownServerError } from './errors.js';

/** Every server model, keyed by name; insertion order is the display order. */
export const SERVERS: Record<string, ServerSpec> = {
  [wsLoopSpec.name]: wsLoopSpec,
  [uwsSpec.name]: uwsSpec,
  [wsClusterSpec.name]: wsClusterSpec,
  [uwsThreadsSpec.name]: uwsThreadsSpec,
  [uwsProcsSpec.name]: uwsProcsSpec,
  [wsPiscinaSpec.name]: wsPiscinaSpec,
  [wsWorkerPerConnSpec.name]: wsWorkerPerConnSpec,
  [goGoroutines.name]: goGoroutines,
  [goOsThreads.name]: goOsThreads,
  [javaThreadsSpec.name]: javaThreadsSpec,
  [javaVirtualThreadsSpec.name]: javaVirtualThreadsSpec,
  [longPollSpec.name]: longPollSpec,
};

/**
 * The spec named `name`; throws UnknownServerError (code UNKNOWN_SERVER) listing the known names, and
 * naming the new name when `name` is an old one (servers/legacy-names.ts).
 */
export function getServer(name: string): ServerSpec {
  // Own keys only: "constructor" or "toString" must not resolve to Object.prototype members.
  const spec = Object.hasOwn(SERVERS, name) ? SERVERS[name] : undefined;
  if (spec === undefined) throw new UnknownServerError(name, Object.keys(SERVERS), renamedServer(name));
  return spec;
}

/** Every registered spec, available or not (call availability() to know). */
export function listServers(): ServerSpec[] {
  return Object.values(SERVERS);
}
