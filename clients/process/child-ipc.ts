/**
 * The child's side of every client process's IPC (load workers, fleet workers, the autocannon worker):
 * refuse to run without a parent, and die saying why, so the parent's error names the cause
 * (client-process.ts keeps the last `fatal` message for the exit that follows).
 */
import type { FatalMessage } from './client-process.js';

/** Exits 2 with a usage line unless this process was started with an IPC channel. */
export function requireIpcChannel(processName: string, starter: string): void {
  if (typeof process.send === 'function') return;
  process.stderr.write(`${processName}: must be started by ${starter} with an IPC channel\n`);
  process.exit(2);
}

/** A handler that sends { type: 'fatal', message } once and exits 1 when it has left (or after 1 s). */
export function fatalExit(): (err: unknown) => void {
  let failing = false;
  return (err: unknown): void => {
    if (failing) return;
    failing = true;
    const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
    // Exit only once the IPC message has left, so the parent can name the cause.
    process.send!({ type: 'fatal', message } satisfies FatalMessage, undefined, undefined, () => process.exit(1));
    setTimeout(() => process.exit(1), 1000).unref();
  };
}
