/**
 * Message size limits: the largest message accepted in one frame (doubling, then bisecting), whether a
 * message sent as many continuation frames is reassembled, and the size limit on such a message.
 */
import { encodeFrame, Opcode } from '../../clients/rfc6455/frame.js';
import { crashedAfter, echoMessage, echoRoundTrip, isEchoOf, type ProbeContext, type ProbeDefinition } from '../context.js';
import { awaitReaction, describeReaction, formatMs, formatSize, type Reaction } from '../reaction.js';
import type { ProbeSocket } from '../socket.js';
import type { ProbeOutcome, ProbeVerdict } from '../types.js';

/** Smallest size tried: below it a limit is not worth finding (no server refuses 1 KiB). */
const FIRST_SIZE_BYTES = 1024;
/** Single frames are written in slices of this size, so a refusal stops the upload early. */
const WRITE_SLICE_BYTES = 1024 * 1024;
/** Fragment size of the fragmented-limit probe. */
const FRAGMENT_BYTES = 64 * 1024;
/** The reassembly probe's message and fragment count. */
const REASSEMBLY_BYTES = 256 * 1024;
const REASSEMBLY_FRAGMENTS = 64;
const PING_PAYLOAD = Buffer.from('wsarena-probe-between-fragments');

/** How one message of one size fared. */
export interface SizeAttempt {
  bytes: number;
  /** Fragments it was sent in (1 = one frame). */
  frames: number;
  accepted: boolean;
  reaction: Reaction;
  /** Refused, but the connection stayed open and still echoes: the message was dropped silently. */
  silentDrop: boolean;
  /** The server process died. */
  crashed: boolean;
  /** Bytes of the frame(s), headers included. */
  frameBytes: number;
  /**
   * Bytes handed to our socket before the server reacted. Less than frameBytes means the server refused
   * before it could have read the whole message (it judged the length in the header).
   */
  bytesWrittenBeforeReaction: number;
  durationMs: number;
}

/** Holds the connection reused while messages are accepted. */
interface SizeSession {
  sock: ProbeSocket | null;
}

function socketOptions(ctx: ProbeContext): { maxMessageBytes: number } {
  return { maxMessageBytes: ctx.settings.maxMessageCapBytes + 1024 * 1024 };
}

/** The chunks to write for a message: slices of one frame, or one frame per fragment. */
function chunksFor(message: Buffer, fragmentBytes: number | null): Buffer[] {
  if (fragmentBytes === null) {
    const frame = encodeFrame(Opcode.BINARY, message);
    const slices: Buffer[] = [];
    for (let at = 0; at < frame.length; at += WRITE_SLICE_BYTES) slices.push(frame.subarray(at, at + WRITE_SLICE_BYTES));
    return slices;
  }
  const frames: Buffer[] = [];
  for (let at = 0; at < message.length; at += fragmentBytes) {
    const end = Math.min(message.length, at + fragmentBytes);
    frames.push(encodeFrame(at === 0 ? Opcode.BINARY : Opcode.CONTINUATION, message.subarray(at, end), { fin: end === message.length }));
  }
  return frames;
}

/**
 * Sends one ECHO message of `bytes` and classifies the outcome. The connection is reused while the server
 * accepts; after a refusal it is dropped and the next attempt opens a fresh one.
 */
export async function attemptSize(ctx: ProbeContext, session: SizeSession, bytes: number, fragmentBytes: number | null): Promise<SizeAttempt> {
  const started = performance.now();
  if (session.sock === null || session.sock.isEnded) session.sock = await ctx.open(socketOptions(ctx));
  const sock = session.sock;
  const message = echoMessage(bytes);
  const chunks = chunksFor(message, fragmentBytes);
  const from = sock.events.length;
  const sinceMs = sock.nowMs();
  const timeoutMs = ctx.settings.answerTimeoutMs;
  let written = 0;
  const reacted = (): boolean => sock.events.slice(from).some((e) => e.type === 'close' || e.type === 'end' || e.type === 'protocol-error');
  for (const chunk of chunks) {
    if (reacted() || ctx.signal.aborted) break;
    const ok = sock.write(chunk);
    written += chunk.length;
    // A server that stops reading mid-message without closing shows up as a drain that never comes.
    if (!ok && !(await sock.waitDrain(timeoutMs))) break;
  }
  const reaction = await awaitReaction(sock, { from, sinceMs, timeoutMs, isReply: isEchoOf(message), signal: ctx.signal });
  let silentDrop = false;
  if (reaction.kind === 'none' && !sock.isEnded) {
    // Nothing came back: a dropped message if the connection still echoes a small one, else a stall.
    silentDrop = (await echoRoundTrip(sock, timeoutMs, ctx.signal)) !== null;
  }
  // Echoes were compared as they arrived; a session of large messages must not keep them all.
  sock.releasePayloads();
  const accepted = reaction.kind === 'reply';
  if (!accepted) {
    sock.destroy();
    session.sock = null;
  }
  const crashed = !accepted && (await crashedAfter(ctx, reaction));
  if (crashed) await ctx.target.recover();
  return {
    bytes,
    frames: fragmentBytes === null ? 1 : chunks.length,
    accepted,
    reaction,
    silentDrop,
    crashed,
    frameBytes: chunks.reduce((sum, c) => sum + c.length, 0),
    bytesWrittenBeforeReaction: written,
    durationMs: Math.round(performance.now() - started),
  };
}

