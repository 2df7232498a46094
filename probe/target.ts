/**
 * The server a battery runs against: one wsarena starts (and restarts, should a probe crash it), or one
 * already running at a URL. Probes see only this interface.
 */

import type { StatsSnapshot } from '../protocol/wire.js';
import { fetchStats, type LaunchOptions, type RunningServer, startServer } from '../servers/launch.js';
import type { ServerOptions, ServerSpec } from '../servers/spec.js';

export interface ProbeTarget {
  /** Registry name, or the URL for an external target. */
  readonly name: string;
  /** Current ws:// URL (a restart after a crash may change the port). */
  readonly url: string;
  /** Server process id, when known (RSS and crash detection need it). */
  readonly pid: number | null;
  readonly knobs: Record<string, string | number | boolean | null>;
  /** Whether GET /stats answers (wsarena contract servers). */
  readonly hasStats: boolean;
  /** Times the server died during the battery. */
  readonly crashes: number;
  /** False once the server process is known to be gone; true when it cannot be known (no pid). */
  isAlive(): boolean;
  /** GET /stats, or null when the target has none or it did not answer within timeoutMs. */
  stats(timeoutMs?: number): Promise<StatsSnapshot | null>;
  /** After a crash: counts it and restarts a server wsarena launched. False when it cannot (external target). */
  recover(): Promise<boolean>;
  /** Stops a launched server; nothing for an external one. */
  close(): Promise<void>;
}

/** Starts `spec` and wraps it; rejects with the launcher's ServerLaunchError. */
export async function launchTarget(spec: ServerSpec, options: Partial<ServerOptions>, launch: Partial<LaunchOptions>): Promise<ProbeTarget> {
  let running: RunningServer = await startServer(spec, options, launch);
  let exited = false;
  const watch = (server: RunningServer): void => {
    void server.exited.then(() => {
      if (server === running) exited = true;
    });
  };
  watch(running);
  let crashes = 0;
  const target: ProbeTarget = {
    name: spec.name,
    get url() {
      return running.url;
    },
    get pid() {
      return running.pid;
    },
    knobs: running.knobs,
    hasStats: true,
    get crashes() {
      return crashes;
    },
    isAlive: () => !exited && processExists(running.pid),
    stats: (timeoutMs = 1_000) => fetchStats(running.url, timeoutMs).catch(() => null),
    async recover() {
      if (target.isAlive()) return true;
      crashes++;
      await running.stop();
      running = await startServer(spec, options, launch);
      exited = false;
      watch(running);
      return true;
    },
    close: () => running.stop(),
  };
  return target;
}

/** An already-running server at `url`; `pid` (optional) enables RSS sampling and crash detection. */
export async function externalTarget(url: string, pid: number | null): Promise<ProbeTarget> {
  const hasStats = (await fetchStats(url, 1_000).catch(() => null)) !== null;
  let crashes = 0;
  const target: ProbeTarget = {
    name: url,
    url,
    pid,
    knobs: {},
    hasStats,
    get crashes() {
      return crashes;
    },
    isAlive: () => pid === null || processExists(pid),
    stats: (timeoutMs = 1_000) => (hasStats ? fetchStats(url, timeoutMs).catch(() => null) : Promise.resolve(null)),
    async recover() {
      if (target.isAlive()) return true;
      // Nobody here can restart it: count the crash once, and every later probe fails to connect.
      if (crashes === 0) crashes = 1;
      return false;
    },
    close: async () => {},
  };
  return target;
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
