/**
 * When a server stops: on SIGTERM or SIGINT, and when its launcher goes away. Either way it runs the
 * server's own shutdown (close the listen socket, close connections) and exits 0.
 */
import { ServerExitCode } from './exit-codes.js';

/**
 * Environment variable the launcher sets to "stdin": the server then treats end-of-file on stdin as
 * "my launcher is gone" and shuts down. This catches the cases a process-exit handler cannot (the
 * launcher killed with SIGKILL, or dying of a signal it does not handle), so no server is left orphaned.
 */
export const LIFELINE_ENV = 'WSARENA_LIFELINE';

/** Longest a graceful shutdown may take before the process exits anyway. */
export const SHUTDOWN_GRACE_MS = 2_000;

/** Installs the signal handlers (and the stdin lifeline when LIFELINE_ENV asks for it). Call once. */
export function installShutdown(serverName: string, shutdown: () => Promise<void> | void): void {
  let stopping = false;
  const stop = (why: string): void => {
    // A second signal means "now": the first shutdown is evidently stuck.
    if (stopping) process.exit(ServerExitCode.STOPPED);
    stopping = true;
    const deadline = setTimeout(() => {
      process.stderr.write(`${serverName}: shutdown (${why}) took over ${SHUTDOWN_GRACE_MS} ms; exiting anyway\n`);
      process.exit(ServerExitCode.STOPPED);
    }, SHUTDOWN_GRACE_MS);
    deadline.unref();
    Promise.resolve()
      .then(shutdown)
      .then(
        () => process.exit(ServerExitCode.STOPPED),
        (error: unknown) => {
          process.stderr.write(`${serverName}: error during shutdown: ${String(error)}\n`);
          process.exit(ServerExitCode.STOPPED);
        },
      );
  };

  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));

  if (process.env[LIFELINE_ENV] === 'stdin') {
    process.stdin.on('data', () => {
      // The launcher never writes; reading only keeps the pipe drained.
    });
    process.stdin.once('end', () => stop('launcher closed stdin'));
    process.stdin.once('error', () => stop('launcher stdin error'));
  }
}

/**
 * For a server that must end on its own (a worker or thread died, a listen failed after the workers
 * started): runs stop, then exits with exitCode; after SHUTDOWN_GRACE_MS it exits anyway, since a server
 * that cannot serve must not linger.
 */
export async function stopThenExit(stop: () => Promise<void>, exitCode: ServerExitCode): Promise<never> {
  const forceExit = setTimeout(() => process.exit(exitCode), SHUTDOWN_GRACE_MS);
  forceExit.unref();
  try {
    await stop();
  } finally {
    process.exit(exitCode);
  }
}
