import { describe, expect, it } from 'vitest';
import {
  buildMessage,
  buildWorkReply,
  buildWorkRequest,
  CloseCode,
  checkRequest,
  HEADER_BYTES,
  MAX_WORK_ITERATIONS,
  Op,
  patternByte,
  readHeader,
  readWorkIterations,
  readWorkSeed,
  WORK_REPLY_PAYLOAD_BYTES,
  WORK_REQUEST_PAYLOAD_BYTES,
  work,
  writeHeader,
} from '../../protocol/wire.js';
import { loadWorkVectors } from './work-vectors.js';

describe('header', () => {
  it('round-trips op, flags, seq and sendTimeUs, little-endian at the documented offsets', () => {
    const buf = Buffer.alloc(HEADER_BYTES);
    writeHeader(buf, Op.BROADCAST, 0x01020304, 0x0a0b0c0d0e0f1011n, 0x7f);
    expect([...buf]).toEqual([3, 0x7f, 0, 0, 0x04, 0x03, 0x02, 0x01, 0x11, 0x10, 0x0f, 0x0e, 0x0d, 0x0c, 0x0b, 0x0a]);
    expect(readHeader(buf)).toEqual({ op: Op.BROADCAST, flags: 0x7f, seq: 0x01020304, sendTimeUs: 0x0a0b0c0d0e0f1011n });
  });

  it('wraps seq to uint32 and keeps the full uint64 time range', () => {
    const buf = Buffer.alloc(HEADER_BYTES);
    writeHeader(buf, Op.ECHO, 2 ** 32 + 5, 2n ** 64n - 1n);
    expect(readHeader(buf)).toMatchObject({ seq: 5, sendTimeUs: 2n ** 64n - 1n });
    writeHeader(buf, Op.ECHO, -1, 0n);
    expect(readHeader(buf)?.seq).toBe(0xffffffff);
  });

  it('reads a header from a view at a non-zero offset', () => {
    const backing = Buffer.alloc(HEADER_BYTES + 3);
    writeHeader(backing.subarray(3), Op.WORK, 9, 123n, 1);
    expect(readHeader(new Uint8Array(backing.buffer, backing.byteOffset + 3, HEADER_BYTES))).toEqual({
      op: Op.WORK,
      flags: 1,
      seq: 9,
      sendTimeUs: 123n,
    });
  });

  it('returns null for fewer than 16 bytes', () => {
    expect(readHeader(new Uint8Array(HEADER_BYTES - 1))).toBeNull();
    expect(readHeader(new Uint8Array(0))).toBeNull();
  });
});

describe('messages', () => {
  it('buildMessage fills the payload with the pattern', () => {
    const msg = buildMessage(Op.ECHO, 1, 2n, 300);
    expect(msg.length).toBe(HEADER_BYTES + 300);
    for (let i = 0; i < 300; i++) expect(msg[HEADER_BYTES + i]).toBe(patternByte(i));
  });

  it('WORK request and reply carry iterations, seed and result', () => {
    const request = buildWorkRequest(4, 99n, 1000, 0xfffffffe, 0x22);
    expect(request.length).toBe(HEADER_BYTES + WORK_REQUEST_PAYLOAD_BYTES);
    expect(readWorkIterations(request)).toBe(1000);
    expect(readWorkSeed(request)).toBe(0xfffffffe);
    const reply = buildWorkReply(request, 0xdeadbeef);
    expect(reply.length).toBe(HEADER_BYTES + WORK_REPLY_PAYLOAD_BYTES);
    expect(reply.subarray(0, HEADER_BYTES)).toEqual(request.subarray(0, HEADER_BYTES));
    expect(reply.readUInt32LE(HEADER_BYTES)).toBe(0xdeadbeef);
  });
});

describe('work()', () => {
  it.each(loadWorkVectors().map((v) => [v.iterations, v.seed, v.result] as const))('work(%i, %i) = %i', (iterations, seed, result) => {
    expect(work(iterations, seed)).toBe(result);
  });

  it('returns an unsigned 32-bit integer', () => {
    for (let seed = 0; seed < 50; seed++) {
      const result = work(17, seed * 0x9e3779b1);
      expect(Number.isInteger(result) && result >= 0 && result <= 0xffffffff).toBe(true);
    }
  });

  it('treats seed 0 as 0x9E3779B9 (xorshift has a fixed point at 0)', () => {
    expect(work(100, 0)).toBe(work(100, 0x9e3779b9));
  });
});

describe('checkRequest()', () => {
  const withOp = (op: number, payloadBytes = 0): Buffer => {
    const msg = buildMessage(Op.ECHO, 1, 1n, payloadBytes);
    msg[0] = op;
    return msg;
  };
  const workRequest = (iterations: number): Buffer => buildWorkRequest(1, 1n, iterations, 1);

  it('accepts ECHO and BROADCAST with any payload, the bare header included', () => {
    expect(checkRequest(withOp(Op.ECHO))).toBeNull();
    expect(checkRequest(withOp(Op.BROADCAST))).toBeNull();
    expect(checkRequest(withOp(Op.ECHO, 70_000))).toBeNull();
  });

  it.each([0, 1, 15])('closes a %i-byte message with 4400', (length) => {
    expect(checkRequest(new Uint8Array(length))?.code).toBe(CloseCode.TRUNCATED_HEADER);
  });

  it.each([0, 4, 255])('closes op %i with 4401', (op) => {
    expect(checkRequest(withOp(op))?.code).toBe(CloseCode.UNKNOWN_OP);
  });

  it('checks the header length before the op', () => {
    expect(checkRequest(new Uint8Array([99, 0, 0]))?.code).toBe(CloseCode.TRUNCATED_HEADER);
  });

  it.each([0, 4, 7])('closes a WORK with a %i-byte payload with 4402', (payloadBytes) => {
    expect(checkRequest(withOp(Op.WORK, payloadBytes))?.code).toBe(CloseCode.TRUNCATED_WORK);
  });

  it('accepts WORK up to MAX_WORK_ITERATIONS and closes above it with 4413', () => {
    expect(checkRequest(workRequest(0))).toBeNull();
    expect(checkRequest(workRequest(MAX_WORK_ITERATIONS))).toBeNull();
    expect(checkRequest(workRequest(MAX_WORK_ITERATIONS + 1))?.code).toBe(CloseCode.WORK_TOO_LARGE);
    expect(checkRequest(workRequest(0xffffffff))?.code).toBe(CloseCode.WORK_TOO_LARGE);
  });

  it('accepts WORK with trailing bytes after iterations and seed', () => {
    const msg = Buffer.concat([workRequest(10), Buffer.alloc(5)]);
    expect(checkRequest(msg)).toBeNull();
  });

  it('gives reasons that fit a close frame (at most 123 bytes)', () => {
    const violations = [new Uint8Array(3), withOp(200), withOp(Op.WORK, 1), workRequest(0xffffffff)].map(checkRequest);
    for (const violation of violations) {
      expect(violation).not.toBeNull();
      expect(Buffer.byteLength(violation!.reason)).toBeLessThanOrEqual(123);
    }
  });
});
