import { readdirSync, readFileSync } from 'node:fs';

/**
 * Reads a process tree's resource use from /proc, the same way for Node, uWS and Go servers
 * (docs/METHOD.md §3): CPU from /proc/<pid>/stat, RSS from /proc/<pid>/status, PSS from smaps_rollup,
 * fds from /proc/<pid>/fd. Threads count as part of their process; child processes are found by ppid.
 */

export interface ProcSnapshot {
  /** utime + stime of every process in the tree, seconds. */
  cpuSeconds: number;
  rssBytes: number;
  /** null when smaps_rollup is unreadable. */
  pssBytes: number | null;
  threads: number;
  fds: number;
  processes: number;
}

interface StatLine {
  pid: number;
  ppid: number;
  ticks: number;
  threads: number;
}

/** Parses /proc/<pid>/stat text. The comm field may hold spaces and parentheses, so split after the last ')'. */
export function parseStat(text: string): StatLine {
  const close = text.lastIndexOf(')');
  const pid = Number(text.slice(0, text.indexOf(' ')));
  const rest = text.slice(close + 2).split(' ');
  // rest[0] is field 3 (state); utime is field 14, stime 15, num_threads 20 (1-based, proc(5)).
  const field = (n: number) => Number(rest[n - 3]);
  return { pid, ppid: field(4), ticks: field(14) + field(15), threads: field(20) };
}

function readStat(pid: number): StatLine | null {
  try {
    return parseStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return null;
  }
}

/** pid and all its descendants. */
export function processTree(rootPid: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const st = readStat(Number(name));
    if (!st) continue;
    const list = children.get(st.ppid);
    if (list) list.push(st.pid);
    else children.set(st.ppid, [st.pid]);
  }
  const out: number[] = [];
  const stack = [rootPid];
  while (stack.length > 0) {
    const pid = stack.pop()!;
    out.push(pid);
    for (const c of children.get(pid) ?? []) stack.push(c);
  }
  return out;
}

function statusKb(pid: number, key: string): number {
  try {
    const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

function pssBytes(pid: number): number | null {
  try {
    const m = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

function fdCount(pid: number): number {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return 0;
  }
}

/**
 * One snapshot of the tree rooted at rootPid, or null when the root is gone.
 * withPss costs a smaps walk per process; it is what a multi-process server's memory must be judged by.
 */
export function snapshotTree(rootPid: number, clockTicksPerSecond: number, withPss = true): ProcSnapshot | null {
  if (!readStat(rootPid)) return null;
  const snap: ProcSnapshot = { cpuSeconds: 0, rssBytes: 0, pssBytes: withPss ? 0 : null, threads: 0, fds: 0, processes: 0 };
  for (const pid of processTree(rootPid)) {
    const st = readStat(pid);
    if (!st) continue;
    snap.processes++;
    snap.cpuSeconds += st.ticks / clockTicksPerSecond;
    snap.threads += st.threads;
    snap.rssBytes += statusKb(pid, 'VmRSS');
    snap.fds += fdCount(pid);
    if (snap.pssBytes !== null) {
      const pss = pssBytes(pid);
      snap.pssBytes = pss === null ? null : snap.pssBytes + pss;
    }
  }
  return snap;
}

/**
 * Context switches (docs/METHOD.md §3, threads vs async): voluntary_ctxt_switches + nonvoluntary_ctxt_switches
 * of every task (thread) of the tree, from /proc/<pid>/task/<tid>/status. /proc/<pid>/status alone shows
 * the main thread's counts only, so every task is read: a thread-per-connection server has one task per
 * connection, which is why this is read at the window's edges only, never in the periodic sample.
 */
export interface TaskSwitches {
  voluntary: number;
  nonvoluntary: number;
}

/** Parses the two ctxt_switches lines of a status text; null when either is missing. */
export function parseContextSwitches(statusText: string): TaskSwitches | null {
  const v = /^voluntary_ctxt_switches:\s+(\d+)/m.exec(statusText);
  const nv = /^nonvoluntary_ctxt_switches:\s+(\d+)/m.exec(statusText);
  return v && nv ? { voluntary: Number(v[1]), nonvoluntary: Number(nv[1]) } : null;
}

/** Where task status texts come from (a fake in tests). */
export interface TaskSource {
  /** Task ids of a process ([] when it is gone). */
  tasks(pid: number): number[];
  /** Status text of one task, or null when it is gone. */
  status(pid: number, tid: number): string | null;
}

export const procTaskSource: TaskSource = {
  tasks(pid) {
    try {
      return readdirSync(`/proc/${pid}/task`)
        .filter((n) => /^\d+$/.test(n))
        .map(Number);
    } catch {
      return [];
    }
  },
  status(pid, tid) {
    try {
      return readFileSync(`/proc/${pid}/task/${tid}/status`, 'utf8');
    } catch {
      return null;
    }
  },
};

/** Voluntary + nonvoluntary switches per task id, over every task of the given processes. */
export function taskContextSwitches(pids: readonly number[], source: TaskSource = procTaskSource): Map<number, number> {
  const out = new Map<number, number>();
  for (const pid of pids) {
    for (const tid of source.tasks(pid)) {
      const text = source.status(pid, tid);
      const cs = text === null ? null : parseContextSwitches(text);
      if (cs) out.set(tid, cs.voluntary + cs.nonvoluntary);
    }
  }
  return out;
}

/** taskContextSwitches of the tree rooted at rootPid (empty when it is gone). */
export function treeContextSwitches(rootPid: number, source: TaskSource = procTaskSource): Map<number, number> {
  return readStat(rootPid) ? taskContextSwitches(processTree(rootPid), source) : new Map();
}

/**
 * Switches between two readings, matched per task: a task alive at both ends adds end − start, a task
 * born inside the window adds all of its count. A task that exited inside the window takes its counts
 * with it (the kernel folds them into the parent's rusage, not into any status file we read), so its
 * in-window switches are lost: the figure is a lower bound when tasks come and go (e.g. threads of
 * connections closed before the window's end). Each task's term is clamped at ≥ 0 (a reused tid).
 */
export function contextSwitchDelta(start: ReadonlyMap<number, number>, end: ReadonlyMap<number, number>): number {
  let sum = 0;
  for (const [tid, n] of end) sum += Math.max(0, n - (start.get(tid) ?? 0));
  return sum;
}
