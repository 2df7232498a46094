/**
 * Incremental parser for server-to-client frames (RFC 6455 §5). Fed raw TCP chunks in any split; calls
 * back once per complete message and per control frame.
 *
 * Hot path: when an unfragmented frame lies wholly inside one chunk (the usual case for small messages),
 * onMessage receives the chunk itself with start/end offsets — no copy, no allocation. Only frames split
 * across chunks and fragmented messages are copied into a buffer of their own.
 */
import { isUtf8 } from 'node:buffer';
import { MAX_CONTROL_PAYLOAD_BYTES, Opcode } from './frame.js';

/** Stable codes of the protocol violations the parser detects; tests and reports match on them. */
export type ProtocolErrorCode =
  | 'WS_ERR_UNEXPECTED_MASK'
  | 'WS_ERR_UNEXPECTED_RSV'
  | 'WS_ERR_INVALID_OPCODE'
  | 'WS_ERR_CONTROL_FRAME_TOO_LONG'
  | 'WS_ERR_FRAGMENTED_CONTROL_FRAME'
  | 'WS_ERR_UNEXPECTED_CONTINUATION'
  | 'WS_ERR_EXPECTED_CONTINUATION'
  | 'WS_ERR_UNSUPPORTED_LENGTH'
  | 'WS_ERR_MESSAGE_TOO_LARGE'
  | 'WS_ERR_INVALID_UTF8'
  | 'WS_ERR_INVALID_CLOSE_PAYLOAD'
  | 'WS_ERR_INVALID_CLOSE_CODE';

/** A frame the server must not have sent. closeCode is what the client should close with (§7.4.1). */
export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
  constructor(
    readonly code: ProtocolErrorCode,
    message: string,
    readonly closeCode: number = 1002,
  ) {
    super(message);
  }
}

export interface FrameParserHandlers {
  /**
   * A complete data message is data[start, end). data may be the socket chunk itself: the bytes are only
   * valid during the call, so copy whatever must outlive it.
   */
  onMessage(data: Buffer, start: number, end: number, binary: boolean): void;
  /** The client must answer with a pong carrying the same payload (§5.5.2); the parser does not write. */
  onPing?(payload: Buffer): void;
  onPong?(payload: Buffer): void;
  /** code is undefined when the close frame carried no status (reported as 1005 by convention). */
  onClose?(code: number | undefined, reason: string): void;
}

export interface FrameParserOptions {
  /** Largest message accepted, in bytes, after reassembly. Default 64 MiB. */
  maxMessageBytes?: number;
}

/** RFC 6455 §7.4 codes a peer may put on the wire. */
export function isValidCloseCode(code: number): boolean {
  return (code >= 1000 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006) || (code >= 3000 && code <= 4999);
}

const DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024;
const MAX_HEADER_BYTES = 14;

export class FrameParser {
  private readonly maxMessageBytes: number;

  // Header bytes of a frame whose header was split across chunks.
  private readonly headerBuf = Buffer.allocUnsafe(MAX_HEADER_BYTES);
  private headerFilled = 0;

  // The frame whose payload is being collected across chunks (null while between frames).
  private payload: Buffer | null = null;
  private payloadFilled = 0;
  private frameOpcode = 0;
  private frameFin = true;

  // A fragmented message being reassembled.
  private fragments: Buffer[] = [];
  private fragmentsBytes = 0;
  private fragmentOpcode = -1;

  private failure: ProtocolError | null = null;
  private closed = false;

  constructor(
    private readonly handlers: FrameParserHandlers,
    options: FrameParserOptions = {},
  ) {
    this.maxMessageBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  }

  /** True once a close frame has been parsed; later bytes are ignored (§5.5.1). */
  get isClosed(): boolean {
    return this.closed;
  }

  /**
   * Parses a chunk, calling handlers for each complete message or control frame in it.
   * Throws ProtocolError on a violation; the parser then stays failed and rethrows on every push.
   */
  push(chunk: Buffer): void {
    if (this.failure) throw this.failure;
    try {
      this.parse(chunk);
    } catch (err) {
      if (err instanceof ProtocolError) this.failure = err;
      throw err;
    }
  }