/** "close 1009 after 2 ms", "dropped silently (the connection stays open)", "server crashed", … */
export function describeRefusal(attempt: SizeAttempt): string {
  if (attempt.crashed) return `server crashed (${describeReaction(attempt.reaction)})`;
  if (attempt.silentDrop) return 'dropped silently, the connection still echoes';
  const early =
    attempt.reaction.kind !== 'none' && attempt.reaction.kind !== 'reply' && attempt.bytesWrittenBeforeReaction < attempt.frameBytes
      ? ', before the whole message was sent'
      : '';
  return `${describeReaction(attempt.reaction)}${early}`;
}

/** RFC 6455 §7.4.1: 1009 is the code for a message too big to process. */
export function refusalVerdict(attempt: SizeAttempt): ProbeVerdict {
  if (attempt.crashed || attempt.silentDrop) return 'differs';
  if (attempt.reaction.kind === 'none') return 'no-answer';
  return attempt.reaction.kind === 'close' && attempt.reaction.code === 1009 ? 'as-rfc' : 'differs';
}

export const maxMessageProbe: ProbeDefinition = {
  id: 'max-message',
  group: 'size',
  title: 'Largest message accepted',
  expected: 'No limit in RFC 6455; a message too big to process is refused with close 1009 (§7.4.1)',
  boundMs: (s) => s.maxMessageBudgetMs + 20 * 3 * s.answerTimeoutMs,
  async run(ctx): Promise<ProbeOutcome> {
    const cap = ctx.settings.maxMessageCapBytes;
    const session: SizeSession = { sock: null };
    const attempts: SizeAttempt[] = [];
    let acceptedBytes = 0;
    let refused: SizeAttempt | null = null;

    // Doubling: the first refusal brackets the limit.
    for (let size = Math.min(FIRST_SIZE_BYTES, cap); !ctx.signal.aborted; size = Math.min(size * 2, cap)) {
      const attempt = await attemptSize(ctx, session, size, null);
      attempts.push(attempt);
      if (!attempt.accepted) {
        refused = attempt;
        break;
      }
      acceptedBytes = size;
      if (size === cap) break;
    }

    // Bisection, within its time budget. Limits are usually powers of two, so try accepted + 1 first.
    const deadline = performance.now() + ctx.settings.maxMessageBudgetMs;
    let first = true;
    while (refused !== null && refused.bytes - acceptedBytes > 1 && performance.now() < deadline && !ctx.signal.aborted) {
      const size = first && acceptedBytes >= FIRST_SIZE_BYTES ? acceptedBytes + 1 : Math.floor((acceptedBytes + refused.bytes) / 2);
      first = false;
      const attempt = await attemptSize(ctx, session, size, null);
      attempts.push(attempt);
      if (attempt.accepted) acceptedBytes = size;
      else refused = attempt;
    }
    session.sock?.destroy();
    ctx.findings.maxMessage = { acceptedBytes, refusedBytes: refused?.bytes ?? null };

    const details = {
      capBytes: cap,
      largestAcceptedBytes: acceptedBytes,
      smallestRefusedBytes: refused?.bytes ?? null,
      exact: refused !== null && refused.bytes === acceptedBytes + 1,
      refusal: refused,
      attempts: attempts.map((a) => ({ bytes: a.bytes, accepted: a.accepted, reaction: a.reaction.kind, durationMs: a.durationMs })),
    };
    if (refused === null) {
      return { observed: `accepts ${formatSize(acceptedBytes)} (the cap); no limit found`, verdict: 'as-rfc', details };
    }
    const accepted = acceptedBytes === 0 ? 'accepts nothing tried' : `accepts ${formatSize(acceptedBytes)}`;
    const bracket = details.exact ? '' : ' (bisection stopped at its time budget)';
    return {
      observed: `${accepted}; ${formatSize(refused.bytes)} → ${describeRefusal(refused)}${bracket}`,
      verdict: refusalVerdict(refused),
      details,
    };
  },
};

