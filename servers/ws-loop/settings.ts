import { createRequire } from 'node:module';
import type { ArgsPolicy, ServerArgs } from '../common/args.js';
import { MAX_PAYLOAD_BYTES } from '../common/limits.js';
import { baseKnobs, type KnobValue } from '../common/ready.js';

/** Registry name of this server. */
export const WS_LOOP_NAME = 'ws-loop';

/** One event loop: --threads is refused rather than silently ignored. */
export const WS_LOOP_ARGS_POLICY: ArgsPolicy = { supportsThreads: false };

/** Every ws setting that changes results, as main.ts applies it. */
export const WS_LOOP_SETTINGS = {
  /** Compression off on both sides, as docs/METHOD.md §4 requires. */
  perMessageDeflate: false,
  /** Larger messages close the connection with 1009. */
  maxPayloadBytes: MAX_PAYLOAD_BYTES,
  /** socket.setNoDelay(true) on every upgraded socket (ws does it too; we do it explicitly so it is ours to report). */
  tcpNoDelay: true,
  /** ws has no idle timeout and we add none: 0 = disabled, the same meaning as uWS's idleTimeout 0. */
  idleTimeoutSec: 0,
  /** ws buffers without bound when a client reads slowly (socket.bufferedAmount grows): null = unbounded. */
  maxBackpressureBytes: null,
  /** wss.clients is kept: BROADCAST iterates it. */
  clientTracking: true,
} as const;

const require = createRequire(import.meta.url);

/** The knobs of the ready line. */
export function wsLoopKnobs(args: ServerArgs): Record<string, KnobValue> {
  const wsVersion = (require('ws/package.json') as { version: string }).version;
  return { library: `ws@${wsVersion}`, ...baseKnobs(1, args.stall), ...WS_LOOP_SETTINGS };
}
