import { readFileSync } from 'node:fs';

/**
 * One CPU's cumulative time from a `cpuN` line of /proc/stat, in USER_HZ ticks since boot
 * (docs/METHOD.md §3, whole cores). guest and guest_nice are not kept: the kernel already counts them
 * inside user and nice, so adding them would count that time twice.
 */
export interface CpuTicks {
  user: number;
  nice: number;
  system: number;
  idle: number;
  iowait: number;
  irq: number;
  softirq: number;
  steal: number;
}

/** The fields of a `cpuN` line, in the kernel's order (proc(5)). */
export const CPU_TICK_FIELDS = ['user', 'nice', 'system', 'idle', 'iowait', 'irq', 'softirq', 'steal'] as const satisfies ReadonlyArray<keyof CpuTicks>;

/**
 * Parses the per-CPU lines (`cpu0 …`, `cpu1 …`) of /proc/stat text into ticks by CPU number. The
 * aggregate `cpu ` line and every other line are ignored; a line with fewer fields (kernels before
 * 2.6.11 have no steal) reads the missing ones as 0.
 */
export function parseProcStat(text: string): Map<number, CpuTicks> {
  const byCpu = new Map<number, CpuTicks>();
  for (const line of text.split('\n')) {
    const m = /^cpu(\d+)\s+(.*)$/.exec(line);
    if (!m) continue;
    const values = m[2]!.trim().split(/\s+/).map(Number);
    const ticks = {} as CpuTicks;
    CPU_TICK_FIELDS.forEach((field, i) => {
      const v = values[i];
      ticks[field] = v !== undefined && Number.isFinite(v) ? v : 0;
    });
    byCpu.set(Number(m[1]), ticks);
  }
  return byCpu;
}

/** Reads /proc/stat now; null when it is not readable (not Linux). */
export function readProcStat(): Map<number, CpuTicks> | null {
  try {
    return parseProcStat(readFileSync('/proc/stat', 'utf8'));
  } catch {
    return null;
  }
}

/** Ticks between two readings of one CPU, field by field; never negative (iowait may step back on some kernels). */
export function tickDelta(before: CpuTicks, after: CpuTicks): CpuTicks {
  const out = {} as CpuTicks;
  for (const field of CPU_TICK_FIELDS) out[field] = Math.max(0, after[field] - before[field]);
  return out;
}

/** Sum of every field: all the time the CPU had, busy or not. */
export function totalTicks(t: CpuTicks): number {
  return CPU_TICK_FIELDS.reduce((sum, field) => sum + t[field], 0);
}

/**
 * Busy ticks: everything but idle and iowait (iowait is idle time with disk I/O pending). steal counts
 * as busy: the core was not available to this machine's work, so it had no room either.
 */
export function busyTicks(t: CpuTicks): number {
  return totalTicks(t) - t.idle - t.iowait;
}
