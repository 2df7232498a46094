import type { ArgsPolicy, ServerArgs } from '../common/args.js';
import { MAX_PAYLOAD_BYTES } from '../common/limits.js';
import { splitOwnFlags } from '../common/own-flags.js';
import { baseKnobs, type KnobValue } from '../common/ready.js';

/** Registry name of this server. */
export const LONG_POLL_NAME = 'long-poll';

/** One event loop: --threads is refused rather than silently ignored. */
export const LONG_POLL_ARGS_POLICY: ArgsPolicy = { supportsThreads: false };

/** How long a poll hangs with nothing to deliver before it is answered 204. */
export const DEFAULT_POLL_TIMEOUT_MS = 25_000;
/** A session with no hanging poll and no request for this long is dropped, its queue with it. */
export const DEFAULT_SESSION_TTL_MS = 60_000;

/** Every setting of the server that changes results, as main.ts applies it. */
export const LONG_POLL_SETTINGS = {
  transport: 'http-long-poll',
  /** No compression anywhere (no Content-Encoding); the key keeps the ready line comparable with the WebSocket servers. */
  perMessageDeflate: false,
  /** Largest request body (/send, /echo): larger gets 413. Same limit as every Node WebSocket server. */
  maxPayloadBytes: MAX_PAYLOAD_BYTES,
  /** noDelay: true on the http server and setNoDelay(true) on every accepted socket. */
  tcpNoDelay: true,
  /** HTTP/1.1 keep-alive is on; server.keepAliveTimeout = 0 disables the idle-socket timer, so 0 = no idle timeout. */
  idleTimeoutSec: 0,
  keepAlive: true,
  /** Session queues grow without bound while a session does not poll (until the session expires): null = unbounded. */
  maxBackpressureBytes: null,
  /** Queued messages are handed to hanging polls at setImmediate, so messages of one loop turn share one poll response. */
  pollFlush: 'setImmediate',
  pollFraming: 'u32le-length-prefixed',
} as const;

/** The long-poll specific flags, separated from the flags every server takes. */
export interface LongPollArgs {
  pollTimeoutMs: number;
  sessionTtlMs: number;
  /** The remaining argv, for parseServerArgs. */
  rest: string[];
}

/** Both are milliseconds, at most an hour. */
const OWN_FLAGS = {
  '--poll-timeout-ms': { min: 1, max: 3_600_000, unit: 'ms' },
  '--session-ttl-ms': { min: 1, max: 3_600_000, unit: 'ms' },
} as const;

/**
 * Takes --poll-timeout-ms (default 25000) and --session-ttl-ms (default 60000) out of argv ("--flag v" or
 * "--flag=v"); throws ServerArgsError naming the flag on a bad value. The rest goes to parseServerArgs.
 */
export function parseLongPollArgs(argv: readonly string[]): LongPollArgs {
  const { values, rest } = splitOwnFlags(argv, OWN_FLAGS);
  return {
    pollTimeoutMs: values['--poll-timeout-ms'] ?? DEFAULT_POLL_TIMEOUT_MS,
    sessionTtlMs: values['--session-ttl-ms'] ?? DEFAULT_SESSION_TTL_MS,
    rest,
  };
}

/** The knobs of the ready line. */
export function longPollKnobs(args: ServerArgs, own: Omit<LongPollArgs, 'rest'>): Record<string, KnobValue> {
  return {
    library: `node:http@${process.versions.node}`,
    ...baseKnobs(1, args.stall),
    ...LONG_POLL_SETTINGS,
    pollTimeoutMs: own.pollTimeoutMs,
    sessionTtlMs: own.sessionTtlMs,
  };
}
