import { readFileSync } from 'node:fs';

/** Polls check() every intervalMs until it returns a value other than undefined, or throws after timeoutMs. */
export async function waitFor<T>(check: () => Promise<T | undefined>, what: string, timeoutMs = 5_000, intervalMs = 25): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last === undefined ? '' : `: ${String(last)}`}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/**
 * True once pid has exited. A process whose parent died is reparented to PID 1, which may reap it
 * late (this VM's init does so every few seconds), so an unreaped zombie counts as gone.
 */
export function isGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
  try {
    // Field 3 of /proc/<pid>/stat, after the parenthesised command name, is the state.
    return /\) (\S)/.exec(readFileSync(`/proc/${pid}/stat`, 'utf8'))?.[1] === 'Z';
  } catch {
    return true;
  }
}

/** Waits until pid is gone (isGone). */
export function waitGone(pid: number, timeoutMs = 5_000): Promise<true> {
  return waitFor(async () => (isGone(pid) ? true : undefined), `process ${pid} to be gone`, timeoutMs);
}
