import { createRequire } from 'node:module';
import { ServerCloseCode } from '../../protocol/wire.js';
import { type ArgsPolicy, type ServerArgs, ServerArgsError } from '../common/args.js';
import { splitOwnFlags } from '../common/own-flags.js';
import { baseKnobs, type KnobValue } from '../common/ready.js';
import { WS_LOOP_SETTINGS } from '../ws-loop/settings.js';

/** Registry name of this server. */
export const WS_WORKER_PER_CONN_NAME = 'ws-worker-per-conn';

/**
 * The thread count follows the connections, so --threads has nothing to set and is refused rather than
 * silently ignored. The cap is --max-threads (below).
 */
export const WS_WORKER_PER_CONN_ARGS_POLICY: ArgsPolicy = { supportsThreads: false };

/** The ws side is ws-loop's, setting for setting: the main thread does all socket I/O. */
export const WS_WORKER_PER_CONN_WS_SETTINGS = WS_LOOP_SETTINGS;

/**
 * worker_threads resourceLimits of every connection's thread. They bound the memory each thread may
 * take (a JS heap of its own: young + old generation, and a stack), so they set the per-connection memory
 * cost of this model; small on purpose, since the handler keeps nothing but the message in flight
 * (message bytes live in ArrayBuffers outside the JS heap). A thread over its heap limit dies with
 * ERR_WORKER_OUT_OF_MEMORY, which closes its connection with 1013.
 */
export const DEFAULT_WORKER_RESOURCE_LIMITS = {
  maxYoungGenerationSizeMb: 1,
  maxOldGenerationSizeMb: 8,
  /** Node's default is 4. */
  stackSizeMb: 1,
} as const;

/** Settings this server takes besides the common flags. */
export interface WorkerPerConnSettings {
  /** --max-threads: most handler threads alive at once (a thread counts until it has exited); null = unlimited. */
  maxThreads: number | null;
  /** --worker-max-old-generation-mb: resourceLimits.maxOldGenerationSizeMb of each handler thread. */
  workerMaxOldGenerationSizeMb: number;
}

export const DEFAULT_WORKER_PER_CONN_SETTINGS: WorkerPerConnSettings = {
  maxThreads: null,
  workerMaxOldGenerationSizeMb: DEFAULT_WORKER_RESOURCE_LIMITS.maxOldGenerationSizeMb,
};

const OWN_FLAGS = {
  '--max-threads': { min: 1, max: 1_000_000 },
  '--worker-max-old-generation-mb': { min: 1, max: 4_096 },
} as const;

/**
 * Takes this server's own flags (`--max-threads N`, `--worker-max-old-generation-mb N`, also as
 * `--flag=N`) out of argv and returns them with the rest, which servers/common/args parses. Throws
 * ServerArgsError (naming flag, value and range) on a bad value.
 */
export function splitWorkerPerConnArgs(argv: readonly string[]): { settings: WorkerPerConnSettings; rest: string[] } {
  const { values, rest } = splitOwnFlags(argv, OWN_FLAGS);
  // Refused here too, with a message that fits this model (the common parser's speaks of one event loop).
  if (rest.some((arg) => arg === '--threads' || arg.startsWith('--threads='))) {
    throw new ServerArgsError('--threads is not supported: this server starts one worker (V8 isolate) per connection; cap them with --max-threads');
  }
  return {
    settings: {
      maxThreads: values['--max-threads'] ?? DEFAULT_WORKER_PER_CONN_SETTINGS.maxThreads,
      workerMaxOldGenerationSizeMb: values['--worker-max-old-generation-mb'] ?? DEFAULT_WORKER_PER_CONN_SETTINGS.workerMaxOldGenerationSizeMb,
    },
    rest,
  };
}

/** Inverse of splitWorkerPerConnArgs for the settings that differ from the defaults. */
export function toWorkerPerConnArgs(settings: Partial<WorkerPerConnSettings>): string[] {
  const args: string[] = [];
  if (settings.maxThreads != null) args.push('--max-threads', String(settings.maxThreads));
  if (settings.workerMaxOldGenerationSizeMb !== undefined) {
    args.push('--worker-max-old-generation-mb', String(settings.workerMaxOldGenerationSizeMb));
  }
  return args;
}

/**
 * New threads are refused while the host has less than this available (MemAvailable): every thread
 * costs megabytes, and without a floor a large ramp would push the whole machine (client, runner) into
 * the kernel's OOM killer instead of finding this model's ceiling.
 */
export const MEMORY_RESERVE_BYTES = 2 * 2 ** 30;

/** The resourceLimits main.ts passes to every handler thread. */
export function workerResourceLimits(settings: WorkerPerConnSettings): {
  maxYoungGenerationSizeMb: number;
  maxOldGenerationSizeMb: number;
  stackSizeMb: number;
} {
  return { ...DEFAULT_WORKER_RESOURCE_LIMITS, maxOldGenerationSizeMb: settings.workerMaxOldGenerationSizeMb };
}

const require = createRequire(import.meta.url);

/**
 * The knobs of the ready line. `threads` is 1: the main thread, which does all socket I/O; the handler
 * threads come and go with the connections (handlerThreads), up to maxThreads, each with the resource
 * limits below (these decide the memory per connection).
 */
export function wsWorkerPerConnKnobs(args: ServerArgs, settings: WorkerPerConnSettings): Record<string, KnobValue> {
  const wsVersion = (require('ws/package.json') as { version: string }).version;
  const limits = workerResourceLimits(settings);
  return {
    library: `ws@${wsVersion} + node:worker_threads (Node ${process.version})`,
    ...baseKnobs(1, args.stall),
    ...WS_WORKER_PER_CONN_WS_SETTINGS,
    handlerThreads: 'one worker_thread per connection, started on connect, terminated on close',
    socketIoThread: 'main',
    maxThreads: settings.maxThreads,
    workerMaxYoungGenerationSizeMb: limits.maxYoungGenerationSizeMb,
    workerMaxOldGenerationSizeMb: limits.maxOldGenerationSizeMb,
    workerStackSizeMb: limits.stackSizeMb,
    messageHandoff: 'postMessage, copied once into a transferred ArrayBuffer',
    spawnFailureCloseCode: ServerCloseCode.TRY_AGAIN_LATER,
    hostMemoryReserveBytes: MEMORY_RESERVE_BYTES,
  };
}