export const fragmentedReassemblyProbe: ProbeDefinition = {
  id: 'fragmented-reassembly',
  group: 'size',
  title: 'Fragmented message reassembled',
  expected: 'One message from many continuation frames, pings between fragments answered (§5.4)',
  boundMs: (s) => 3 * s.answerTimeoutMs + 1_000,
  async run(ctx): Promise<ProbeOutcome> {
    const limit = ctx.findings.maxMessage?.acceptedBytes;
    const total =
      limit !== undefined && limit >= FIRST_SIZE_BYTES ? Math.min(REASSEMBLY_BYTES, limit) : Math.min(REASSEMBLY_BYTES, ctx.settings.maxMessageCapBytes);
    const fragmentBytes = Math.ceil(total / REASSEMBLY_FRAGMENTS);
    const message = echoMessage(total);
    const frames = chunksFor(message, fragmentBytes);
    // A ping in the middle of the message: control frames may be interleaved with fragments (§5.4).
    frames.splice(frames.length >> 1, 0, encodeFrame(Opcode.PING, PING_PAYLOAD));

    const sock = await ctx.open(socketOptions(ctx));
    const from = sock.events.length;
    const sinceMs = sock.nowMs();
    sock.socket.cork();
    for (const frame of frames) sock.write(frame);
    sock.socket.uncork();
    const timeoutMs = ctx.settings.answerTimeoutMs;
    const reaction = await awaitReaction(sock, { from, sinceMs, timeoutMs, isReply: isEchoOf(message), signal: ctx.signal });
    const pong = await sock.waitFor(from, (e) => e.type === 'pong' && e.payload.equals(PING_PAYLOAD), reaction.kind === 'reply' ? timeoutMs : 0, ctx.signal);
    const details = { messageBytes: total, fragments: frames.length - 1, fragmentBytes, pingBetweenFragments: true, pongReceived: pong !== null, reaction };
    if (reaction.kind === 'reply') {
      const frag = `${frames.length - 1} fragments of ${formatSize(fragmentBytes)}`;
      if (pong === null)
        return { observed: `reassembled ${frag} after ${formatMs(reaction.afterMs)}, but no pong to the ping between fragments`, verdict: 'differs', details };
      return { observed: `reassembled ${frag} after ${formatMs(reaction.afterMs)}; ping between fragments answered`, verdict: 'as-rfc', details };
    }
    return { observed: `not reassembled: ${describeReaction(reaction)}`, verdict: reaction.kind === 'none' ? 'no-answer' : 'differs', details };
  },
};

export const fragmentedLimitProbe: ProbeDefinition = {
  id: 'fragmented-limit',
  group: 'size',
  title: 'Size limit on fragmented messages',
  expected: 'Same as one frame: a message too big when reassembled is refused with close 1009 (§5.4, §7.4.1)',
  boundMs: (s) => 6 * s.answerTimeoutMs + 10_000,
  async run(ctx): Promise<ProbeOutcome> {
    const cap = ctx.settings.maxMessageCapBytes;
    const single = ctx.findings.maxMessage;
    const session: SizeSession = { sock: null };
    const frag = (bytes: number): string => `${formatSize(bytes)} in ${Math.ceil(bytes / FRAGMENT_BYTES)} fragments`;
    try {
      if (single === undefined || single.refusedBytes === null) {
        // No single-frame limit known: is the cap accepted in fragments?
        const attempt = await attemptSize(ctx, session, cap, FRAGMENT_BYTES);
        const details = { fragmentBytes: FRAGMENT_BYTES, singleFrameLimit: single ?? null, attempts: [attempt] };
        if (attempt.accepted) return { observed: `accepts ${frag(cap)} (the cap)`, verdict: 'as-rfc', details };
        return { observed: `${frag(cap)} → ${describeRefusal(attempt)}`, verdict: refusalVerdict(attempt), details };
      }
      const atLimit = await attemptSize(ctx, session, Math.max(single.acceptedBytes, 16), FRAGMENT_BYTES);
      const overLimit = await attemptSize(ctx, session, single.refusedBytes, FRAGMENT_BYTES);
      const details = { fragmentBytes: FRAGMENT_BYTES, singleFrameLimit: single, attempts: [atLimit, overLimit] };
      if (atLimit.accepted && !overLimit.accepted) {
        return {
          observed: `same limit as one frame: ${frag(atLimit.bytes)} accepted; ${formatSize(overLimit.bytes)} → ${describeRefusal(overLimit)}`,
          verdict: refusalVerdict(overLimit),
          details,
        };
      }
      if (!atLimit.accepted) {
        return { observed: `lower than one frame: ${frag(atLimit.bytes)} → ${describeRefusal(atLimit)}`, verdict: refusalVerdict(atLimit), details };
      }
      // Accepted in fragments what one frame may not carry: the limit is per frame.
      const atCap = overLimit.bytes < cap ? await attemptSize(ctx, session, cap, FRAGMENT_BYTES) : null;
      if (atCap !== null) details.attempts.push(atCap);
      const capNote = atCap === null ? '' : atCap.accepted ? `; ${frag(cap)} (the cap) accepted too` : `; ${formatSize(cap)} → ${describeRefusal(atCap)}`;
      return { observed: `per-frame limit only: ${frag(overLimit.bytes)} accepted${capNote}`, verdict: 'differs', details };
    } finally {
      session.sock?.destroy();
    }
  },
};
