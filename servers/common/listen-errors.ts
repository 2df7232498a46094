import { createServer } from 'node:net';
import { ServerExitCode } from './exit-codes.js';

/**
 * Messages a server prints on stderr when it cannot listen. The launcher recognises the port-in-use one
 * and turns it into a coded error, so both sides build it with the same function.
 */

/** Exit code of a server that could not listen: bad input (the host or port it was given), as for usage errors. */
export const LISTEN_FAILED_EXIT_CODE = ServerExitCode.USAGE;

/** The exact stderr message for a taken port. */
export function portInUseMessage(host: string, port: number): string {
  return `port ${port} on ${host} is already in use`;
}

/** Finds a portInUseMessage in text (a stderr tail); returns it, or null. */
export function findPortInUseMessage(text: string): string | null {
  const match = /port \d+ on \S+ is already in use/.exec(text);
  return match === null ? null : match[0];
}

/** What a server prints when a Node listen on host:port fails: portInUseMessage for EADDRINUSE, else the cause. */
export function listenErrorMessage(host: string, port: number, error: NodeJS.ErrnoException): string {
  if (error.code === 'EADDRINUSE') return portInUseMessage(host, port);
  return `cannot listen on ${host}:${port}: ${error.code ?? ''} ${error.message}`;
}

/** Prints why listening failed and exits with LISTEN_FAILED_EXIT_CODE. */
export function exitListenFailed(serverName: string, message: string): never {
  process.stderr.write(`${serverName}: ${message}\n`);
  process.exit(LISTEN_FAILED_EXIT_CODE);
}

/**
 * For listeners that fail without saying why (uWS hands back `false`): tries a plain Node listen on the
 * same host and port and returns the error code it gets (e.g. "EADDRINUSE"), or null if that succeeds.
 */
export async function probeListenError(host: string, port: number): Promise<string | null> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    probe.listen({ host, port }, () => probe.close(() => resolve(null)));
  });
}
