/**
 * The wsarena wire contract, shared by every Node server and by the load generator.
 * docs/PROTOCOL.md is the normative text; the Go server implements the same layout.
 *
 * Every application message is one binary WebSocket message:
 *
 *   offset  size  field
 *   0       1     op           (Op)
 *   1       1     flags        client-defined; servers echo it unchanged (the client stores the message class here)
 *   2       2     reserved     servers echo it unchanged
 *   4       4     seq          uint32 LE, per-connection sequence number
 *   8       8     sendTimeUs   uint64 LE, process.hrtime.bigint() / 1000 at the sender (CLOCK_MONOTONIC, µs)
 *   16      ...   payload
 */

export const HEADER_BYTES = 16;

export const Op = {
  /** Reply with exactly the same bytes. */
  ECHO: 1,
  /** Payload: iterations u32 LE, seed u32 LE. Reply: same header, payload result u32 LE. */
  WORK: 2,
  /** Send the message, unchanged, to every open connection (the sender included). */
  BROADCAST: 3,
} as const;
export type OpCode = (typeof Op)[keyof typeof Op];

export const OP_NAMES: Record<number, string> = { 1: 'ECHO', 2: 'WORK', 3: 'BROADCAST' };

/** Bytes a WORK request payload must carry: iterations u32 + seed u32. */
export const WORK_REQUEST_PAYLOAD_BYTES = 8;
/** Bytes of a WORK reply payload: result u32. */
export const WORK_REPLY_PAYLOAD_BYTES = 4;
/** Largest WORK iteration count a server accepts; more closes the connection with CloseCode.WORK_TOO_LARGE. */
export const MAX_WORK_ITERATIONS = 50_000_000;

/** WebSocket close codes a contract server uses when a client breaks the contract. */
export const CloseCode = {
  /** RFC 6455: text frames are not part of the contract. */
  UNSUPPORTED_DATA: 1003,
  /** Message shorter than HEADER_BYTES. */
  TRUNCATED_HEADER: 4400,
  /** Op byte is not one of Op. */
  UNKNOWN_OP: 4401,
  /** WORK payload shorter than WORK_REQUEST_PAYLOAD_BYTES. */
  TRUNCATED_WORK: 4402,
  /** WORK iterations above MAX_WORK_ITERATIONS. */
  WORK_TOO_LARGE: 4413,
} as const;

/**
 * WebSocket close codes a server sends for reasons of its own, not the client's (RFC 6455 §7.4.1 and
 * the IANA registry). Here, next to CloseCode, so every server (and the Go and Java mirrors) closes with
 * the same numbers and a client can tell a shutdown from a contract close.
 */
export const ServerCloseCode = {
  /** The server is shutting down (docs/PROTOCOL.md §5, §6 "Stopping"). */
  GOING_AWAY: 1001,
  /** The server failed to handle a valid message (a pool or handler thread died). Should never happen. */
  INTERNAL_ERROR: 1011,
  /** The server cannot take this connection now (ws-worker-per-conn: no handler thread to be had). */
  TRY_AGAIN_LATER: 1013,
} as const;

/** Close reason sent with ServerCloseCode.GOING_AWAY (the Go and Java servers send the same text). */
export const SHUTDOWN_CLOSE_REASON = 'server shutting down';

/** RFC 6455 §5.5: a control frame's payload is at most 125 bytes, 2 of them the code: a reason fits in 123. */
export const MAX_CLOSE_REASON_BYTES = 123;

/** Line prefix a server prints on stdout, followed by a JSON ReadyAnnouncement, once it accepts connections. */
export const READY_PREFIX = 'WSARENA_READY ';

export interface ReadyAnnouncement {
  server: string;
  /** ws://127.0.0.1:PORT/ */
  url: string;
  port: number;
  pid: number;
  /** Every setting that changes results, as the server actually applied it. */
  knobs: Record<string, string | number | boolean | null>;
}

/** Path of the HTTP stats endpoint, on the same port as the WebSocket endpoint. */
export const STATS_PATH = '/stats';

