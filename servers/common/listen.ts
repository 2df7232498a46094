import type { Server } from 'node:net';
import { exitListenFailed, listenErrorMessage } from './listen-errors.js';
import { announceReady, type KnobValue } from './ready.js';

/**
 * Listens on host:port and, once the socket accepts connections, prints the ready line servers/launch.ts
 * waits for, with the real port (port 0 picks one). A failed listen prints why and exits
 * ServerExitCode.USAGE (listen-errors.ts). For every server whose listener is a Node server (node:http
 * fronts: the ws models and long-poll); uWS and the cluster workers listen their own way.
 */
export function listenAndAnnounce(server: Server, serverName: string, address: { host: string; port: number }, knobs: Record<string, KnobValue>): void {
  const { host, port } = address;
  server.once('error', (error: NodeJS.ErrnoException) => exitListenFailed(serverName, listenErrorMessage(host, port, error)));
  server.listen({ host, port }, () => {
    const bound = server.address();
    // listen() on a TCP host:port always yields an AddressInfo; a string would be a pipe path.
    if (bound === null || typeof bound === 'string') throw new Error(`${serverName}: listening on ${String(bound)}, not a TCP port`);
    announceReady(serverName, host, bound.port, knobs);
  });
}
