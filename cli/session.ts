import { join } from 'node:path';

/**
 * results/runs/2026-11-24T22-15-03-run-4711.json, relative to the current directory. The pid keeps two
 * runs started in the same second from writing the same file.
 */
export function defaultOutPath(kind: string, now = new Date(), pid = process.pid): string {
  return join('results', 'runs', `${timeStamp(now)}-${kind}-${pid}.json`);
}

/** 2026-11-24T22-15-03 (UTC, no colons: a file-name part). */
export function timeStamp(now = new Date()): string {
  return now.toISOString().replace(/\..+$/, '').replace(/:/g, '-');
}

/**
 * First Ctrl+C aborts the run gracefully (the runner stops servers and writes what it has, then we exit
 * 130); a second one exits at once.
 */
export function interruptSignal(): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  let count = 0;
  const onSignal = () => {
    count++;
    if (count === 1) {
      process.stderr.write('\ninterrupted: stopping servers and writing partial results (Ctrl+C again to quit now)\n');
      controller.abort(new Error('interrupted'));
    } else {
      process.exit(130);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    dispose() {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
