/**
 * The WebSocket load inside one client worker process: its share of the connections, the closed or open
 * loop that drives them over raw frames, batched one write per connection. Which messages count and every
 * figure is clients/load/accounting.ts's; ws-load-child.ts wires it to the parent over IPC.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { monoUs } from '../clock.js';
import { MeteredConn, NO_SCHEDULE } from '../load/accounting.js';
import { inflightWindowFor } from '../load/inflight.js';
import { MeteredLoad } from '../load/metered-load.js';
import { sourceEndpointFor } from '../ramp.js';
import { type CloseInfo, classifyConnectError, WsConnection } from '../rfc6455/connection.js';
import { ProtocolError } from '../rfc6455/frame-parser.js';
import type { LoadPlan } from '../types.js';

/** Handshakes in progress at once per worker when the plan sets no ramp rate (keeps SYN backlogs sane). */
const MAX_CONCURRENT_HANDSHAKES = 128;
/**
 * Open loop: a connection whose socket has more than this buffered (the kernel's send buffer is full and
 * Node holds the rest: the server stopped reading) gets no new sends; each one due is a client drop. Without
 * it a server that stops reading makes the client's memory grow by the whole offered rate.
 */
export const MAX_BUFFERED_BYTES = 1 << 20;

/** One connection of the worker: the books' per-connection state plus what is queued for its next write. */
export class LoadConn extends MeteredConn {
  conn: WsConnection | null = null;
  pendingCount = 0;
  readonly pendingCls: number[] = [];
  readonly pendingIntendedUs: number[] = [];
  dirty = false;

  get open(): boolean {
    return this.conn?.isOpen === true;
  }
}

export class LoadWorker extends MeteredLoad<LoadConn> {
  /** Receive time of the socket chunk being parsed; read once per chunk, -1 between chunks. */
  private chunkRecvUs = -1;
  private readonly dirty: LoadConn[] = [];

  constructor(plan: LoadPlan, workerIndex: number, workers: number) {
    super(plan, workerIndex, workers, MAX_CONCURRENT_HANDSHAKES);
  }

  protected async openOne(index: number): Promise<void> {
    const lc = new LoadConn(index, this.plan.depth, inflightWindowFor(this.plan));
    this.books.attempted++;
    try {
      lc.conn = await WsConnection.connect(
        { url: this.plan.url, ...sourceEndpointFor(this.plan.localAddresses, index), handshakeTimeoutMs: this.plan.handshakeTimeoutMs },
        {
          onMessage: (data, start, end) => this.onReply(lc, data, start, end),
          afterChunk: () => this.afterChunk(lc),
          onClose: (info) => this.onClose(info),
        },
      );
    } catch (err) {
      this.books.noteError(classifyConnectError(err));
      return;
    }
    this.books.established++;
    this.books.recordHandshake(lc.conn.handshakeUs);
    this.conns.push(lc);
  }

  // ---- sending ----

  /** Closed loop: the connection's next message, sent at the next write. */
  protected readonly sendNext = (lc: LoadConn): void => this.queue(lc, this.books.codec.pickClass(lc), NO_SCHEDULE);

  /** Open loop: the message due at dueUs, unless the connection is closed or its socket is backed up. */
  protected sendScheduled(lc: LoadConn, dueUs: number): void {
    // A closed connection's messages are not sent, so they count nowhere; the target vs achieved rate shows the gap.
    if (!lc.open) return;
    if (lc.conn!.socket.writableLength > MAX_BUFFERED_BYTES) {
      if (dueUs >= this.books.times!.measureStartUs) this.books.counts.clientDrops++;
    } else this.queue(lc, this.books.codec.pickClass(lc), dueUs);
  }

  private queue(lc: LoadConn, cls: number, intendedUs: number): void {
    const k = lc.pendingCount++;
    lc.pendingCls[k] = cls;
    lc.pendingIntendedUs[k] = intendedUs;
    if (!lc.dirty) {
      lc.dirty = true;
      this.dirty.push(lc);
    }
  }

  protected override afterBurst(): void {
    this.flushDirty();
  }

  private flushDirty(): void {
    if (this.dirty.length === 0) return;
    // A timestamp per write, not per burst: in an open-loop burst of writes to many connections, the last one
    // leaves up to the whole burst later than the first, and its service time must not include that wait.
    for (const lc of this.dirty) this.flush(lc, monoUs());
    this.dirty.length = 0;
  }

  /** Writes every queued message of lc as frames in one buffer and one socket write. */
  private flush(lc: LoadConn, nowUs: number): void {
    const n = lc.pendingCount;
    lc.pendingCount = 0;
    lc.dirty = false;
    if (n === 0 || !lc.open) return;
    const codec = this.books.codec;
    let bytes = 0;
    for (let k = 0; k < n; k++) bytes += codec.frameBytes(lc.pendingCls[k]!);
    const batch = Buffer.allocUnsafe(bytes);
    let offset = 0;
    for (let k = 0; k < n; k++) {
      const cls = lc.pendingCls[k]!;
      const seq = this.books.recordSend(lc, cls, lc.pendingIntendedUs[k]!, nowUs);
      offset = codec.write(batch, offset, cls, seq, nowUs);
    }
    lc.conn!.write(batch);
  }

  // ---- receiving ----

  private onReply(lc: LoadConn, data: Buffer, start: number, end: number): void {
    if (!this.books.accepting) return;
    if (this.chunkRecvUs < 0) this.chunkRecvUs = monoUs();
    const recvUs = this.chunkRecvUs;
    this.books.recordReply(lc, data, start, end, recvUs, this.sendNext);
  }

  private afterChunk(lc: LoadConn): void {
    this.chunkRecvUs = -1;
    // Open loop: replies keep the event loop busy at high rates, so checking the schedule here sends on time
    // without a timer. Closed loop: the replies just parsed queued their successors; they leave in one write.
    if (this.books.open) {
      this.sendDueNow();
    } else if (lc.dirty) {
      this.flushDirty();
    }
  }

  private onClose(info: CloseInfo): void {
    if (info.requested) return;
    this.books.unexpectedCloses++;
    this.books.noteError(info.error instanceof ProtocolError ? `protocol:${info.error.code}` : `close:${info.code}`);
  }

  // ---- end of run ----

  /** Closes every connection with 1000 and waits (bounded) for the closing handshakes. */
  async closeAll(waitMs = 1000): Promise<void> {
    this.books.stopTimers();
    this.closeBooks();
    const closing = this.conns.filter((lc) => lc.conn !== null && !lc.conn.socket.destroyed);
    for (const lc of closing) lc.conn!.close(1000, '', waitMs);
    await Promise.race([
      Promise.all(closing.map((lc) => new Promise((resolve) => (lc.conn!.socket.destroyed ? resolve(null) : lc.conn!.socket.once('close', resolve))))),
      sleep(waitMs + 100),
    ]);
  }
}
