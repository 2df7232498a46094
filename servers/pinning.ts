import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** Whether a server was pinned to CPUs, as a run records it. */
export interface Pinning {
  /** The CPU list asked for (taskset -c syntax, e.g. "0" or "0-1"), or null. */
  cpus: string | null;
  /** True when the server was started under `taskset -c cpus`. */
  applied: boolean;
  /** Why pinning was not applied, when it was not. */
  reason?: string;
}

/** Absolute path of an executable on PATH, or null. */
export function findOnPath(command: string): string | null {
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, command);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

/** How a command gets pinned: the taskset binary to prefix with (null = run unpinned) and the record. */
export function planPinning(cpus: string | null): { taskset: string | null; pinning: Pinning } {
  if (cpus === null) return { taskset: null, pinning: { cpus, applied: false, reason: 'no CPUs requested' } };
  const taskset = findOnPath('taskset');
  if (taskset === null) return { taskset, pinning: { cpus, applied: false, reason: 'taskset not found on PATH' } };
  return { taskset, pinning: { cpus, applied: true } };
}
