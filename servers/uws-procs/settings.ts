import type { ArgsPolicy, ServerArgs } from '../common/args.js';
import { baseKnobs, type KnobValue } from '../common/ready.js';
import { UWS_SETTINGS } from '../uws/settings.js';

/** Registry name of this server. */
export const UWS_PROCS_NAME = 'uws-procs';

/** --threads is the number of child processes, each with its own uWS App. */
export const UWS_PROCS_ARGS_POLICY: ArgsPolicy = { supportsThreads: true };

/** Environment of a child: its index (0..N-1), N, and when the primary started (epoch ms, for uptimeMs). */
export const CHILD_INDEX_ENV = 'WSARENA_UWS_PROCS_INDEX';
export const CHILD_COUNT_ENV = 'WSARENA_UWS_PROCS_COUNT';
export const STARTED_AT_ENV = 'WSARENA_UWS_PROCS_STARTED_AT_MS';

/**
 * How long the primary waits for every child's counters when a /stats request comes in; a child silent
 * for longer (blocked) is reported with its last figures and counted in extra.staleProcesses.
 */
export const STATS_QUERY_TIMEOUT_MS = 1_000;

/**
 * Every setting that changes results. Each process's App is configured exactly as the single-threaded uws
 * server (UWS_SETTINGS), so the difference between the models is the process layer alone.
 */
export const UWS_PROCS_SETTINGS = {
  ...UWS_SETTINGS,
  /** Local app.publish in the receiving process, plus an IPC relay through the primary that makes every other process publish in its own App. */
  broadcastVia: 'app.publish in every process (IPC relay through the primary)',
  /**
   * Every process listens on the same host:port with SO_REUSEPORT and the kernel spreads connections over
   * them. Another process cannot join: the port is probed with an exclusive bind first, and after listening
   * the primary checks /proc/net/tcp* that every listener on its address is one of its children.
   */
  portSharing: 'SO_REUSEPORT among own child processes',
  /** IPC between primary and children uses the V8 serializer, so BROADCAST payloads travel as bytes, not JSON arrays. */
  ipcSerialization: 'advanced',
  /** GET /stats: the answering process asks the primary, which queries every process's counters at that moment. */
  statsVia: 'on-demand IPC query of every process',
} as const;

/** The knobs of the ready line; processes = children serving connections (the primary only relays). */
export function uwsProcsKnobs(args: ServerArgs, processes: number, packageVersion: string): Record<string, KnobValue> {
  return {
    library: `uWebSockets.js@${packageVersion} (native, ABI ${process.versions.modules})`,
    ...baseKnobs(processes, args.stall),
    ...UWS_PROCS_SETTINGS,
  };
}
