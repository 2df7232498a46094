import { readFileSync } from 'node:fs';

/** A numeric field of /proc/<pid>/status, e.g. Threads or VmRSS (in kB). */
export function procStatusField(pid: number, field: string): number {
  const match = new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (match === null) throw new Error(`no ${field}: line in /proc/${pid}/status`);
  return Number(match[1]);
}

/** OS threads of process pid. */
export function procThreads(pid: number): number {
  return procStatusField(pid, 'Threads');
}
