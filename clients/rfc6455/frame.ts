/**
 * Client frame encoding (RFC 6455 §5.2): every client frame is masked with a fresh 4-byte key.
 *
 * Two levels: encodeFrame() returns one frame as its own Buffer (control frames, tests, probes);
 * writeMaskedFrame()/writeMaskedFrameParts() write a frame into a caller-owned Buffer, so the load
 * generator can lay many frames into one allocation and hand them to the socket in a single write.
 */
import { randomFillSync } from 'node:crypto';
import { createRequire } from 'node:module';
import type { Socket } from 'node:net';

export const Opcode = {
  CONTINUATION: 0x0,
  TEXT: 0x1,
  BINARY: 0x2,
  CLOSE: 0x8,
  PING: 0x9,
  PONG: 0xa,
} as const;
export type OpcodeValue = (typeof Opcode)[keyof typeof Opcode];

/** RFC 6455 §5.5: control frame payloads are at most 125 bytes. */
export const MAX_CONTROL_PAYLOAD_BYTES = 125;

/** Length of a masked frame's header (2, 4 or 10 bytes of base + extended length, then the 4-byte key). */
export function maskedHeaderBytes(payloadBytes: number): number {
  return (payloadBytes < 126 ? 2 : payloadBytes <= 0xffff ? 4 : 10) + 4;
}

/** Total length of a masked frame carrying payloadBytes. */
export function maskedFrameBytes(payloadBytes: number): number {
  return maskedHeaderBytes(payloadBytes) + payloadBytes;
}

// A mask key must be unpredictable per frame (§10.3). Drawing 4 bytes from a CSPRNG-filled pool keeps that
// property without a syscall per frame.
const KEY_POOL_BYTES = 16 * 1024;
const keyPool = Buffer.allocUnsafe(KEY_POOL_BYTES);
let keyPoolOffset = KEY_POOL_BYTES;

function takeMaskKey(target: Buffer, offset: number): void {
  if (keyPoolOffset === KEY_POOL_BYTES) {
    randomFillSync(keyPool);
    keyPoolOffset = 0;
  }
  target[offset] = keyPool[keyPoolOffset]!;
  target[offset + 1] = keyPool[keyPoolOffset + 1]!;
  target[offset + 2] = keyPool[keyPoolOffset + 2]!;
  target[offset + 3] = keyPool[keyPoolOffset + 3]!;
  keyPoolOffset += 4;
}

type NativeMask = (source: Uint8Array, mask: Uint8Array, output: Uint8Array, offset: number, length: number) => void;

// ws's optional native helper (installed with ws here). Its call costs more than a JS loop over a few dozen
// bytes, so it only takes over for longer runs, the same cut-off ws uses.
const NATIVE_MASK_MIN_BYTES = 48;
const nativeMask: NativeMask | null = loadNativeMask();

function loadNativeMask(): NativeMask | null {
  try {
    const mod = createRequire(import.meta.url)('bufferutil') as { mask?: NativeMask };
    return typeof mod.mask === 'function' ? mod.mask : null;
  } catch {
    return null;
  }
}

/**
 * Writes the frame header (FIN, opcode, MASK bit, length) and a fresh mask key at target[offset];
 * returns the offset of the first payload byte. The key sits in the 4 bytes before that offset.
 */
function writeHeader(target: Buffer, offset: number, opcode: number, fin: boolean, payloadBytes: number, key?: Uint8Array): number {
  target[offset] = (fin ? 0x80 : 0) | opcode;
  let p: number;
  if (payloadBytes < 126) {
    target[offset + 1] = 0x80 | payloadBytes;
    p = offset + 2;
  } else if (payloadBytes <= 0xffff) {
    target[offset + 1] = 0x80 | 126;
    target.writeUInt16BE(payloadBytes, offset + 2);
    p = offset + 4;
  } else {
    target[offset + 1] = 0x80 | 127;
    target.writeUInt32BE(Math.floor(payloadBytes / 0x1_0000_0000), offset + 2);
    target.writeUInt32BE(payloadBytes >>> 0, offset + 6);
    p = offset + 10;
  }
  if (key) target.set(key.subarray(0, 4), p);
  else takeMaskKey(target, p);
  return p + 4;
}

// The key handed to the native mask: copied here rather than passed as target.subarray(keyAt, keyAt + 4),
// because a subarray is a new Buffer object per frame (2.6% of the generator's core in a profile, with FastBuffer).
const nativeKey = Buffer.allocUnsafe(4);

