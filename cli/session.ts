import { join } from 'node:path';

/** results/runs/2026-11-24T22-15-03-run.json, relative to the current directory. */
export function defaultOutPath(kind: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/\..+$/, '').replace(/:/g, '-');
  return join('results', 'runs', `${stamp}-${kind}.json`);
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
