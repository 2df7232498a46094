import { describe, expect, it } from 'vitest';
import {
  encodeCloseFrame,
  encodeFrame,
  maskedFrameBytes,
  maskedHeaderBytes,
  Opcode,
  writeMaskedFrame,
  writeMaskedFrameParts,
} from '../../../clients/rfc6455/frame.js';

const KEY = Buffer.from([0x37, 0xfa, 0x21, 0x3d]);
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** Undoes the client mask, for checking frames this side built with random keys. */
function unmask(frame: Buffer): { fin: boolean; opcode: number; payload: Buffer; key: Buffer } {
  const len7 = frame[1]! & 0x7f;
  let p = 2;
  let len = len7;
  if (len7 === 126) {
    len = frame.readUInt16BE(2);
    p = 4;
  } else if (len7 === 127) {
    len = Number(frame.readBigUInt64BE(2));
    p = 10;
  }
  expect(frame[1]! & 0x80).toBe(0x80);
  const key = frame.subarray(p, p + 4);
  const payload = Buffer.from(frame.subarray(p + 4, p + 4 + len));
  for (let i = 0; i < payload.length; i++) payload[i]! ^= key[i & 3]!;
  expect(frame.length).toBe(p + 4 + len);
  return { fin: (frame[0]! & 0x80) !== 0, opcode: frame[0]! & 0x0f, payload, key: Buffer.from(key) };
}

describe('encodeFrame (RFC 6455 §5.7 examples)', () => {
  it('masks "Hello" with key 37 fa 21 3d exactly as the RFC shows', () => {
    expect(hex(encodeFrame(Opcode.TEXT, Buffer.from('Hello'), { key: KEY }))).toBe('818537fa213d7f9f4d5158');
  });

  it('encodes the masked pong "Hello"', () => {
    expect(hex(encodeFrame(Opcode.PONG, Buffer.from('Hello'), { key: KEY }))).toBe('8a8537fa213d7f9f4d5158');
  });

  it('encodes the fragments "Hel" + "lo" with FIN only on the last', () => {
    const first = unmask(encodeFrame(Opcode.TEXT, Buffer.from('Hel'), { fin: false }));
    const last = unmask(encodeFrame(Opcode.CONTINUATION, Buffer.from('lo')));
    expect([first.fin, first.opcode, first.payload.toString()]).toEqual([false, Opcode.TEXT, 'Hel']);
    expect([last.fin, last.opcode, last.payload.toString()]).toEqual([true, Opcode.CONTINUATION, 'lo']);
  });

  it('uses a 16-bit length for 256 bytes and a 64-bit length for 64 KiB', () => {
    const small = encodeFrame(Opcode.BINARY, Buffer.alloc(256, 7));
    expect(hex(small.subarray(0, 4))).toBe('82fe0100');
    expect(small.length).toBe(4 + 4 + 256);
    const big = encodeFrame(Opcode.BINARY, Buffer.alloc(65536, 9));
    expect(hex(big.subarray(0, 10))).toBe('82ff0000000000010000');
    expect(big.length).toBe(10 + 4 + 65536);
    expect(unmask(big).payload.equals(Buffer.alloc(65536, 9))).toBe(true);
  });

  it('picks the length form at the 125/126 and 65535/65536 edges', () => {
    expect([125, 126, 65535, 65536].map(maskedHeaderBytes)).toEqual([6, 8, 8, 14]);
    expect(maskedFrameBytes(0)).toBe(6);
    expect(encodeFrame(Opcode.BINARY, Buffer.alloc(125))[1]).toBe(0x80 | 125);
    expect(encodeFrame(Opcode.BINARY, Buffer.alloc(126))[1]).toBe(0x80 | 126);
    expect(encodeFrame(Opcode.BINARY, Buffer.alloc(65535))[1]).toBe(0x80 | 126);
  });

  it('draws a fresh mask key for every frame', () => {
    const keys = new Set<string>();
    for (let i = 0; i < 200; i++) keys.add(hex(unmask(encodeFrame(Opcode.BINARY, Buffer.from('x'))).key));
    expect(keys.size).toBeGreaterThan(190);
  });
});

describe('writeMaskedFrameParts', () => {
  it('equals one frame of head + tail, for aligned and unaligned heads, short and long tails', () => {
    for (const headLen of [0, 1, 3, 4, 16, 17]) {
      for (const tailLen of [0, 5, 47, 48, 200, 70000]) {
        const head = Buffer.from(Array.from({ length: headLen }, (_, i) => (i * 7 + 1) & 0xff));
        const tail = Buffer.from(Array.from({ length: tailLen }, (_, i) => (i * 13 + 5) & 0xff));
        const whole = Buffer.concat([head, tail]);
        const expected = encodeFrame(Opcode.BINARY, whole, { key: KEY });
        const target = Buffer.alloc(expected.length + 3, 0xee);
        const end = writeMaskedFrameParts(target, 3, Opcode.BINARY, head, tail, true, KEY);
        expect(end).toBe(target.length);
        expect(target.subarray(3).equals(expected)).toBe(true);
      }
    }
  });

  it('lays several frames back to back in one buffer', () => {
    const payloads = ['a', 'bb', 'ccc'].map((s) => Buffer.from(s));
    const batch = Buffer.alloc(payloads.reduce((n, p) => n + maskedFrameBytes(p.length), 0));
    let offset = 0;
    for (const p of payloads) offset = writeMaskedFrame(batch, offset, Opcode.BINARY, p);
    expect(offset).toBe(batch.length);
    let at = 0;
    for (const p of payloads) {
      const len = maskedFrameBytes(p.length);
      expect(unmask(batch.subarray(at, at + len)).payload.equals(p)).toBe(true);
      at += len;
    }
  });
});

describe('encodeCloseFrame', () => {
  it('carries the code big-endian and the reason in UTF-8', () => {
    const { opcode, payload } = unmask(encodeCloseFrame(4001, 'bye'));
    expect(opcode).toBe(Opcode.CLOSE);
    expect(payload.readUInt16BE(0)).toBe(4001);
    expect(payload.subarray(2).toString()).toBe('bye');
    expect(unmask(encodeCloseFrame()).payload.length).toBe(0);
  });

  it('refuses a reason that would not fit a control frame', () => {
    expect(() => encodeCloseFrame(1000, 'x'.repeat(124))).toThrow(RangeError);
  });
});