export interface Percentiles {
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

/** JSON body of GET /stats. Fields under `node` exist only for Node servers, under `go` only for Go. */
export interface StatsSnapshot {
  server: string;
  pid: number;
  uptimeMs: number;
  openConnections: number;
  /** Contract messages received and acted on (ECHO, WORK, BROADCAST), since start. */
  messagesHandled: number;
  /** Frames sent by BROADCAST fan-out, since start. */
  broadcastDeliveries: number;
  /** Connections this server closed because the client broke the contract. */
  protocolCloses: number;
  node?: {
    eventLoopDelayMs: Percentiles;
    /** Event-loop utilisation 0..1 since the previous /stats call (or since start). */
    eventLoopUtilization: number;
    heapUsedBytes: number;
    heapTotalBytes: number;
    externalBytes: number;
    rssBytes: number;
  };
  /** osThreads: live OS threads of the process (/proc/self/status Threads:), null where unreadable. */
  go?: { goroutines: number; heapAllocBytes: number; sysBytes: number; numGC: number; osThreads: number | null };
  /** Java servers only: platform threads (ThreadMXBean; virtual threads are not counted), heap used, GC totals. */
  java?: { liveThreads: number; peakThreads: number; heapUsedBytes: number; gcCount: number; gcTimeMs: number };
  /** Model-specific figures (pool queue time, worker count, …). */
  extra?: Record<string, unknown>;
}

export interface Header {
  op: number;
  flags: number;
  seq: number;
  sendTimeUs: bigint;
}

/** Current CLOCK_MONOTONIC time in microseconds, comparable across processes on this machine. */
export function nowUs(): bigint {
  return process.hrtime.bigint() / 1000n;
}

/** Writes a header into buf at offset 0. buf must be at least HEADER_BYTES long. */
export function writeHeader(buf: Buffer, op: number, seq: number, sendTimeUs: bigint, flags = 0): void {
  buf[0] = op;
  buf[1] = flags;
  buf[2] = 0;
  buf[3] = 0;
  buf.writeUInt32LE(seq >>> 0, 4);
  buf.writeBigUInt64LE(sendTimeUs, 8);
}

/** Reads a header; returns null when buf is shorter than HEADER_BYTES. */
export function readHeader(buf: Uint8Array): Header | null {
  if (buf.length < HEADER_BYTES) return null;
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  return {
    op: buf[0]!,
    flags: buf[1]!,
    seq: view.getUint32(4, true),
    sendTimeUs: view.getBigUint64(8, true),
  };
}

/** Builds a complete message: header, then payloadBytes of a deterministic fill pattern (the client checks it). */
export function buildMessage(op: number, seq: number, sendTimeUs: bigint, payloadBytes: number, flags = 0): Buffer {
  const buf = Buffer.allocUnsafe(HEADER_BYTES + payloadBytes);
  writeHeader(buf, op, seq, sendTimeUs, flags);
  fillPattern(buf, HEADER_BYTES);
  return buf;
}

/** Fill byte at payload index i: cheap to check, and catches shifted or truncated payloads. */
export function patternByte(i: number): number {
  return (i * 31 + 7) & 0xff;
}

export function fillPattern(buf: Buffer, from: number): void {
  for (let i = from; i < buf.length; i++) buf[i] = patternByte(i - from);
}

/** Builds a WORK request: header + iterations u32 LE + seed u32 LE. */
export function buildWorkRequest(seq: number, sendTimeUs: bigint, iterations: number, seed: number, flags = 0): Buffer {
  const buf = Buffer.allocUnsafe(HEADER_BYTES + WORK_REQUEST_PAYLOAD_BYTES);
  writeHeader(buf, Op.WORK, seq, sendTimeUs, flags);
  buf.writeUInt32LE(iterations >>> 0, HEADER_BYTES);
  buf.writeUInt32LE(seed >>> 0, HEADER_BYTES + 4);
  return buf;
}

/**
 * The WORK function: a deterministic CPU burner on 32-bit unsigned integers, so that Go and
 * TypeScript compute the same bits. xorshift32 state, folded into an FNV-1a-style accumulator.
 *
 *   x = seed, or 0x9E3779B9 when seed is 0 (xorshift has a fixed point at 0)
 *   acc = 0x811C9DC5
 *   repeat iterations times, i = 0, 1, …:
 *     x ^= x << 13; x ^= x >> 17; x ^= x << 5          (all mod 2^32, >> is logical)
 *     acc = ((acc ^ x) + i) * 0x01000193                (mod 2^32)
 *   return acc
 */
export function work(iterations: number, seed: number): number {
  let x = seed >>> 0 || 0x9e3779b9;
  let acc = 0x811c9dc5;
  for (let i = 0; i < iterations; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    acc = Math.imul(((acc ^ x) + i) | 0, 0x01000193);
  }
  return acc >>> 0;
}

export type ContractViolation = { code: number; reason: string };

/**
 * Validates a message a server received; returns null when it is valid, otherwise the close code and
 * reason the server must close the connection with. Servers share this so they agree on every edge case.
 */
export function checkRequest(msg: Uint8Array): ContractViolation | null {
  if (msg.length < HEADER_BYTES) {
    return { code: CloseCode.TRUNCATED_HEADER, reason: `message of ${msg.length} bytes is shorter than the ${HEADER_BYTES}-byte header` };
  }
  const op = msg[0]!;
  if (op === Op.ECHO || op === Op.BROADCAST) return null;
  if (op !== Op.WORK) return { code: CloseCode.UNKNOWN_OP, reason: `unknown op ${op}` };
  if (msg.length < HEADER_BYTES + WORK_REQUEST_PAYLOAD_BYTES) {
    return { code: CloseCode.TRUNCATED_WORK, reason: `WORK payload of ${msg.length - HEADER_BYTES} bytes, needs ${WORK_REQUEST_PAYLOAD_BYTES}` };
  }
  const iterations = readWorkIterations(msg);
  if (iterations > MAX_WORK_ITERATIONS) {
    return { code: CloseCode.WORK_TOO_LARGE, reason: `WORK iterations ${iterations} > ${MAX_WORK_ITERATIONS}` };
  }
  return null;
}

export function readWorkIterations(msg: Uint8Array): number {
  return new DataView(msg.buffer, msg.byteOffset, msg.byteLength).getUint32(HEADER_BYTES, true);
}

export function readWorkSeed(msg: Uint8Array): number {
  return new DataView(msg.buffer, msg.byteOffset, msg.byteLength).getUint32(HEADER_BYTES + 4, true);
}

/** Builds the WORK reply for a valid WORK request: the request's header + result u32 LE. */
export function buildWorkReply(request: Uint8Array, result: number): Buffer {
  const reply = Buffer.allocUnsafe(HEADER_BYTES + WORK_REPLY_PAYLOAD_BYTES);
  reply.set(request.subarray(0, HEADER_BYTES), 0);
  reply.writeUInt32LE(result >>> 0, HEADER_BYTES);
  return reply;
}
