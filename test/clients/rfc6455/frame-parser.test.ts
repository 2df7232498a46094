import { describe, expect, it } from 'vitest';
import { FrameParser, ProtocolError, type ProtocolErrorCode } from '../../../clients/rfc6455/frame-parser.js';

type Event = [string, ...unknown[]];

/** A parser that records what it delivers. */
function recorder(maxMessageBytes?: number): { parser: FrameParser; events: Event[] } {
  const events: Event[] = [];
  const parser = new FrameParser(
    {
      onMessage: (data, start, end, binary) => events.push(['message', binary, Buffer.from(data.subarray(start, end)).toString('hex')]),
      onPing: (p) => events.push(['ping', p.toString('hex')]),
      onPong: (p) => events.push(['pong', p.toString('hex')]),
      onClose: (code, reason) => events.push(['close', code, reason]),
    },
    { maxMessageBytes },
  );
  return { parser, events };
}

const h = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const hello = Buffer.from('Hello').toString('hex');

// RFC 6455 §5.7, server-side (unmasked) frames.
const TEXT_HELLO = h('81 05 48 65 6c 6c 6f');
const FRAGMENTED_HELLO = Buffer.concat([h('01 03 48 65 6c'), h('80 02 6c 6f')]);
const PING_HELLO = h('89 05 48 65 6c 6c 6f');
const BIN_256 = Buffer.concat([h('82 7e 01 00'), Buffer.from(Array.from({ length: 256 }, (_, i) => i))]);
const BIN_64K = Buffer.concat([h('82 7f 00 00 00 00 00 01 00 00'), Buffer.from(Array.from({ length: 65536 }, (_, i) => (i * 31) & 0xff))]);
const CLOSE_1000 = Buffer.concat([h('88 05 03 e8'), Buffer.from('bye')]);

function parseAll(chunks: Buffer[]): Event[] {
  const { parser, events } = recorder();
  for (const c of chunks) parser.push(c);
  return events;
}

describe('FrameParser on the RFC 6455 §5.7 examples', () => {
  it('parses an unmasked text "Hello"', () => {
    expect(parseAll([TEXT_HELLO])).toEqual([['message', false, hello]]);
  });

  it('reassembles the fragmented "Hel" + "lo"', () => {
    expect(parseAll([FRAGMENTED_HELLO])).toEqual([['message', false, hello]]);
  });

  it('reports a ping with its payload', () => {
    expect(parseAll([PING_HELLO])).toEqual([['ping', hello]]);
  });

  it('reads 16-bit and 64-bit lengths', () => {
    expect(parseAll([BIN_256])).toEqual([['message', true, BIN_256.subarray(4).toString('hex')]]);
    expect(parseAll([BIN_64K])).toEqual([['message', true, BIN_64K.subarray(10).toString('hex')]]);
  });

  it('reads a close frame with code and reason', () => {
    expect(parseAll([CLOSE_1000])).toEqual([['close', 1000, 'bye']]);
    expect(parseAll([h('88 00')])).toEqual([['close', undefined, '']]);
  });
});

describe('FrameParser across chunk boundaries', () => {
  // A control frame between two fragments is legal (§5.4) and must not disturb reassembly.
  const interleaved = Buffer.concat([h('01 03 48 65 6c'), PING_HELLO, h('80 02 6c 6f')]);
  const stream = Buffer.concat([TEXT_HELLO, interleaved, BIN_256, h('8a 00'), h('82 00'), CLOSE_1000]);
  const expected = parseAll([stream]);

  it('sees every frame when several arrive in one chunk', () => {
    expect(expected.map((e) => e[0])).toEqual(['message', 'ping', 'message', 'message', 'pong', 'message', 'close']);
  });

  it('gives the same result for a split at every byte boundary', () => {
    for (let i = 0; i <= stream.length; i++) expect(parseAll([stream.subarray(0, i), stream.subarray(i)])).toEqual(expected);
  });

  it('gives the same result for every pair of split points', () => {
    for (let i = 0; i <= stream.length; i += 3) {
      for (let j = i; j <= stream.length; j += 5) expect(parseAll([stream.subarray(0, i), stream.subarray(i, j), stream.subarray(j)])).toEqual(expected);
    }
  });

  it('gives the same result fed one byte at a time', () => {
    expect(parseAll([...stream].map((b) => Buffer.from([b])))).toEqual(expected);
  });

  it('reassembles a 64 KiB frame split anywhere in its header or payload, or byte by byte', () => {
    const whole = parseAll([BIN_64K]);
    for (const i of [1, 2, 3, 5, 9, 10, 11, 100, 32768, 65545]) expect(parseAll([BIN_64K.subarray(0, i), BIN_64K.subarray(i)])).toEqual(whole);
    expect(parseAll([...BIN_64K].map((b) => Buffer.from([b])))).toEqual(whole);
  });

  it('hands a frame that fits in one chunk over as a view of that chunk, without copying', () => {
    const seen: [Buffer, number, number][] = [];
    const parser = new FrameParser({ onMessage: (data, start, end) => seen.push([data, start, end]) });
    const chunk = Buffer.concat([h('82 02 aa bb'), h('82 01 cc')]);
    parser.push(chunk);
    expect(seen.map(([d, s, e]) => [d === chunk, s, e])).toEqual([
      [true, 2, 4],
      [true, 6, 7],
    ]);
  });

  it('ignores bytes after a close frame', () => {
    expect(parseAll([Buffer.concat([CLOSE_1000, TEXT_HELLO])])).toEqual([['close', 1000, 'bye']]);
  });
});

