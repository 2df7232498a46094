/**
 * The connections of one fleet worker process and what they do between commands (see fleet-ipc.ts):
 * open and close in bulk, answer liveness pings, receive broadcasts, or play slow reader / healthy echo.
 * Kept free of IPC so it can run in-process too.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { buildMessage, HEADER_BYTES, Op } from '../../protocol/wire.js';
import { monoUs } from '../clock.js';
import { buildHistogram, encodeHistogram, type Histogram, recordUs } from '../histogram.js';
import { rampAttempts, sourceEndpointFor } from '../ramp.js';
import { type CloseInfo, classifyConnectError, WsConnection } from '../rfc6455/connection.js';
import { encodeFrame, Opcode } from '../rfc6455/frame.js';
import { ProtocolError } from '../rfc6455/frame-parser.js';
import { connectionsOfWorker } from '../schedule.js';
import { sleepUntilUs } from '../timers.js';
import type {
  BackpressureCommand,
  BackpressureWorkerResult,
  BroadcastCommand,
  BroadcastWorkerResult,
  CloseResult,
  FleetInit,
  FleetStatus,
  OpenResult,
} from './fleet-ipc.js';
import { Liveness } from './liveness.js';

const ROLE_NONE = 0;
const ROLE_HEALTHY = 1;
const ROLE_SLOW = 2;

type Mode = 'idle' | 'broadcast' | 'backpressure';

/** A backpressure command's state while it runs. */
interface BackpressureState {
  cmd: BackpressureCommand;
  sending: boolean;
  healthyFrame: (seq: number, nowUs: number) => Buffer;
  hHealthy: Histogram;
  healthy: BackpressureWorkerResult['healthy'];
  slow: BackpressureWorkerResult['slow'];
  resumedUs: number;
}

class FleetConn {
  conn: WsConnection | null = null;
  /** Send time of the unanswered ping, µs; −1 when none is outstanding. */
  pingSentUs = -1;
  /** Broadcast: which publish ids this connection has received. */
  seen: Uint8Array | null = null;
  role = ROLE_NONE;
  /** Healthy echo: seq and send time of the message in flight (depth 1); −1 when none. */
  seq = 0;
  inflightSeq = -1;
  inflightSentUs = 0;
  inflightCounted = false;

  constructor(readonly index: number) {}

  get open(): boolean {
    return this.conn?.isOpen === true;
  }
}

export class FleetAgent {
  private conns: FleetConn[] = [];
  private mode: Mode = 'idle';
  private chunkRecvUs = -1;

  private unexpectedCloses = 0;
  private readonly closeCodes: Record<string, number> = {};
  private unexpectedMessages = 0;

  private readonly liveness = new Liveness(() => this.conns);

  // broadcast
  private bc: {
    cmd: BroadcastCommand;
    received: Uint32Array;
    maxLat: Float64Array;
    minLat: Float64Array;
    h: Histogram;
    duplicated: number;
    corrupted: number;
    unexpected: number;
    frameBytes: number;
  } | null = null;

  // backpressure
  private bp: BackpressureState | null = null;

  /** Called while open() runs, every PROGRESS_INTERVAL_MS (clients/ramp.ts). */
  onProgress: ((attempted: number, established: number) => void) | null = null;

  constructor(private readonly init: FleetInit) {}

  get openCount(): number {
    let n = 0;
    for (const fc of this.conns) if (fc.open) n++;
    return n;
  }

  // ---- opening and closing ----

  async open(from: number, to: number, rampPerSec: number | null): Promise<OpenResult> {
    const { workers, workerIndex } = this.init;
    const result: OpenResult = { attempted: 0, established: 0, errors: {}, handshake: '', firstAttemptUs: 0, lastSettledUs: 0, open: 0 };
    const h = buildHistogram();
    await rampAttempts(
      {
        indices: connectionsOfWorker(to, workers, workerIndex).filter((c) => c >= from),
        ratePerSec: rampPerSec === null ? null : rampPerSec / workers,
        maxConcurrent: this.init.maxConcurrentHandshakes,
        progress: () => this.onProgress?.(result.attempted, result.established),
      },
      (index) => {
        if (result.attempted === 0) result.firstAttemptUs = monoUs();
        result.attempted++;
        return this.openOne(index, result, h).finally(() => (result.lastSettledUs = monoUs()));
      },
    );
    result.handshake = encodeHistogram(h);
    h.destroy();
    result.open = this.openCount;
    return result;
  }

