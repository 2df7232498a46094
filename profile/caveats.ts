import { readFileSync } from 'node:fs';
import type { ProfileSummary } from './summary.js';

/**
 * Warnings that keep a profile from being misread: what a CPU profile measures is not always what it
 * seems to. Each returns a sentence that says what was seen and what to do, or null.
 */

/** Busy share of all CPUs just before the run above which the machine counts as busy (our run has not started). */
const BUSY_SHARE = 0.25;
/** V8-vs-/proc disagreement worth a warning: more than 1.5× apart and more than 0.15 cores. */
const DISAGREE_RATIO = 1.5;
const DISAGREE_CORES = 0.15;

/**
 * The share of all CPUs that was busy over `ms` (from /proc/stat: everything but idle and iowait), or
 * null where /proc/stat cannot be read.
 */
export async function measureCpuBusyShare(ms = 500): Promise<number | null> {
  const before = readCpuTimes();
  if (before === null) return null;
  await new Promise((resolve) => setTimeout(resolve, ms));
  const after = readCpuTimes();
  if (after === null || after.total <= before.total) return null;
  return 1 - (after.idle - before.idle) / (after.total - before.total);
}

function readCpuTimes(): { total: number; idle: number } | null {
  try {
    const line = readFileSync('/proc/stat', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('cpu '));
    const fields = line?.trim().split(/\s+/).slice(1).map(Number) ?? [];
    if (fields.length < 5 || fields.some((f) => !Number.isFinite(f))) return null;
    // user nice system idle iowait irq softirq steal …; guest time is already inside user and nice.
    const total = fields.slice(0, 8).reduce((a, b) => a + b, 0);
    return { total, idle: fields[3]! + fields[4]! };
  } catch {
    return null;
  }
}

/** Other processes kept the CPUs busy just before the run, so both throughputs are noisy. */
export function busyMachineCaveat(busyShare: number | null, cpuCount: number): string | null {
  if (busyShare === null || busyShare <= BUSY_SHARE) return null;
  return (
    `other processes kept ${Math.round(busyShare * 100)}% of the ${cpuCount} CPUs busy just before the run: they compete with server and client, ` +
    'so both throughputs, their ratio and the profile’s percentages are noisy; rerun on a quiet machine'
  );
}

/**
 * Compares how busy V8's profile says the server's threads were in the window with the CPU time /proc
 * measured for its process tree.
 *
 * V8 samples wall time: a thread that was runnable but waiting for a CPU, or blocked in Atomics.wait or
 * a syscall, is charged to whatever was on its stack, so V8 can see more work than /proc. The other way round, work in native code that no JavaScript called (uWS's C++ event loop and
 * its syscalls) is filed under "(idle)" or "(program)", so V8 sees less.
 */
export function profileVsProcCaveat(summary: ProfileSummary, windowMs: number | null, procCores: number | null): string | null {
  if (summary.source !== 'cpuprofile' || summary.window !== 'measured' || windowMs === null || windowMs <= 0 || procCores === null) return null;
  const v8Cores = (summary.sampledMs - (summary.idleMs ?? 0)) / windowMs;
  const cores = (n: number) => `${n.toFixed(2)} cores`;
  if (v8Cores > procCores * DISAGREE_RATIO && v8Cores - procCores > DISAGREE_CORES) {
    const suspect = summary.bySelf[0]?.name;
    return (
      `V8 saw the server busy for ${cores(v8Cores)} in the window but /proc says it ran on a CPU for ${cores(procCores)}: a V8 profile samples wall time, ` +
      `so time a thread spent waiting for a CPU or blocked in a synchronous call (Atomics.wait, a syscall) is charged to whatever was on its stack` +
      `${suspect ? ` (here probably ${suspect})` : ''}; read the self-time shares as wall time, and profile on a quiet machine with the server on a core of its own`
    );
  }
  if (procCores > v8Cores * DISAGREE_RATIO && procCores - v8Cores > DISAGREE_CORES) {
    return (
      `/proc says the server used ${cores(procCores)} in the window but V8 saw it busy for ${cores(v8Cores)}: native work that no JavaScript called ` +
      '(a C++ event loop such as uWS’s, its syscalls, other threads without V8) counts as "(idle)" or "(program)" in a V8 profile; perf sees it'
    );
  }
  return null;
}
