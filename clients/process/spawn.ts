/**
 * Spawning client processes: compiled JS from dist/, optionally pinned with taskset, with an IPC channel.
 * Every child is tracked until it exits and SIGKILLed if this process exits first, so no run leaves
 * orphans behind (the children also exit on their own when the IPC channel drops).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { distPath } from '../../protocol/paths.js';

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function killAllLive(): void {
  for (const child of live) child.kill('SIGKILL');
  live.clear();
}

/**
 * Starts `node dist/<script>` — under `taskset -c <cpus>` when cpus is given (taskset execs node, so the
 * pid is node's). stdout/stderr are inherited; messages go over IPC.
 */
export function spawnClientProcess(script: string, cpus: string | null): ChildProcess {
  if (!exitHookInstalled) {
    process.once('exit', killAllLive);
    exitHookInstalled = true;
  }
  // WSARENA_CLIENT_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/gen") profiles the generator itself.
  const nodeArgs = (process.env.WSARENA_CLIENT_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const entry = distPath(script);
  const [command, args] = cpus === null ? [process.execPath, [...nodeArgs, entry]] : ['taskset', ['-c', cpus, process.execPath, ...nodeArgs, entry]];
  const child = spawn(command, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  live.add(child);
  child.once('exit', () => live.delete(child));
  // A spawn failure (ENOENT for taskset, …) is reported through 'error'; callers listen too, this only keeps it tracked.
  child.once('error', () => live.delete(child));
  return child;
}

/** SIGKILLs a child that has not exited yet. */
export function killChild(child: ChildProcess): void {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  live.delete(child);
}

/** Resolves when the child has exited; SIGKILLs it after graceMs if it has not. */
export function waitForExit(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      resolve();
    };
    // A child that never started emits 'error' and no 'exit'; killing it is a no-op, so resolve regardless.
    const timer = setTimeout(() => {
      killChild(child);
      done();
    }, graceMs);
    child.once('exit', done);
    child.once('error', done);
  });
}