  private async openOne(index: number, result: OpenResult, h: Histogram): Promise<void> {
    const fc = new FleetConn(index);
    try {
      fc.conn = await WsConnection.connect(
        { url: this.init.url, ...sourceEndpointFor(this.init.localAddresses, index), handshakeTimeoutMs: this.init.handshakeTimeoutMs },
        {
          onMessage: (data, start, end) => this.onMessage(fc, data, start, end),
          afterChunk: () => (this.chunkRecvUs = -1),
          onPong: () => this.liveness.onPong(fc),
          onClose: (info) => this.onClose(fc, info),
        },
      );
    } catch (err) {
      bump(result.errors, classifyConnectError(err));
      return;
    }
    result.established++;
    recordUs(h, fc.conn.handshakeUs);
    this.conns.push(fc);
  }

  /** Closes every connection with 1000; resolves when all sockets are closed or waitMs (+100) has passed. */
  async closeAll(waitMs: number): Promise<CloseResult> {
    const startedUs = monoUs();
    const closing = this.conns.filter((fc) => fc.conn !== null && !fc.conn.socket.destroyed);
    this.conns = [];
    for (const fc of closing) {
      // A paused socket would never read the server's close frame.
      fc.conn!.socket.resume();
      if (fc.conn!.isOpen) fc.conn!.close(1000, '', waitMs);
      else fc.conn!.destroy();
    }
    await Promise.race([
      Promise.all(closing.map((fc) => new Promise((resolve) => (fc.conn!.socket.destroyed ? resolve(null) : fc.conn!.socket.once('close', resolve))))),
      sleep(waitMs + 100),
    ]);
    return { closed: closing.length, startedUs, doneUs: monoUs() };
  }

  // ---- liveness (liveness.ts) ----

  setPing(intervalMs: number | null): void {
    this.liveness.set(intervalMs);
  }

  status(): FleetStatus {
    const { pingsSent, pongsReceived, pongsLate, pongsOverdue, pongRtt } = this.liveness.status();
    return {
      open: this.openCount,
      unexpectedCloses: this.unexpectedCloses,
      closeCodes: { ...this.closeCodes },
      pingsSent,
      pongsReceived,
      pongsLate,
      pongsOverdue,
      pongRtt,
      unexpectedMessages: this.unexpectedMessages,
    };
  }

  // ---- receiving ----

  private recvUs(): number {
    if (this.chunkRecvUs < 0) this.chunkRecvUs = monoUs();
    return this.chunkRecvUs;
  }

  private onMessage(fc: FleetConn, data: Buffer, start: number, end: number): void {
    if (this.mode === 'broadcast' && this.bc !== null) this.onBroadcast(fc, data, start, end);
    else if (this.mode === 'backpressure' && this.bp !== null) this.onEcho(fc, data, start, end);
    else this.unexpectedMessages++;
  }

  private onBroadcast(fc: FleetConn, data: Buffer, start: number, end: number): void {
    const bc = this.bc!;
    const recvUs = this.recvUs();
    if (end - start < HEADER_BYTES || data[start] !== Op.BROADCAST) {
      bc.unexpected++;
      return;
    }
    const id = data.readUInt32LE(start + 4);
    if (id >= bc.cmd.publishes || fc.seen === null) {
      bc.unexpected++;
      return;
    }
    if (fc.seen[id] === 1) {
      bc.duplicated++;
      return;
    }
    fc.seen[id] = 1;
    if (end - start !== bc.frameBytes) {
      bc.corrupted++;
      return;
    }
    const sendUs = data.readUInt32LE(start + 8) + data.readUInt32LE(start + 12) * 0x1_0000_0000;
    const latency = recvUs - sendUs;
    bc.received[id]!++;
    recordUs(bc.h, latency);
    if (latency > bc.maxLat[id]!) bc.maxLat[id] = latency;
    if (bc.minLat[id]! < 0 || latency < bc.minLat[id]!) bc.minLat[id] = latency;
  }

  private onEcho(fc: FleetConn, data: Buffer, start: number, end: number): void {
    const bp = this.bp!;
    const len = end - start;
    if (fc.role === ROLE_SLOW) {
      const s = bp.slow;
      s.received++;
      s.receivedBytes += len;
      if (len !== HEADER_BYTES + bp.cmd.slowPayloadBytes || data[start] !== Op.ECHO) s.corrupted++;
      if (bp.resumedUs > 0) s.drainedAfterUs = monoUs() - bp.resumedUs;
      return;
    }
    if (fc.role !== ROLE_HEALTHY) {
      this.unexpectedMessages++;
      return;
    }
    const recvUs = this.recvUs();
    const seq = len >= HEADER_BYTES ? data.readUInt32LE(start + 4) : -1;
    if (seq !== fc.inflightSeq || len !== HEADER_BYTES + bp.cmd.healthyPayloadBytes || data[start] !== Op.ECHO) {
      bp.healthy.corrupted++;
      return;
    }
    fc.inflightSeq = -1;
    if (fc.inflightCounted) {
      bp.healthy.received++;
      recordUs(bp.hHealthy, recvUs - fc.inflightSentUs);
    }
    if (bp.sending) this.sendHealthy(fc);
  }

