import { describe, expect, it } from 'vitest';
import { CLASS_CHEAP, CLASS_HEAVY, MessageCodec, WORK_SEEDS } from '../../../clients/load/contract-messages.js';
import { FrameParser } from '../../../clients/rfc6455/frame-parser.js';
import { buildMessage, buildWorkReply, buildWorkRequest, Op, work } from '../../../protocol/wire.js';

/** Unmasks one client frame into its payload, the way a server reads it. */
function serverRead(frame: Buffer): Buffer {
  const masked = Buffer.from(frame);
  masked[1]! &= 0x7f;
  let p = 2;
  const len7 = masked[1]!;
  if (len7 === 126) p = 4;
  else if (len7 === 127) p = 10;
  const key = frame.subarray(p, p + 4);
  const payload = Buffer.from(frame.subarray(p + 4));
  for (let i = 0; i < payload.length; i++) payload[i]! ^= key[i & 3]!;
  return payload;
}

function written(codec: MessageCodec, cls: number, seq: number, sendTimeUs: number): Buffer {
  const frame = Buffer.alloc(codec.frameBytes(cls));
  expect(codec.write(frame, 0, cls, seq, sendTimeUs)).toBe(frame.length);
  return serverRead(frame);
}

const T = 2 ** 40 + 12345; // a send time whose high u32 is not zero

describe('MessageCodec', () => {
  it('writes ECHO messages byte-identical to wire.buildMessage, class in the flags byte', () => {
    for (const payloadBytes of [0, 5, 64, 300, 70_000]) {
      const codec = new MessageCodec(payloadBytes, { kind: 'echo' });
      expect(written(codec, CLASS_CHEAP, 77, T).equals(buildMessage(Op.ECHO, 77, BigInt(T), payloadBytes, CLASS_CHEAP))).toBe(true);
    }
  });

  it('writes WORK requests with seed = seq % 16, byte-identical to wire.buildWorkRequest', () => {
    const codec = new MessageCodec(64, { kind: 'work', iterations: 1234 });
    expect(written(codec, CLASS_HEAVY, 35, T).equals(buildWorkRequest(35, BigInt(T), 1234, 35 % WORK_SEEDS, CLASS_HEAVY))).toBe(true);
  });

  it('accepts an exact echo and rejects any changed byte, length or timestamp', () => {
    const codec = new MessageCodec(64, { kind: 'echo' });
    const msg = written(codec, CLASS_CHEAP, 9, T);
    expect(codec.check(msg, 0, msg.length, CLASS_CHEAP, 9, T)).toBe(true);
    for (let i = 0; i < msg.length; i++) {
      const bad = Buffer.from(msg);
      bad[i]! ^= 0x01;
      expect(codec.check(bad, 0, bad.length, CLASS_CHEAP, 9, T), `byte ${i}`).toBe(false);
    }
    expect(codec.check(msg, 0, msg.length - 1, CLASS_CHEAP, 9, T)).toBe(false);
    expect(codec.check(msg, 0, msg.length, CLASS_CHEAP, 9, T + 1)).toBe(false);
    expect(codec.check(msg, 0, msg.length, CLASS_HEAVY, 9, T)).toBe(false);
  });

  it('checks a reply inside a larger buffer by offsets', () => {
    const codec = new MessageCodec(16, { kind: 'echo' });
    const msg = written(codec, CLASS_CHEAP, 1, T);
    const chunk = Buffer.concat([Buffer.alloc(7), msg, Buffer.alloc(3)]);
    expect(codec.check(chunk, 7, 7 + msg.length, CLASS_CHEAP, 1, T)).toBe(true);
  });

  it('accepts a WORK reply only with the right result', () => {
    const codec = new MessageCodec(0, { kind: 'mixed', iterations: 500, heavyFraction: 0.5 });
    const request = written(codec, CLASS_HEAVY, 21, T);
    const reply = buildWorkReply(request, work(500, 21 % WORK_SEEDS));
    expect(codec.check(reply, 0, reply.length, CLASS_HEAVY, 21, T)).toBe(true);
    const wrong = buildWorkReply(request, work(500, 22 % WORK_SEEDS));
    expect(codec.check(wrong, 0, wrong.length, CLASS_HEAVY, 21, T)).toBe(false);
  });

  it('round-trips through a frame parser as the server would echo it', () => {
    const codec = new MessageCodec(32, { kind: 'echo' });
    const msg = written(codec, CLASS_CHEAP, 3, T);
    let ok = false;
    new FrameParser({ onMessage: (d, s, e) => (ok = codec.check(d, s, e, CLASS_CHEAP, 3, T)) }).push(Buffer.concat([Buffer.from([0x82, msg.length]), msg]));
    expect(ok).toBe(true);
  });

  it('picks classes at the configured heavy fraction, deterministically per state', () => {
    const codec = new MessageCodec(0, { kind: 'mixed', iterations: 1, heavyFraction: 0.2 });
    const state = { rngState: 12345 };
    let heavy = 0;
    for (let i = 0; i < 100_000; i++) heavy += codec.pickClass(state);
    expect(heavy / 100_000).toBeCloseTo(0.2, 2);
    expect(new MessageCodec(0, { kind: 'echo' }).pickClass({ rngState: 1 })).toBe(CLASS_CHEAP);
    expect(new MessageCodec(0, { kind: 'work', iterations: 1 }).pickClass({ rngState: 1 })).toBe(CLASS_HEAVY);
  });
});
