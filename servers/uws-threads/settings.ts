import type { ArgsPolicy, ServerArgs } from '../common/args.js';
import { baseKnobs, type KnobValue } from '../common/ready.js';
import { UWS_SETTINGS } from '../uws/settings.js';

/** Registry name of this server. */
export const UWS_THREADS_NAME = 'uws-threads';

/** --threads is the number of worker threads, each with its own uWS App. */
export const UWS_THREADS_ARGS_POLICY: ArgsPolicy = { supportsThreads: true };

/** BroadcastChannel the threads relay BROADCASTs on (per process: threads of other processes never see it). */
export const BROADCAST_CHANNEL_NAME = 'wsarena-uws-threads-broadcast';

/**
 * Every setting that changes results. Each thread's App is configured exactly as the single-threaded uws
 * server (UWS_SETTINGS), so the difference between the two models is the threading alone.
 */
export const UWS_THREADS_SETTINGS = {
  ...UWS_SETTINGS,
  /** Local app.publish in the receiving thread, plus a BroadcastChannel message that makes every other thread publish in its own App. */
  broadcastVia: 'app.publish in every thread (BroadcastChannel relay)',
  /**
   * Every thread listens on the same host:port with SO_REUSEPORT and the kernel spreads connections over
   * them (the way uWS documents multi-threading on Linux). Another process cannot join: the port is
   * probed with an exclusive bind first, and after listening the server checks /proc/net/tcp* that every
   * listener on its address is its own.
   */
  portSharing: 'SO_REUSEPORT among own threads',
  /** GET /stats sums per-thread counters kept in a SharedArrayBuffer: fresh, whichever thread answers. */
  statsVia: 'SharedArrayBuffer per-thread counters',
} as const;

/** The knobs of the ready line. */
export function uwsThreadsKnobs(args: ServerArgs, threads: number, packageVersion: string): Record<string, KnobValue> {
  return {
    library: `uWebSockets.js@${packageVersion} (native, ABI ${process.versions.modules})`,
    ...baseKnobs(threads, args.stall),
    ...UWS_THREADS_SETTINGS,
  };
}