/** XORs source[0, length) with the key at target[keyAt] into target[out], starting at key byte `phase`. */
function maskInto(source: Uint8Array, length: number, target: Buffer, out: number, keyAt: number, phase: number): void {
  if (nativeMask !== null && phase === 0 && length >= NATIVE_MASK_MIN_BYTES) {
    nativeKey[0] = target[keyAt]!;
    nativeKey[1] = target[keyAt + 1]!;
    nativeKey[2] = target[keyAt + 2]!;
    nativeKey[3] = target[keyAt + 3]!;
    nativeMask(source, nativeKey, target, out, length);
    return;
  }
  const k0 = target[keyAt]!;
  const k1 = target[keyAt + 1]!;
  const k2 = target[keyAt + 2]!;
  const k3 = target[keyAt + 3]!;
  for (let i = 0; i < length; i++) {
    const k = (i + phase) & 3;
    target[out + i] = source[i]! ^ (k === 0 ? k0 : k === 1 ? k1 : k === 2 ? k2 : k3);
  }
}

/**
 * Writes one masked frame whose payload is head followed by tail into target at offset; returns the
 * offset just past the frame. Splitting the payload lets the generator mask a per-message header and a
 * shared, pre-built payload template in one pass, without first copying them together.
 * `key` (4 bytes) fixes the mask key, for tests; by default each frame gets a fresh random key.
 */
export function writeMaskedFrameParts(
  target: Buffer,
  offset: number,
  opcode: number,
  head: Uint8Array,
  tail: Uint8Array,
  fin = true,
  key?: Uint8Array,
): number {
  const payloadBytes = head.length + tail.length;
  const p = writeHeader(target, offset, opcode, fin, payloadBytes, key);
  maskInto(head, head.length, target, p, p - 4, 0);
  maskInto(tail, tail.length, target, p + head.length, p - 4, head.length & 3);
  return p + payloadBytes;
}

const EMPTY = Buffer.alloc(0);

/** Writes one masked frame carrying payload into target at offset; returns the offset just past it. */
export function writeMaskedFrame(target: Buffer, offset: number, opcode: number, payload: Uint8Array, fin = true, key?: Uint8Array): number {
  return writeMaskedFrameParts(target, offset, opcode, payload, EMPTY, fin, key);
}

export interface EncodeOptions {
  /** FIN bit; false for every fragment but the last. Default true. */
  fin?: boolean;
  /** Fixed 4-byte mask key (tests); default a fresh random key. */
  key?: Uint8Array;
}

/** Encodes one masked client frame as its own Buffer. */
export function encodeFrame(opcode: number, payload: Uint8Array = EMPTY, options: EncodeOptions = {}): Buffer {
  const frame = Buffer.allocUnsafe(maskedFrameBytes(payload.length));
  writeMaskedFrame(frame, 0, opcode, payload, options.fin ?? true, options.key);
  return frame;
}

/** Encodes a close frame: 2-byte status code then a UTF-8 reason (total ≤ 125 bytes), or empty when code is undefined. */
export function encodeCloseFrame(code?: number, reason = ''): Buffer {
  if (code === undefined) return encodeFrame(Opcode.CLOSE);
  const reasonBytes = Buffer.from(reason, 'utf8');
  if (reasonBytes.length + 2 > MAX_CONTROL_PAYLOAD_BYTES) {
    throw new RangeError(`close reason of ${reasonBytes.length} bytes is too long: code + reason must fit in ${MAX_CONTROL_PAYLOAD_BYTES} bytes`);
  }
  const payload = Buffer.allocUnsafe(2 + reasonBytes.length);
  payload.writeUInt16BE(code, 0);
  reasonBytes.copy(payload, 2);
  return encodeFrame(Opcode.CLOSE, payload);
}

/**
 * Writes several pre-built buffers as one batch: cork() holds them in the socket until uncork(), so they
 * leave in one writev instead of one syscall (and, with TCP_NODELAY, one segment) each.
 */
export function writeBatch(socket: Socket, buffers: readonly Buffer[]): boolean {
  if (buffers.length === 1) return socket.write(buffers[0]!);
  socket.cork();
  let ok = true;
  for (const b of buffers) ok = socket.write(b) && ok;
  socket.uncork();
  return ok;
}