  private onClose(fc: FleetConn, info: CloseInfo): void {
    if (info.requested) return;
    this.unexpectedCloses++;
    const key = info.error instanceof ProtocolError ? `protocol:${info.error.code}` : `close:${info.code}`;
    bump(this.closeCodes, key);
    const bp = this.bp;
    if (bp !== null) bump(fc.role === ROLE_SLOW ? bp.slow.closes : bp.healthy.closes, key);
  }

  // ---- broadcast ----

  async broadcast(cmd: BroadcastCommand): Promise<BroadcastWorkerResult> {
    const bc = {
      cmd,
      received: new Uint32Array(cmd.publishes),
      maxLat: new Float64Array(cmd.publishes).fill(-1),
      minLat: new Float64Array(cmd.publishes).fill(-1),
      h: buildHistogram(),
      duplicated: 0,
      corrupted: 0,
      unexpected: 0,
      frameBytes: HEADER_BYTES + cmd.payloadBytes,
    };
    for (const fc of this.conns) fc.seen = new Uint8Array(cmd.publishes);
    this.bc = bc;
    this.mode = 'broadcast';
    const publisher = this.conns.find((fc) => fc.index === cmd.publisher && fc.open) ?? null;
    const sendUs: number[] = [];
    const hLag = buildHistogram();
    await sleepUntil(cmd.startUs);
    const openAtStart = this.openCount;
    const cpu0 = process.cpuUsage();
    const wall0 = monoUs();
    if (publisher !== null) {
      const periodUs = 1e6 / cmd.rateHz;
      for (let k = 0; k < cmd.publishes; k++) {
        const dueUs = cmd.startUs + k * periodUs;
        await sleepUntil(dueUs);
        if (!publisher.open) break;
        const now = monoUs();
        publisher.conn!.send(buildMessage(Op.BROADCAST, k, BigInt(now), cmd.payloadBytes));
        sendUs.push(now);
        recordUs(hLag, now - dueUs);
      }
    }
    await sleepUntil(cmd.endUs);
    const cpu = process.cpuUsage(cpu0);
    const wallUs = Math.max(1, monoUs() - wall0);
    this.mode = 'idle';
    this.bc = null;
    for (const fc of this.conns) fc.seen = null;
    const result: BroadcastWorkerResult = {
      openAtStart,
      openAtEnd: this.openCount,
      published: sendUs.length,
      publishSendUs: sendUs,
      publishLagP99Us: hLag.totalCount > 0 ? hLag.getValueAtPercentile(99) : 0,
      received: Array.from(bc.received),
      maxLatencyUs: Array.from(bc.maxLat, Math.round),
      minLatencyUs: Array.from(bc.minLat, Math.round),
      latency: encodeHistogram(bc.h),
      duplicated: bc.duplicated,
      corrupted: bc.corrupted,
      unexpected: bc.unexpected,
      cpuCoreFraction: Math.round(((cpu.user + cpu.system) / wallUs) * 1000) / 1000,
    };
    bc.h.destroy();
    hLag.destroy();
    return result;
  }

  // ---- backpressure ----