describe('FrameParser protocol errors', () => {
  const cases: [string, Buffer, ProtocolErrorCode, number][] = [
    ['a masked server frame', h('81 85 37 fa 21 3d 7f 9f 4d 51 58'), 'WS_ERR_UNEXPECTED_MASK', 1002],
    ['RSV1 set', h('c1 00'), 'WS_ERR_UNEXPECTED_RSV', 1002],
    ['RSV3 set', h('92 00'), 'WS_ERR_UNEXPECTED_RSV', 1002],
    ['a reserved data opcode', h('83 00'), 'WS_ERR_INVALID_OPCODE', 1002],
    ['a reserved control opcode', h('8b 00'), 'WS_ERR_INVALID_OPCODE', 1002],
    ['a ping of 126 bytes', Buffer.concat([h('89 7e 00 7e'), Buffer.alloc(126)]), 'WS_ERR_CONTROL_FRAME_TOO_LONG', 1002],
    ['a fragmented ping', h('09 00'), 'WS_ERR_FRAGMENTED_CONTROL_FRAME', 1002],
    ['a continuation with nothing to continue', h('80 01 61'), 'WS_ERR_UNEXPECTED_CONTINUATION', 1002],
    ['a new message inside a fragmented one', h('01 01 61 81 01 62'), 'WS_ERR_EXPECTED_CONTINUATION', 1002],
    ['a 64-bit length beyond 2^53', h('82 7f 80 00 00 00 00 00 00 00'), 'WS_ERR_UNSUPPORTED_LENGTH', 1009],
    ['invalid UTF-8 in a text message', h('81 02 c3 28'), 'WS_ERR_INVALID_UTF8', 1007],
    ['a close frame with a 1-byte payload', h('88 01 03'), 'WS_ERR_INVALID_CLOSE_PAYLOAD', 1002],
    ['a close code that may not be sent', h('88 02 03 ed'), 'WS_ERR_INVALID_CLOSE_CODE', 1002],
  ];

  it.each(cases)('rejects %s', (_, bytes, code, closeCode) => {
    for (const split of [bytes.length, 1]) {
      const { parser } = recorder();
      let err: unknown;
      try {
        parser.push(bytes.subarray(0, split));
        parser.push(bytes.subarray(split));
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ProtocolError);
      expect((err as ProtocolError).code).toBe(code);
      expect((err as ProtocolError).closeCode).toBe(closeCode);
    }
  });

  it('rejects a message above maxMessageBytes, fragmented or not', () => {
    expect(() => recorder(10).parser.push(Buffer.concat([h('82 0b'), Buffer.alloc(11)]))).toThrow(
      expect.objectContaining({ code: 'WS_ERR_MESSAGE_TOO_LARGE' }),
    );
    expect(() => recorder(10).parser.push(Buffer.concat([h('02 06'), Buffer.alloc(6), h('80 06'), Buffer.alloc(6)]))).toThrow(
      expect.objectContaining({ code: 'WS_ERR_MESSAGE_TOO_LARGE' }),
    );
  });

  it('stays failed after an error', () => {
    const { parser, events } = recorder();
    expect(() => parser.push(h('c1 00'))).toThrow(ProtocolError);
    expect(() => parser.push(TEXT_HELLO)).toThrow(expect.objectContaining({ code: 'WS_ERR_UNEXPECTED_RSV' }));
    expect(events).toEqual([]);
  });
});
