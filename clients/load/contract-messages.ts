/**
 * The contract messages the generator sends (wire.ts layout), written straight into frame batches, and
 * the check that a reply is exactly what the contract says it must be.
 *
 * The message class (0 cheap = ECHO, 1 heavy = WORK) travels in the header's flags byte, which servers
 * echo unchanged, so a reply tells its class without a lookup.
 */
import { fillPattern, HEADER_BYTES, Op, WORK_REPLY_PAYLOAD_BYTES, WORK_REQUEST_PAYLOAD_BYTES, work } from '../../protocol/wire.js';
import { highU32, lowU32 } from '../clock.js';
import { maskedFrameBytes, Opcode, writeMaskedFrameParts } from '../rfc6455/frame.js';
import type { MessageMix } from '../types.js';

export const CLASS_CHEAP = 0;
export const CLASS_HEAVY = 1;
export const CLASS_NAMES = ['cheap', 'heavy'] as const;

/** WORK seeds cycle through seq % WORK_SEEDS, so every expected result is computed once, up front. */
export const WORK_SEEDS = 16;

export class MessageCodec {
  /** Share of messages that are heavy (WORK): 0 for echo, 1 for work, heavyFraction for mixed. */
  readonly heavyFraction: number;
  private readonly echoHead = Buffer.alloc(HEADER_BYTES);
  private readonly echoPayload: Buffer;
  private readonly workHead = Buffer.alloc(HEADER_BYTES + WORK_REQUEST_PAYLOAD_BYTES);
  private readonly workResults: Uint32Array;
  private readonly echoFrameBytes: number;
  private readonly workFrameBytes: number;
  private static readonly EMPTY = Buffer.alloc(0);

  constructor(
    readonly payloadBytes: number,
    readonly mix: MessageMix,
  ) {
    this.heavyFraction = mix.kind === 'echo' ? 0 : mix.kind === 'work' ? 1 : mix.heavyFraction;
    this.echoPayload = Buffer.allocUnsafe(payloadBytes);
    fillPattern(this.echoPayload, 0);
    this.echoHead[0] = Op.ECHO;
    this.workHead[0] = Op.WORK;
    const iterations = mix.kind === 'echo' ? 0 : mix.iterations;
    this.workHead.writeUInt32LE(iterations, HEADER_BYTES);
    this.workResults = new Uint32Array(WORK_SEEDS);
    if (this.heavyFraction > 0) for (let s = 0; s < WORK_SEEDS; s++) this.workResults[s] = work(iterations, s);
    this.echoFrameBytes = maskedFrameBytes(HEADER_BYTES + payloadBytes);
    this.workFrameBytes = maskedFrameBytes(HEADER_BYTES + WORK_REQUEST_PAYLOAD_BYTES);
  }

  /** Picks the next message's class from a per-connection xorshift32 state (non-zero), advancing it. */
  pickClass(rng: { rngState: number }): number {
    if (this.heavyFraction === 0) return CLASS_CHEAP;
    if (this.heavyFraction === 1) return CLASS_HEAVY;
    let x = rng.rngState;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    rng.rngState = x >>> 0;
    return rng.rngState / 0x1_0000_0000 < this.heavyFraction ? CLASS_HEAVY : CLASS_CHEAP;
  }

  /** Bytes of the masked frame carrying one message of class cls. */
  frameBytes(cls: number): number {
    return cls === CLASS_HEAVY ? this.workFrameBytes : this.echoFrameBytes;
  }

  /** Writes the masked frame of one message into target at offset; returns the offset past it. */
  write(target: Buffer, offset: number, cls: number, seq: number, sendTimeUs: number): number {
    const head = cls === CLASS_HEAVY ? this.workHead : this.echoHead;
    head[1] = cls;
    head.writeUInt32LE(seq >>> 0, 4);
    head.writeUInt32LE(lowU32(sendTimeUs), 8);
    head.writeUInt32LE(highU32(sendTimeUs), 12);
    if (cls === CLASS_HEAVY) {
      head.writeUInt32LE(seq % WORK_SEEDS, HEADER_BYTES + 4);
      return writeMaskedFrameParts(target, offset, Opcode.BINARY, head, MessageCodec.EMPTY);
    }
    return writeMaskedFrameParts(target, offset, Opcode.BINARY, head, this.echoPayload);
  }

  /**
   * True when reply data[start, end) is exactly the contract's answer to message (cls, seq, sentUs):
   * ECHO — the very bytes sent; WORK — the request header then work(iterations, seed).
   */
  check(data: Buffer, start: number, end: number, cls: number, seq: number, sentUs: number): boolean {
    const heavy = cls === CLASS_HEAVY;
    if (end - start !== HEADER_BYTES + (heavy ? WORK_REPLY_PAYLOAD_BYTES : this.payloadBytes)) return false;
    if (data[start] !== (heavy ? Op.WORK : Op.ECHO) || data[start + 1] !== cls || data[start + 2] !== 0 || data[start + 3] !== 0) return false;
    if (data.readUInt32LE(start + 4) !== seq >>> 0) return false;
    if (data.readUInt32LE(start + 8) !== lowU32(sentUs) || data.readUInt32LE(start + 12) !== highU32(sentUs)) return false;
    if (heavy) return data.readUInt32LE(start + HEADER_BYTES) === this.workResults[seq % WORK_SEEDS];
    return this.payloadBytes === 0 || this.echoPayload.compare(data, start + HEADER_BYTES, end) === 0;
  }
}
