import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import type { ArgsPolicy, ServerArgs } from '../common/args.js';
import { splitOwnFlags } from '../common/own-flags.js';
import { baseKnobs, type KnobValue } from '../common/ready.js';
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

/** piscina's `atomics` option: how an idle pool thread waits for its next task. */
export type PoolAtomics = 'sync' | 'async' | 'disabled';

/** `--server-arg atomics=N` codes (server args are integers). */
export const POOL_ATOMICS_BY_CODE: readonly PoolAtomics[] = ['disabled', 'sync', 'async'];

/** The pool settings `--server-arg` may change (README: what each costs); the defaults are the measured best. */
export interface PoolOptions {
  /** piscina concurrentTasksPerWorker: tasks handed to one pool thread before it finished the previous ones. */
  concurrentTasksPerWorker: number;
  atomics: PoolAtomics;
  /** piscina recordTiming: the waitTime / runTime histograms of /stats (off: those figures are null). */
  recordTiming: boolean;
}

export const DEFAULT_POOL_OPTIONS: PoolOptions = {
  // 4, not piscina's 1: a pool thread finds its next task already in its port when it finishes one, instead
  // of waiting for the main loop to notice the result and dispatch (measured: fewer context switches per
  // WORK and less CPU per WORK on 2 cores; README).
  concurrentTasksPerWorker: 4,
  atomics: 'sync',
  recordTiming: true,
};

/** ws-piscina's own flags, settable with `wsarena run --server-arg name=N` (ServerSpec.serverArgs). */
export const WS_PISCINA_SERVER_ARGS = [
  { name: 'concurrent-tasks-per-worker', description: 'piscina concurrentTasksPerWorker (default 4)', min: 1, max: 64 },
  { name: 'atomics', description: "piscina atomics: 0 = 'disabled', 1 = 'sync' (default), 2 = 'async'", min: 0, max: 2 },
  { name: 'record-timing', description: 'piscina recordTiming: 1 = on (default; /stats waitTime, runTime), 0 = off', min: 0, max: 1 },
] as const;

/** Splits ws-piscina's own flags (--concurrent-tasks-per-worker N, --atomics N, --record-timing N) off argv. */
export function parsePoolFlags(argv: readonly string[]): { pool: PoolOptions; rest: string[] } {
  const specs = Object.fromEntries(WS_PISCINA_SERVER_ARGS.map((arg) => [`--${arg.name}`, { min: arg.min, max: arg.max }]));
  const { values, rest } = splitOwnFlags(argv, specs);
  const concurrent = values['--concurrent-tasks-per-worker'];
  const atomics = values['--atomics'];
  const recordTiming = values['--record-timing'];
  const pool: PoolOptions = {
    concurrentTasksPerWorker: concurrent ?? DEFAULT_POOL_OPTIONS.concurrentTasksPerWorker,
    atomics: atomics === undefined ? DEFAULT_POOL_OPTIONS.atomics : POOL_ATOMICS_BY_CODE[atomics]!,
    recordTiming: recordTiming === undefined ? DEFAULT_POOL_OPTIONS.recordTiming : recordTiming === 1,
  };
  return { pool, rest };
}

/** The flags for `serverArgs` (already validated by the CLI against WS_PISCINA_SERVER_ARGS). */
export function poolFlags(serverArgs: Readonly<Record<string, number>> | undefined): string[] {
  const flags: string[] = [];
  for (const arg of WS_PISCINA_SERVER_ARGS) {
    const value = serverArgs?.[arg.name];
    if (value !== undefined) flags.push(`--${arg.name}`, String(value));
  }
  return flags;
}

/** Every piscina setting that changes results, as main.ts applies it (besides the pool size). */
export function poolKnobs(pool: PoolOptions): Record<string, KnobValue> {
  return {
    /** minThreads = maxThreads = pool size: every thread starts with the server and none is ever retired (so idleTimeout never applies). */
    poolFixedSize: true,
    poolConcurrentTasksPerWorker: pool.concurrentTasksPerWorker,
    /** piscina's task queue is unbounded (maxQueue Infinity): WORK waits, it is never refused. null = unbounded. */
    poolMaxQueue: null,
    /** 'sync': an idle pool thread blocks in Atomics.wait instead of returning to its event loop. */
    poolAtomics: pool.atomics,
    poolRecordTiming: pool.recordTiming,
    /** The pool thread calls work() through Function.prototype.call, so V8 does not inline it into piscina's try block (work-task.ts). */
    poolWorkCall: 'work.call',
    /** Where WORK replies are built and sent: on the main loop, once the pool hands the result back. */
    workReplyFrom: 'main-loop',
    /** Replies of one connection can leave out of order: an ECHO overtakes a WORK, two WORKs on two pool threads finish in any order. */
    workRepliesInOrder: false,
  };
}

/** Pool size when --threads is not given: the CPUs this process may run on (the taskset mask when pinned). */
export function defaultPoolThreads(): number {
  return availableParallelism();
}

const require = createRequire(import.meta.url);

/**
 * The knobs of the ready line. `threads` and `poolThreads` are both the pool size actually started.
 * piscinaVersion comes from the loaded module (piscina's exports map hides its package.json).
 */
export function wsPiscinaKnobs(args: ServerArgs, poolThreads: number, piscinaVersion: string, pool: PoolOptions): Record<string, KnobValue> {
  const wsVersion = (require('ws/package.json') as { version: string }).version;
  return {
    library: `ws@${wsVersion} + piscina@${piscinaVersion}`,
    ...baseKnobs(poolThreads, args.stall),
    ...WS_PISCINA_WS_SETTINGS,
    poolThreads,
    ...poolKnobs(pool),
  };
}