  async backpressure(cmd: BackpressureCommand): Promise<BackpressureWorkerResult> {
    const bp = {
      cmd,
      sending: false,
      healthyFrame: (seq: number, nowUs: number) => encodeFrame(Opcode.BINARY, buildMessage(Op.ECHO, seq, BigInt(nowUs), cmd.healthyPayloadBytes)),
      hHealthy: buildHistogram(),
      healthy: { connections: 0, sent: 0, received: 0, corrupted: 0, latency: '', closes: {} },
      slow: {
        connections: 0,
        sent: 0,
        sentBytes: 0,
        sendsSkipped: 0,
        received: 0,
        receivedBytes: 0,
        corrupted: 0,
        closes: {},
        openAtEnd: 0,
        drainedAfterUs: null as number | null,
      },
      resumedUs: 0,
    };
    const slow: FleetConn[] = [];
    const healthy: FleetConn[] = [];
    for (const fc of this.conns) {
      if (!fc.open) continue;
      fc.role = fc.index < cmd.slowBelow ? ROLE_SLOW : ROLE_HEALTHY;
      (fc.role === ROLE_SLOW ? slow : healthy).push(fc);
      // A slow reader stops reading now: what the server sends it piles up in the kernel, then in the server.
      if (fc.role === ROLE_SLOW) fc.conn!.socket.pause();
    }
    bp.slow.connections = slow.length;
    bp.healthy.connections = healthy.length;
    this.bp = bp;
    this.mode = 'backpressure';

    await sleepUntil(cmd.startUs);
    const cpu0 = process.cpuUsage();
    const wall0 = monoUs();
    bp.sending = true;
    for (const fc of healthy) this.sendHealthy(fc);
    const slowTimer = startSlowSends(bp, slow);

    await sleepUntil(cmd.endUs);
    clearInterval(slowTimer);
    bp.sending = false;
    bp.resumedUs = monoUs();
    for (const fc of slow) fc.conn?.socket.resume();
    await waitForBackpressureReplies(bp, slow, healthy);
    const cpu = process.cpuUsage(cpu0);
    const wallUs = Math.max(1, monoUs() - wall0);
    this.mode = 'idle';
    this.bp = null;
    for (const fc of this.conns) fc.role = ROLE_NONE;
    bp.healthy.latency = encodeHistogram(bp.hHealthy);
    bp.hHealthy.destroy();
    bp.slow.openAtEnd = slow.filter((fc) => fc.open).length;
    return { healthy: bp.healthy, slow: bp.slow, cpuCoreFraction: Math.round(((cpu.user + cpu.system) / wallUs) * 1000) / 1000 };
  }

  private sendHealthy(fc: FleetConn): void {
    const bp = this.bp!;
    if (!fc.open) return;
    const nowUs = monoUs();
    const seq = fc.seq++;
    fc.inflightSeq = seq;
    fc.inflightSentUs = nowUs;
    fc.inflightCounted = nowUs >= bp.cmd.startUs && nowUs < bp.cmd.endUs;
    if (fc.inflightCounted) bp.healthy.sent++;
    fc.conn!.write(bp.healthyFrame(seq, nowUs));
  }

  dispose(): void {
    this.setPing(null);
    for (const fc of this.conns) fc.conn?.destroy();
    this.conns = [];
  }
}

/** Slow readers send `cmd.slowRateHz` ECHOs a second each, skipping a send while their socket queue is over the cap. */
function startSlowSends(bp: BackpressureState, slow: FleetConn[]): NodeJS.Timeout {
  const { cmd } = bp;
  const slowFrameBytes = HEADER_BYTES + cmd.slowPayloadBytes;
  let slowSeq = 0;
  const periodMs = 1000 / cmd.slowRateHz;
  return setInterval(
    () => {
      for (const fc of slow) {
        if (!fc.open) continue;
        if (fc.conn!.socket.writableLength > cmd.slowSendBufferCapBytes) {
          bp.slow.sendsSkipped++;
          continue;
        }
        fc.conn!.send(buildMessage(Op.ECHO, slowSeq++, BigInt(monoUs()), cmd.slowPayloadBytes));
        bp.slow.sent++;
        bp.slow.sentBytes += slowFrameBytes;
      }
    },
    Math.max(1, periodMs),
  );
}

/** Waits until every slow reply is in (or closed) and no healthy echo is in flight, bounded by resumeEndUs. */
async function waitForBackpressureReplies(bp: BackpressureState, slow: FleetConn[], healthy: FleetConn[]): Promise<void> {
  const { cmd } = bp;
  while (monoUs() < cmd.resumeEndUs) {
    const waiting = bp.slow.received < bp.slow.sent && slow.some((fc) => fc.open);
    const healthyWaiting = healthy.some((fc) => fc.open && fc.inflightSeq >= 0);
    if (!waiting && !healthyWaiting) break;
    await sleep(Math.min(50, Math.max(1, (cmd.resumeEndUs - monoUs()) / 1000)));
  }
}

function bump(map: Record<string, number>, key: string): void {
  map[key] = (map[key] ?? 0) + 1;
}

function sleepUntil(instantUs: number): Promise<void> {
  // Chained timeouts: a plain setTimeout past 2³¹−1 ms would fire after 1 ms.
  return instantUs > monoUs() ? sleepUntilUs(instantUs) : Promise.resolve();
}
