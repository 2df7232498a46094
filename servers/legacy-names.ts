/**
 * Server names that were changed, old → current. The one place that knows them:
 * - results/reader.ts reads a result file's cells under the current name (server and the id prefix),
 *   so `report` and `compare` pool files written before a rename with files written after it as one
 *   server. Result files themselves are never rewritten; they keep the name they were run under.
 * - servers/registry.ts getServer() refuses an old name (UNKNOWN_SERVER, exit 2) and names the new one.
 */
export const LEGACY_SERVER_NAMES: Readonly<Record<string, string>> = Object.freeze({
  // A Node worker_thread is a whole V8 isolate per connection, not an OS thread per connection.
  'ws-thread-per-conn': 'ws-worker-per-conn',
});

/** The current name of a server that was renamed; null for any other name. */
export function renamedServer(name: string): string | null {
  return Object.hasOwn(LEGACY_SERVER_NAMES, name) ? LEGACY_SERVER_NAMES[name]! : null;
}

/** `name`, or its current name when it is an old one. */
export function currentServerName(name: string): string {
  return renamedServer(name) ?? name;
}
