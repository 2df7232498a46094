/**
 * Keepalive: does the server answer our pings, does it ping on its own, and does it close idle
 * connections. The last two read one shared observation of an idle connection.
 */
import type { ProbeContext, ProbeDefinition } from '../context.js';
import { awaitReaction, describeReaction, formatMs, type Reaction, round } from '../reaction.js';
import type { ProbeOutcome } from '../types.js';

const PINGS = 5;

export const pingPongProbe: ProbeDefinition = {
  id: 'ping-pong',
  group: 'keepalive',
  title: 'Pong to a client ping',
  expected: 'A pong with the same application data, as soon as practical (§5.5.2, §5.5.3)',
  boundMs: (s) => (PINGS + 1) * s.answerTimeoutMs + 1_000,
  async run(ctx): Promise<ProbeOutcome> {
    const sock = await ctx.open();
    const roundTripsMs: number[] = [];
    let mismatched = 0;
    let reaction: Reaction | null = null;
    for (let i = 0; i < PINGS && !ctx.signal.aborted; i++) {
      const payload = Buffer.from(`wsarena-ping-${i}`);
      const from = sock.events.length;
      const sentAt = sock.nowMs();
      sock.ping(payload);
      const event = await sock.waitFor(from, (e) => e.type === 'pong' || e.type === 'close' || e.type === 'end', ctx.settings.answerTimeoutMs, ctx.signal);
      if (event === null || event.type !== 'pong') {
        reaction = await awaitReaction(sock, { from, sinceMs: sentAt, timeoutMs: 0 });
        break;
      }
      if (!event.payload.equals(payload)) mismatched++;
      roundTripsMs.push(round(event.atMs - sentAt));
    }
    const sorted = [...roundTripsMs].sort((a, b) => a - b);
    const medianMs = sorted[sorted.length >> 1] ?? null;
    const details = { pings: PINGS, pongs: roundTripsMs.length, roundTripsMs, medianMs, payloadMismatches: mismatched, reaction };
    if (roundTripsMs.length === 0) {
      const what =
        reaction === null || reaction.kind === 'none' ? `no pong within ${formatMs(ctx.settings.answerTimeoutMs)}` : `no pong: ${describeReaction(reaction)}`;
      return { observed: what, verdict: reaction === null || reaction.kind === 'none' ? 'no-answer' : 'differs', details };
    }
    const timing = `pong after ${formatMs(medianMs!)} (median of ${roundTripsMs.length})`;
    if (roundTripsMs.length < PINGS) return { observed: `${timing}, then none for ping ${roundTripsMs.length + 1}`, verdict: 'differs', details };
    if (mismatched > 0) return { observed: `${timing}, but ${mismatched} pong(s) with other data`, verdict: 'differs', details };
    return { observed: `${timing}, same data`, verdict: 'as-rfc', details };
  },
};

/** What an idle connection saw during the keepalive window. */
interface IdleObservation {
  windowMs: number;
  pingTimesMs: number[];
  /** How the connection ended within the window, or null. */
  ending: Reaction | null;
}

/** Opens one connection, sends nothing (our side answers pings), and watches it for the keepalive window. */
function observeIdle(ctx: ProbeContext): Promise<IdleObservation> {
  return ctx.memo('idle-observation', async () => {
    const windowMs = ctx.settings.keepaliveWindowMs;
    const sock = await ctx.open({ autoPong: true });
    const end = await sock.waitFor(0, (e) => e.type === 'close' || e.type === 'end', windowMs, ctx.signal);
    let ending: Reaction | null = null;
    if (end !== null) ending = await awaitReaction(sock, { from: 0, sinceMs: 0, timeoutMs: ctx.settings.answerTimeoutMs });
    const pingTimesMs = sock.events.filter((e) => e.type === 'ping').map((e) => round(e.atMs));
    sock.destroy();
    return { windowMs, pingTimesMs, ending };
  });
}

export const serverPingsProbe: ProbeDefinition = {
  id: 'server-pings',
  group: 'keepalive',
  title: 'Pings sent by the server',
  expected: 'Optional: an endpoint MAY ping at any time (§5.5.2); the wsarena contract says none',
  boundMs: (s) => s.keepaliveWindowMs + 2 * s.answerTimeoutMs + 1_000,
  async run(ctx): Promise<ProbeOutcome> {
    const seen = await observeIdle(ctx);
    const intervalsMs = seen.pingTimesMs.slice(1).map((t, i) => round(t - seen.pingTimesMs[i]!));
    const sorted = [...intervalsMs].sort((a, b) => a - b);
    const details = {
      windowMs: seen.windowMs,
      pings: seen.pingTimesMs.length,
      pingTimesMs: seen.pingTimesMs,
      intervalsMs,
      medianIntervalMs: sorted[sorted.length >> 1] ?? null,
    };
    if (seen.pingTimesMs.length === 0) return { observed: `none within ${formatMs(seen.windowMs)}`, verdict: 'as-rfc', details };
    const first = `first after ${formatMs(seen.pingTimesMs[0]!)}`;
    const every = details.medianIntervalMs === null ? '' : `, then every ${formatMs(details.medianIntervalMs)}`;
    return { observed: `${seen.pingTimesMs.length} ping(s) in ${formatMs(seen.windowMs)}: ${first}${every}`, verdict: 'as-rfc', details };
  },
};

export const idleCloseProbe: ProbeDefinition = {
  id: 'idle-close',
  group: 'keepalive',
  title: 'Idle connection closed',
  expected: 'No idle timeout in RFC 6455; a server that closes one sends a close frame first (§7.1.2)',
  boundMs: (s) => s.keepaliveWindowMs + 2 * s.answerTimeoutMs + 1_000,
  async run(ctx): Promise<ProbeOutcome> {
    const seen = await observeIdle(ctx);
    const details = { windowMs: seen.windowMs, ending: seen.ending, sharedObservationWith: 'server-pings' };
    if (seen.ending === null) return { observed: `none within ${formatMs(seen.windowMs)}`, verdict: 'as-rfc', details };
    return { observed: `closed: ${describeReaction(seen.ending)}`, verdict: seen.ending.kind === 'close' ? 'as-rfc' : 'differs', details };
  },
};
