/**
 * The primary's view of its child processes: one handle per fork. Children are plain child_process forks
 * of this same entry (not node:cluster: every child binds the port itself, through uWS), so they stay in
 * the primary's process group (the launcher's stop signal reaches them) and inherit its CPU affinity
 * (taskset pins the whole tree) and resource limits.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { createCounters } from '../common/counters.js';
import type { PrimaryToChild, ProcessCounters } from './ipc.js';
import { CHILD_COUNT_ENV, CHILD_INDEX_ENV, STARTED_AT_ENV } from './settings.js';

export interface ChildHandle {
  index: number;
  child: ChildProcess;
  pid: number;
  /** Resolves with how the child ended. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Last counters this child reported (zero until it first answers). */
  latest: ProcessCounters;
}

/** Forks `count` children of entry with the primary's own flags, telling each its index, the count and the start time. */
export function forkChildren(entry: string, argv: readonly string[], count: number, startedAtMs: number): ChildHandle[] {
  return Array.from({ length: count }, (_, index) => {
    const child = fork(entry, [...argv], {
      env: { ...process.env, [CHILD_INDEX_ENV]: String(index), [CHILD_COUNT_ENV]: String(count), [STARTED_AT_ENV]: String(startedAtMs) },
      serialization: 'advanced',
      // Children must not read the launcher's stdin lifeline (the primary owns it); stdout/stderr are shared.
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const pid = child.pid ?? 0;
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once('exit', (code, signal) => resolve({ code, signal })),
    );
    const latest: ProcessCounters = { process: index, pid, ...createCounters(), sendDrops: 0, rssBytes: 0 };
    return { index, child, pid, exited, latest };
  });
}

/** Sends to a child still connected; a gone child's messages are dropped (it is exiting anyway). */
export function sendToChild(handle: ChildHandle, message: PrimaryToChild): void {
  if (handle.child.connected) handle.child.send(message);
}
