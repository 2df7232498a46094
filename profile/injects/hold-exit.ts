/**
 * Preloaded (node --import) into a server that runs under clinic heapprofiler. Two jobs:
 *
 * 1. Hold process.exit() until the heap profile is on disk. clinic's inject writes it asynchronously
 *    after SIGINT and then exits; our servers also handle SIGINT and call process.exit() as soon as their
 *    own shutdown is done, which would cut the write short and leave clinic an empty file to analyse.
 * 2. Replace the stdin lifeline: clinic heapprofiler starts its child with stdin on /dev/null, so the
 *    server cannot learn from its stdin that the launcher died. This polls the launcher's pid instead
 *    and stops the server with SIGINT (so the profile is still written) when it is gone.
 */
import { readFileSync } from 'node:fs';

/** Environment variable carrying the launcher's pid (profile/clinic.ts sets it). */
const LAUNCHER_PID_ENV = 'WSARENA_PROFILE_LAUNCHER_PID';
/** Longest an exit is held when the profile never appears (clinic then reports the failure). */
const HOLD_MAX_MS = 10_000;
const POLL_MS = 50;
const LAUNCHER_POLL_MS = 1_000;

const destination = `${process.env['HEAP_PROFILER_PATH'] ?? '.'}/${process.env['HEAP_PROFILER_NAME'] || process.pid}.clinic-heapprofiler`;
const realExit = process.exit.bind(process);
let held: { code: number | string | null | undefined } | null = null;

function profileWritten(): boolean {
  try {
    const text = readFileSync(destination, 'utf8');
    if (text.length === 0) return false;
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

process.exit = ((code?: number | string | null) => {
  if (profileWritten()) realExit(code);
  if (held !== null) return;
  held = { code };
  const deadline = Date.now() + HOLD_MAX_MS;
  const poll = setInterval(() => {
    if (profileWritten() || Date.now() >= deadline) {
      clearInterval(poll);
      realExit(held?.code);
    }
  }, POLL_MS);
}) as typeof process.exit;

const launcherPid = Number(process.env[LAUNCHER_PID_ENV]);
if (Number.isInteger(launcherPid) && launcherPid > 0) {
  const watch = setInterval(() => {
    try {
      process.kill(launcherPid, 0);
    } catch {
      clearInterval(watch);
      process.kill(process.pid, 'SIGINT');
    }
  }, LAUNCHER_POLL_MS);
  watch.unref();
}