  private parse(chunk: Buffer): void {
    let pos = 0;
    const len = chunk.length;
    while (pos < len && !this.closed) {
      if (this.payload !== null) {
        pos = this.continuePayload(chunk, pos);
        continue;
      }
      // Header: parse in place when it is whole in this chunk, else gather it into headerBuf.
      let src: Buffer;
      let at: number;
      if (this.headerFilled === 0 && len - pos >= 2 && len - pos >= headerBytes(chunk[pos + 1]!)) {
        src = chunk;
        at = pos;
        pos += headerBytes(chunk[pos + 1]!);
      } else {
        pos = this.gatherHeader(chunk, pos);
        if (this.headerFilled < 2 || this.headerFilled < headerBytes(this.headerBuf[1]!)) return;
        src = this.headerBuf;
        at = 0;
        this.headerFilled = 0;
      }
      const payloadBytes = this.readHeader(src, at);
      if (len - pos >= payloadBytes) {
        this.onFrame(chunk, pos, pos + payloadBytes, true);
        pos += payloadBytes;
      } else {
        this.payload = Buffer.allocUnsafe(payloadBytes);
        this.payloadFilled = 0;
      }
    }
  }

  private gatherHeader(chunk: Buffer, pos: number): number {
    while (pos < chunk.length) {
      this.headerBuf[this.headerFilled++] = chunk[pos++]!;
      if (this.headerFilled >= 2 && this.headerFilled === headerBytes(this.headerBuf[1]!)) break;
    }
    return pos;
  }

  private continuePayload(chunk: Buffer, pos: number): number {
    const payload = this.payload!;
    const n = Math.min(payload.length - this.payloadFilled, chunk.length - pos);
    chunk.copy(payload, this.payloadFilled, pos, pos + n);
    this.payloadFilled += n;
    if (this.payloadFilled === payload.length) {
      this.payload = null;
      this.onFrame(payload, 0, payload.length, false);
    }
    return pos + n;
  }

  /** Validates the header at src[at]; records opcode and FIN; returns the payload length. */
  private readHeader(src: Buffer, at: number): number {
    const b0 = src[at]!;
    const b1 = src[at + 1]!;
    const fin = (b0 & 0x80) !== 0;
    const opcode = b0 & 0x0f;
    if ((b0 & 0x70) !== 0) {
      throw new ProtocolError('WS_ERR_UNEXPECTED_RSV', `RSV bits 0x${(b0 & 0x70).toString(16)} set, but no extension was negotiated`);
    }
    if ((b1 & 0x80) !== 0) throw new ProtocolError('WS_ERR_UNEXPECTED_MASK', 'server frame is masked; servers must not mask (RFC 6455 §5.1)');
    let payloadBytes = b1 & 0x7f;
    if (payloadBytes === 126) payloadBytes = src.readUInt16BE(at + 2);
    else if (payloadBytes === 127) {
      const high = src.readUInt32BE(at + 2);
      // 2^53 - 1 is the largest exact JS integer; anything above is far beyond maxMessageBytes anyway.
      if (high > 0x1f_ffff)
        throw new ProtocolError('WS_ERR_UNSUPPORTED_LENGTH', `64-bit payload length with high word 0x${high.toString(16)} is not supported`, 1009);
      payloadBytes = high * 0x1_0000_0000 + src.readUInt32BE(at + 6);
    }
    if (opcode >= 0x8) {
      if (opcode > Opcode.PONG) throw new ProtocolError('WS_ERR_INVALID_OPCODE', `reserved control opcode 0x${opcode.toString(16)}`);
      if (!fin)
        throw new ProtocolError(
          'WS_ERR_FRAGMENTED_CONTROL_FRAME',
          `control frame (opcode 0x${opcode.toString(16)}) without FIN; control frames must not be fragmented`,
        );
      if (payloadBytes > MAX_CONTROL_PAYLOAD_BYTES) {
        throw new ProtocolError(
          'WS_ERR_CONTROL_FRAME_TOO_LONG',
          `control frame payload of ${payloadBytes} bytes; at most ${MAX_CONTROL_PAYLOAD_BYTES} allowed`,
        );
      }
    } else {
      if (opcode > Opcode.BINARY) throw new ProtocolError('WS_ERR_INVALID_OPCODE', `reserved data opcode 0x${opcode.toString(16)}`);
      if (opcode === Opcode.CONTINUATION) {
        if (this.fragmentOpcode < 0) throw new ProtocolError('WS_ERR_UNEXPECTED_CONTINUATION', 'continuation frame with no fragmented message in progress');
      } else if (this.fragmentOpcode >= 0) {
        throw new ProtocolError('WS_ERR_EXPECTED_CONTINUATION', `new data frame (opcode 0x${opcode.toString(16)}) while a fragmented message is in progress`);
      }
      if (this.fragmentsBytes + payloadBytes > this.maxMessageBytes) {
        throw new ProtocolError(
          'WS_ERR_MESSAGE_TOO_LARGE',
          `message of ${this.fragmentsBytes + payloadBytes} bytes exceeds the limit of ${this.maxMessageBytes}`,
          1009,
        );
      }
    }
    this.frameOpcode = opcode;
    this.frameFin = fin;
    return payloadBytes;
  }

