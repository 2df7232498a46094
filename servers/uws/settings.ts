import type { HttpRequest, HttpResponse, us_socket_context_t } from '@trufflesuite/uws-js-unofficial';
import type { ArgsPolicy, ServerArgs } from '../common/args.js';
import { MAX_PAYLOAD_BYTES } from '../common/limits.js';
import { ORIGIN_REFUSED, originAllowed } from '../common/origin.js';
import { baseKnobs, type KnobValue } from '../common/ready.js';

/** Registry name of this server. */
export const UWS_NAME = 'uws';

/** One event loop: --threads is refused rather than silently ignored. */
export const UWS_ARGS_POLICY: ArgsPolicy = { supportsThreads: false };

/** Pub/sub topic every connection joins; BROADCAST publishes to it. */
export const BROADCAST_TOPIC = 'all';

/**
 * Every uWS setting that changes results, as main.ts applies it. Set deliberately: uWS's defaults
 * (16 KiB payload, 64 KiB backpressure, 120 s idle timeout with automatic pings) differ from ws's, and a
 * single backpressure setting has changed uWS throughput 56× in a published report (docs/METHOD.md §4).
 */
export const UWS_SETTINGS = {
  /** uWS.DISABLED: no permessage-deflate. */
  perMessageDeflate: false,
  /** maxPayloadLength: the same limit as ws-loop; larger messages close the connection. */
  maxPayloadBytes: MAX_PAYLOAD_BYTES,
  /**
   * maxBackpressure: bytes a connection may have queued before uWS drops further sends to it (send()
   * returns 2, publish skips it). 16 MiB is far above what the suite's in-flight depth produces, so drops
   * signal a stuck client, not a tuning artefact. ws-loop has no such limit.
   */
  maxBackpressureBytes: 16 * 1024 * 1024,
  /** closeOnBackpressureLimit: a client over the limit loses messages (counted as sendDrops), not its connection. */
  closeOnBackpressureLimit: false,
  /** uSockets sets TCP_NODELAY on every accepted socket itself; there is no option to change it. */
  tcpNoDelay: true,
  /** idleTimeout 0 = disabled: a quiet benchmark connection must not be closed. */
  idleTimeoutSec: 0,
  /** maxLifetime 0 = disabled. */
  maxLifetimeMin: 0,
  /** No server pings: ws-loop sends none either, and pings would add traffic the client must answer. */
  sendPingsAutomatically: false,
  /** BROADCAST goes through uWS pub/sub (app.publish to one topic), the path uWS is built to make fast. */
  broadcastVia: 'app.publish',
} as const;

/** The knobs of the ready line; `library` names the package version and the native ABI actually loaded. */
export function uwsKnobs(args: ServerArgs, packageVersion: string): Record<string, KnobValue> {
  return {
    library: `uWebSockets.js@${packageVersion} (native, ABI ${process.versions.modules})`,
    ...baseKnobs(1, args.stall),
    ...UWS_SETTINGS,
  };
}

/**
 * The result-changing part of uWS's WebSocketBehavior, built from UWS_SETTINGS. Shared by uws and
 * uws-threads so both models run with identical knobs; the caller adds the handlers.
 */
export function uwsBehaviorSettings(compressionDisabled: number) {
  return {
    compression: compressionDisabled,
    maxPayloadLength: UWS_SETTINGS.maxPayloadBytes,
    maxBackpressure: UWS_SETTINGS.maxBackpressureBytes,
    // Declared as a number in the package's typings, read as a boolean by the binary: 0 = false.
    closeOnBackpressureLimit: UWS_SETTINGS.closeOnBackpressureLimit ? 1 : 0,
    idleTimeout: UWS_SETTINGS.idleTimeoutSec,
    maxLifetime: UWS_SETTINGS.maxLifetimeMin,
    sendPingsAutomatically: UWS_SETTINGS.sendPingsAutomatically,
    /** uWS's default upgrade, after the Origin check (servers/common/origin.ts): a foreign Origin gets 403. */
    upgrade: (response: HttpResponse, request: HttpRequest, context: us_socket_context_t) => {
      if (!originAllowed(request.getHeader('origin'))) {
        response.writeStatus('403 Forbidden').writeHeader('Content-Type', 'text/plain').end(ORIGIN_REFUSED, true);
        return;
      }
      response.upgrade(
        {},
        request.getHeader('sec-websocket-key'),
        request.getHeader('sec-websocket-protocol'),
        request.getHeader('sec-websocket-extensions'),
        context,
      );
    },
  };
}
