/**
 * Bad input: frames RFC 6455 says a server must fail the connection for. For each, the server's reaction
 * on the offending connection, and whether a bystander connection opened beforehand still echoes.
 */
import { encodeFrame, maskedHeaderBytes, Opcode } from '../../clients/rfc6455/frame.js';
import { crashedAfter, echoMessage, echoRoundTrip, isEchoOf, type ProbeDefinition, serverHealth } from '../context.js';
import { awaitReaction, describeReaction, type Reaction } from '../reaction.js';
import type { ProbeEvent } from '../socket.js';
import type { ProbeOutcome, ProbeVerdict } from '../types.js';

/** A client frame without the mask bit or key (§5.1 forbids it). */
export function unmaskedFrame(opcode: number, payload: Buffer): Buffer {
  // Masking with an all-zero key leaves the payload as it is; then drop the key and the MASK bit.
  const masked = encodeFrame(opcode, payload, { key: Buffer.alloc(4) });
  const keyAt = maskedHeaderBytes(payload.length) - 4;
  const frame = Buffer.concat([masked.subarray(0, keyAt), masked.subarray(keyAt + 4)]);
  frame[1] = frame[1]! & 0x7f;
  return frame;
}

/** A masked frame with RSV bits set in its first byte (0x40 = RSV1). */
export function frameWithRsv(opcode: number, payload: Buffer, rsvBits: number): Buffer {
  const frame = encodeFrame(opcode, payload);
  frame[0] = frame[0]! | rsvBits;
  return frame;
}

interface BadInput {
  id: string;
  title: string;
  expected: string;
  expectedCode: number;
  /** The frame to send, and which event would mean the server acted on it anyway. */
  build(): { frame: Buffer; processed: (event: ProbeEvent) => boolean };
  /**
   * When the server does not react: bytes that would complete the frame as the server may be reading it,
   * and what it means if it then reacts.
   */
  ifSilent?: { bytes: Buffer; meaning: string };
}

const INVALID_UTF8 = Buffer.from([0x48, 0x69, 0xff, 0xfe]);

const BAD_INPUTS: BadInput[] = [
  {
    id: 'bad-unmasked',
    title: 'Unmasked client frame',
    expected: 'Fail the connection: close 1002 (§5.1); other connections unaffected',
    expectedCode: 1002,
    build() {
      const message = echoMessage(64);
      return { frame: unmaskedFrame(Opcode.BINARY, message), processed: isEchoOf(message) };
    },
    // A server that ignores the MASK bit takes the first 4 payload bytes for a key and waits for 4 more.
    ifSilent: { bytes: Buffer.alloc(4), meaning: 'MASK bit ignored (read as masked)' },
  },
  {
    id: 'bad-reserved-opcode',
    title: 'Reserved opcode 0x3',
    expected: 'Fail the connection: close 1002 (§5.2); other connections unaffected',
    expectedCode: 1002,
    build() {
      const message = echoMessage(64);
      return { frame: encodeFrame(0x3, message), processed: isEchoOf(message) };
    },
  },
  {
    id: 'bad-rsv-bits',
    title: 'RSV1 set, no extension',
    expected: 'Fail the connection: close 1002 (§5.2); other connections unaffected',
    expectedCode: 1002,
    build() {
      const message = echoMessage(64);
      return { frame: frameWithRsv(Opcode.BINARY, message, 0x40), processed: isEchoOf(message) };
    },
  },
  {
    id: 'bad-control-too-long',
    title: 'Ping of 126 bytes',
    expected: 'Fail the connection: close 1002 (control frames ≤ 125 bytes, §5.5); others unaffected',
    expectedCode: 1002,
    build() {
      return { frame: encodeFrame(Opcode.PING, Buffer.alloc(126, 0x61)), processed: (e) => e.type === 'pong' };
    },
  },
  {
    id: 'bad-text-utf8',
    title: 'Text frame, invalid UTF-8',
    expected: 'Fail the connection: close 1007 (§8.1, §7.4.1); other connections unaffected',
    expectedCode: 1007,
    build() {
      // A server that echoes the text sends invalid UTF-8 back, which our parser flags rather than delivers.
      return {
        frame: encodeFrame(Opcode.TEXT, INVALID_UTF8),
        processed: (e) => e.type === 'message' || (e.type === 'protocol-error' && e.code === 'WS_ERR_INVALID_UTF8'),
      };
    },
  },
];

function badInputProbe(input: BadInput): ProbeDefinition {
  return {
    id: input.id,
    group: 'bad-input',
    title: input.title,
    expected: input.expected,
    boundMs: (s) => 5 * s.answerTimeoutMs + 1_000,
    async run(ctx): Promise<ProbeOutcome> {
      const timeoutMs = ctx.settings.answerTimeoutMs;
      const bystander = await ctx.open();
      const sock = await ctx.open();
      const { frame, processed } = input.build();
      const from = sock.events.length;
      const sinceMs = sock.nowMs();
      sock.write(frame);
      let reaction: Reaction = await awaitReaction(sock, { from, sinceMs, timeoutMs, isReply: processed, signal: ctx.signal });
      let completed: Reaction | null = null;
      if (reaction.kind === 'none' && input.ifSilent !== undefined && !sock.isEnded) {
        const moreFrom = sock.events.length;
        const moreSinceMs = sock.nowMs();
        sock.write(input.ifSilent.bytes);
        completed = await awaitReaction(sock, { from: moreFrom, sinceMs: moreSinceMs, timeoutMs, isReply: (e) => e.type === 'message', signal: ctx.signal });
        if (completed.kind !== 'none') reaction = completed;
      }
      const crashed = await crashedAfter(ctx, reaction);
      const bystanderRttMs = crashed ? null : await echoRoundTrip(bystander, timeoutMs, ctx.signal);
      const fresh = bystanderRttMs === null && !crashed ? await serverHealth(ctx) : null;
      const readAsOtherFrame = completed !== null && completed.kind !== 'none';
      const details = {
        frameHex: frame.subarray(0, 16).toString('hex'),
        frameBytes: frame.length,
        reaction,
        readAsOtherFrame,
        crashed,
        bystanderEchoes: bystanderRttMs !== null,
        bystanderRttMs,
        freshConnectionEchoes: fresh?.echoes ?? null,
      };

      let what = reaction.kind === 'reply' ? `processed it as if valid (${describeReaction(reaction)})` : describeReaction(reaction);
      if (readAsOtherFrame)
        what = `no reaction until ${input.ifSilent!.bytes.length} more bytes, then ${describeReaction(reaction)}: ${input.ifSilent!.meaning}`;
      let others: string;
      if (crashed) others = 'server crashed';
      else if (bystanderRttMs !== null) others = 'others unaffected';
      else others = fresh?.echoes ? 'open connections broken, new ones work' : 'server stopped serving';
      let verdict: ProbeVerdict;
      if (crashed || bystanderRttMs === null || readAsOtherFrame) verdict = 'differs';
      else if (reaction.kind === 'none') verdict = 'no-answer';
      else verdict = reaction.kind === 'close' && reaction.code === input.expectedCode ? 'as-rfc' : 'differs';
      return { observed: `${what}; ${others}`, verdict, details };
    },
  };
}

export const badInputProbes: ProbeDefinition[] = BAD_INPUTS.map(badInputProbe);