  /** A whole frame's payload is data[start, end); `view` says data is the caller's chunk (must be copied to keep). */
  private onFrame(data: Buffer, start: number, end: number, view: boolean): void {
    const opcode = this.frameOpcode;
    if (opcode >= 0x8) {
      this.onControl(opcode, data.subarray(start, end));
      return;
    }
    if (opcode !== Opcode.CONTINUATION && this.frameFin) {
      this.deliver(data, start, end, opcode === Opcode.BINARY);
      return;
    }
    if (opcode !== Opcode.CONTINUATION) this.fragmentOpcode = opcode;
    const part = view ? Buffer.from(data.subarray(start, end)) : data.subarray(start, end);
    this.fragments.push(part);
    this.fragmentsBytes += part.length;
    if (!this.frameFin) return;
    const whole = Buffer.concat(this.fragments, this.fragmentsBytes);
    const binary = this.fragmentOpcode === Opcode.BINARY;
    this.fragments = [];
    this.fragmentsBytes = 0;
    this.fragmentOpcode = -1;
    this.deliver(whole, 0, whole.length, binary);
  }

  private deliver(data: Buffer, start: number, end: number, binary: boolean): void {
    if (!binary && !isUtf8(data.subarray(start, end))) throw new ProtocolError('WS_ERR_INVALID_UTF8', 'text message is not valid UTF-8', 1007);
    this.handlers.onMessage(data, start, end, binary);
  }

  private onControl(opcode: number, payload: Buffer): void {
    if (opcode === Opcode.PING) {
      this.handlers.onPing?.(Buffer.from(payload));
    } else if (opcode === Opcode.PONG) {
      this.handlers.onPong?.(Buffer.from(payload));
    } else if (opcode === Opcode.CLOSE) {
      this.onCloseFrame(payload);
    } else {
      throw new ProtocolError('WS_ERR_INVALID_OPCODE', `reserved control opcode 0x${opcode.toString(16)}`);
    }
  }

  private onCloseFrame(payload: Buffer): void {
    if (payload.length === 1) throw new ProtocolError('WS_ERR_INVALID_CLOSE_PAYLOAD', 'close frame with a 1-byte payload; a status code needs 2');
    let code: number | undefined;
    let reason = '';
    if (payload.length >= 2) {
      code = payload.readUInt16BE(0);
      if (!isValidCloseCode(code)) throw new ProtocolError('WS_ERR_INVALID_CLOSE_CODE', `close code ${code} may not be sent on the wire`);
      const reasonBytes = payload.subarray(2);
      if (!isUtf8(reasonBytes)) throw new ProtocolError('WS_ERR_INVALID_UTF8', 'close reason is not valid UTF-8', 1007);
      reason = reasonBytes.toString('utf8');
    }
    this.closed = true;
    this.handlers.onClose?.(code, reason);
  }
}

/** Header length implied by the second header byte: 2 + extended length (server frames carry no mask key). */
function headerBytes(b1: number): number {
  const len7 = b1 & 0x7f;
  // A masked frame is a protocol error, but its key must still be counted so the header is read whole
  // and the error reported from readHeader, with the same code whatever the chunk split.
  const mask = (b1 & 0x80) !== 0 ? 4 : 0;
  return (len7 < 126 ? 2 : len7 === 126 ? 4 : 10) + mask;
}
