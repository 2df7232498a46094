import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { baseKnobs, type KnobValue } from '../common/ready.js';
import type { ArgsPolicy, ServerArgs } from '../common/args.js';
import { WS_LOOP_SETTINGS } from '../ws-loop/settings.js';

/** Registry name of this server. */
export const WS_PISCINA_NAME = 'ws-piscina';

/** --threads sets the pool size. */
export const WS_PISCINA_ARGS_POLICY: ArgsPolicy = { supportsThreads: true };

/**
 * The ws side is ws-loop's, setting for setting (one event loop does all socket I/O, ECHO, BROADCAST
 * and /stats), so the two servers differ only in where WORK runs.
 */
export const WS_PISCINA_WS_SETTINGS = WS_LOOP_SETTINGS;

/** Every piscina setting that changes results, as main.ts applies it (besides the pool size). */
export const WS_PISCINA_POOL_SETTINGS = {
  /** minThreads = maxThreads = pool size: every thread starts with the server and none is ever retired. */
  poolFixedSize: true,
  /** One WORK task at a time per pool thread (piscina's concurrentTasksPerWorker). */
  poolConcurrentTasksPerWorker: 1,
  /** piscina's task queue is unbounded (maxQueue Infinity): WORK waits, it is never refused. null = unbounded. */
  poolMaxQueue: null,
  /** Idle pool threads block in Atomics.wait (piscina's default 'sync') instead of returning to their event loop. */
  poolAtomics: 'sync',
  /** Where WORK replies are built and sent: on the main loop, once the pool hands the result back. */
  workReplyFrom: 'main-loop',
  /** Replies of one connection can leave out of order: an ECHO overtakes a WORK, two WORKs on two pool threads finish in any order. */
  workRepliesInOrder: false,
} as const;

/** Pool size when --threads is not given: the CPUs this process may run on (the taskset mask when pinned). */
export function defaultPoolThreads(): number {
  return availableParallelism();
}

const require = createRequire(import.meta.url);

/**
 * The knobs of the ready line. `threads` and `poolThreads` are both the pool size actually started.
 * piscinaVersion comes from the loaded module (piscina's exports map hides its package.json).
 */
export function wsPiscinaKnobs(args: ServerArgs, poolThreads: number, piscinaVersion: string): Record<string, KnobValue> {
  const wsVersion = (require('ws/package.json') as { version: string }).version;
  return {
    library: `ws@${wsVersion} + piscina@${piscinaVersion}`,
    ...baseKnobs(poolThreads, args.stall),
    ...WS_PISCINA_WS_SETTINGS,
    poolThreads,
    ...WS_PISCINA_POOL_SETTINGS,
  };
}
