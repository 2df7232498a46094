/**
 * The closing handshake: does the server echo our close frame and its code, and close TCP first (§7.1.1);
 * what it does with close codes that may not appear on the wire (1005, 999) and with a reason that is
 * not UTF-8.
 */
import type { ProbeContext, ProbeDefinition } from '../context.js';
import { awaitReaction, describeReaction, formatMs, type Reaction } from '../reaction.js';
import type { ProbeOutcome, ProbeVerdict } from '../types.js';

/** Sends a close frame carrying `payload` and returns the server's reaction (TCP end included). */
async function sendClose(ctx: ProbeContext, payload: Buffer): Promise<Reaction> {
  const sock = await ctx.open({ autoCloseReply: false });
  const from = sock.events.length;
  const sinceMs = sock.nowMs();
  sock.sendCloseRaw(payload);
  return awaitReaction(sock, { from, sinceMs, timeoutMs: ctx.settings.answerTimeoutMs, signal: ctx.signal });
}

function closePayload(code: number, reason: Buffer = Buffer.alloc(0)): Buffer {
  const payload = Buffer.alloc(2 + reason.length);
  payload.writeUInt16BE(code, 0);
  reason.copy(payload, 2);
  return payload;
}

/** "close 1002 … after 1 ms; server closed TCP after 2 ms" */
function describeWithTcp(reaction: Reaction): string {
  const text = describeReaction(reaction);
  if (reaction.kind !== 'close') return text;
  return reaction.tcpClosedAfterMs === null ? `${text}; TCP left open` : `${text}; server closed TCP after ${formatMs(reaction.tcpClosedAfterMs)}`;
}

function verdictFor(reaction: Reaction, expectedCode: number): ProbeVerdict {
  if (reaction.kind === 'none') return 'no-answer';
  return reaction.kind === 'close' && reaction.code === expectedCode ? 'as-rfc' : 'differs';
}

function invalidCloseProbe(id: string, title: string, payload: Buffer, expectedCode: number, expected: string): ProbeDefinition {
  return {
    id,
    group: 'close',
    title,
    expected,
    boundMs: (s) => 3 * s.answerTimeoutMs + 1_000,
    async run(ctx): Promise<ProbeOutcome> {
      const reaction = await sendClose(ctx, payload);
      return {
        observed: describeWithTcp(reaction),
        verdict: verdictFor(reaction, expectedCode),
        details: { sentPayloadHex: payload.toString('hex'), reaction },
      };
    },
  };
}

const ECHO_REASON = Buffer.from('wsarena probe');

export const closeProbes: ProbeDefinition[] = [
  {
    id: 'close-echo',
    group: 'close',
    title: 'Close frame echoed',
    expected: 'A close frame back, echoing code 1000; then the server closes TCP first (§5.5.1, §7.1.1)',
    boundMs: (s) => 3 * s.answerTimeoutMs + 1_000,
    async run(ctx): Promise<ProbeOutcome> {
      const reaction = await sendClose(ctx, closePayload(1000, ECHO_REASON));
      const details = { sentCode: 1000, reaction };
      if (reaction.kind === 'close' && reaction.code === 1000) return { observed: `echoed: ${describeWithTcp(reaction)}`, verdict: 'as-rfc', details };
      return { observed: describeWithTcp(reaction), verdict: verdictFor(reaction, 1000), details };
    },
  },
  invalidCloseProbe(
    'close-code-1005',
    'Close code 1005 on the wire',
    closePayload(1005),
    1002,
    'Fail the connection: close 1002 (1005 must not be sent, §7.4.1)',
  ),
  invalidCloseProbe(
    'close-code-999',
    'Close code 999 on the wire',
    closePayload(999),
    1002,
    'Fail the connection: close 1002 (codes below 1000 are unused, §7.4.2)',
  ),
  invalidCloseProbe(
    'close-bad-utf8',
    'Close reason not UTF-8',
    closePayload(1000, Buffer.from([0x48, 0x69, 0xff, 0xfe])),
    1007,
    'Fail the connection: close 1007 (reason must be UTF-8, §5.5.1, §8.1)',
  ),
];
