/**
 * A WebSocket client for experiments: the raw RFC 6455 pieces of clients/ (handshake, frame encoding,
 * FrameParser) on a plain net.Socket, with nothing hidden. Every frame and TCP event the server causes is
 * logged with its time, bytes can be written as they are (malformed frames included), and reading can be
 * paused. Unlike WsConnection (built for load), it never closes on its own except to answer a close frame.
 */
import { connect as netConnect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { encodeCloseFrame, encodeFrame, Opcode } from '../clients/rfc6455/frame.js';
import { FrameParser, ProtocolError } from '../clients/rfc6455/frame-parser.js';
import { HandshakeError, performHandshake } from '../clients/rfc6455/handshake.js';

export type ProbeEvent =
  | { type: 'message'; atMs: number; data: Buffer; binary: boolean }
  | { type: 'ping'; atMs: number; payload: Buffer }
  | { type: 'pong'; atMs: number; payload: Buffer }
  /** A close frame from the server; code null when it carried none. */
  | { type: 'close'; atMs: number; code: number | null; reason: string }
  /** The server sent something our parser rejects (stable code from FrameParser). */
  | { type: 'protocol-error'; atMs: number; code: string; message: string }
  /** TCP ended: `fin` (orderly), `reset` (ECONNRESET/EPIPE), or `destroyed` by us. */
  | { type: 'end'; atMs: number; how: 'fin' | 'reset' | 'destroyed'; error?: string };

export interface ProbeSocketOptions {
  /** Limit for TCP connect plus handshake, ms. */
  timeoutMs: number;
  /** Answer server pings with pongs (RFC behaviour). Default true. */
  autoPong?: boolean;
  /** Answer a server close frame with one of our own. Default true. */
  autoCloseReply?: boolean;
  /** Largest server message parsed, bytes. Default 64 MiB. */
  maxMessageBytes?: number;
  /** Sec-WebSocket-Version override (null omits it). Default 13. */
  version?: string | number | null;
}

type Waiter = () => void;

const EMPTY = Buffer.alloc(0);

export class ProbeSocket {
  /** Every event in arrival order; `atMs` is relative to the end of the handshake. */
  readonly events: ProbeEvent[] = [];
  private readonly originMs = performance.now();
  private readonly waiters = new Set<Waiter>();
  private readonly parser: FrameParser;
  private sentClose = false;
  private ended = false;

  private constructor(
    readonly socket: Socket,
    options: ProbeSocketOptions,
  ) {
    this.parser = new FrameParser(
      {
        onMessage: (data, start, end, binary) => this.record({ type: 'message', atMs: this.nowMs(), data: Buffer.from(data.subarray(start, end)), binary }),
        onPing: (payload) => {
          this.record({ type: 'ping', atMs: this.nowMs(), payload });
          if (options.autoPong ?? true) this.write(encodeFrame(Opcode.PONG, payload));
        },
        onPong: (payload) => this.record({ type: 'pong', atMs: this.nowMs(), payload }),
        onClose: (code, reason) => {
          this.record({ type: 'close', atMs: this.nowMs(), code: code ?? null, reason });
          if ((options.autoCloseReply ?? true) && !this.sentClose) {
            this.sentClose = true;
            this.write(encodeCloseFrame(code, code === undefined ? '' : reason));
          }
        },
      },
      { maxMessageBytes: options.maxMessageBytes },
    );
  }

  /**
   * Connects and completes an RFC 6455 handshake. Rejects with the socket error (code ECONNREFUSED, …) or
   * a HandshakeError (HANDSHAKE_TIMEOUT when nothing answered within timeoutMs).
   */
  static async open(url: string, options: ProbeSocketOptions): Promise<ProbeSocket> {
    const parsed = new URL(url);
    const started = performance.now();
    const socket = await connectTcp(parsed.hostname, Number(parsed.port || 80), options.timeoutMs);
    socket.setNoDelay(true);
    const host = parsed.port ? `${parsed.hostname}:${parsed.port}` : parsed.hostname;
    let leftover: Buffer;
    try {
      const remainingMs = Math.max(1, options.timeoutMs - (performance.now() - started));
      const response = await performHandshake(socket, { host, path: parsed.pathname + parsed.search, version: options.version, timeoutMs: remainingMs });
      leftover = response.leftover;
    } catch (err) {
      socket.destroy();
      throw err;
    }
    const probe = new ProbeSocket(socket, options);
    probe.attach(leftover);
    return probe;
  }

  /** ms since the handshake completed. */
  nowMs(): number {
    return performance.now() - this.originMs;
  }

  get isEnded(): boolean {
    return this.ended;
  }

  /** Writes raw bytes (complete frames, or deliberately broken ones). False when the socket buffer is full or the socket is gone. */
  write(bytes: Uint8Array): boolean {
    if (this.ended || this.socket.destroyed) return false;
    return this.socket.write(bytes);
  }

  /** One masked frame. */
  send(payload: Uint8Array, opcode: number = Opcode.BINARY): boolean {
    return this.write(encodeFrame(opcode, payload));
  }

  /** A ping with `payload` (at most 125 bytes for a valid one). */
  ping(payload: Uint8Array): boolean {
    return this.write(encodeFrame(Opcode.PING, payload));
  }

  /** Starts the closing handshake with an arbitrary payload (valid or not). */
  sendCloseRaw(payload: Buffer): boolean {
    this.sentClose = true;
    return this.write(encodeFrame(Opcode.CLOSE, payload));
  }

  /** Drops the payloads of messages logged so far (they were matched already); keeps the events. */
  releasePayloads(): void {
    for (let i = 0; i < this.events.length; i++) {
      const event = this.events[i]!;
      if (event.type === 'message' && event.data.length > 0) this.events[i] = { ...event, data: EMPTY };
    }
  }

  /** Stops reading: bytes stay in the kernel, and TCP flow control pushes back on the server. */
  pauseReading(): void {
    this.socket.pause();
  }

  /**
   * Resolves with the first event at index ≥ from that matches, or null after timeoutMs (or on abort).
   * Events logged earlier than `from` are not considered.
   */
  waitFor(from: number, match: (event: ProbeEvent) => boolean, timeoutMs: number, signal?: AbortSignal): Promise<ProbeEvent | null> {
    return new Promise((resolve) => {
      let checked = from;
      const check = (): boolean => {
        for (; checked < this.events.length; checked++) {
          const event = this.events[checked]!;
          if (match(event)) {
            done(event);
            return true;
          }
        }
        return false;
      };
      const done = (event: ProbeEvent | null): void => {
        clearTimeout(timer);
        this.waiters.delete(check);
        signal?.removeEventListener('abort', onAbort);
        resolve(event);
      };
      const onAbort = (): void => done(null);
      const timer = setTimeout(() => done(null), Math.max(0, timeoutMs));
      signal?.addEventListener('abort', onAbort, { once: true });
      if (!check()) this.waiters.add(check);
    });
  }

  /** Resolves once the socket buffer has room again (true), or false after timeoutMs / when the socket ends. */
  waitDrain(timeoutMs: number): Promise<boolean> {
    if (this.socket.writableLength === 0 || this.ended) return Promise.resolve(!this.ended);
    return new Promise((resolve) => {
      const done = (ok: boolean): void => {
        clearTimeout(timer);
        this.socket.off('drain', onDrain);
        this.socket.off('close', onClose);
        resolve(ok);
      };
      const onDrain = (): void => done(true);
      const onClose = (): void => done(false);
      const timer = setTimeout(() => done(false), timeoutMs);
      this.socket.on('drain', onDrain);
      this.socket.on('close', onClose);
    });
  }

  /** Drops the TCP connection at once (idempotent). */
  destroy(): void {
    if (!this.socket.destroyed) this.socket.destroy();
    this.markEnded('destroyed');
  }

  private attach(leftover: Buffer): void {
    this.socket.on('data', (chunk: Buffer) => this.onData(chunk));
    this.socket.on('end', () => this.markEnded('fin'));
    this.socket.on('error', (err: NodeJS.ErrnoException) => this.markEnded('reset', err.code ?? err.message));
    this.socket.on('close', () => this.markEnded('fin'));
    if (leftover.length > 0) this.onData(leftover);
    this.socket.resume();
  }

  private onData(chunk: Buffer): void {
    if (this.parser.isClosed) return;
    try {
      this.parser.push(chunk);
    } catch (err) {
      if (!(err instanceof ProtocolError)) throw err;
      // Once the parser has failed it rethrows on every push: record the violation once and stop parsing.
      if (!this.events.some((e) => e.type === 'protocol-error'))
        this.record({ type: 'protocol-error', atMs: this.nowMs(), code: err.code, message: err.message });
    }
  }

  private markEnded(how: 'fin' | 'reset' | 'destroyed', error?: string): void {
    if (this.ended) return;
    this.ended = true;
    this.record(error === undefined ? { type: 'end', atMs: this.nowMs(), how } : { type: 'end', atMs: this.nowMs(), how, error });
  }

  private record(event: ProbeEvent): void {
    this.events.push(event);
    for (const check of [...this.waiters]) check();
  }
}

/** TCP connect with a time limit; rejects with the socket error or a HANDSHAKE_TIMEOUT HandshakeError. */
export function connectTcp(host: string, port: number, timeoutMs: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = netConnect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new HandshakeError('HANDSHAKE_TIMEOUT', `no TCP connection within ${timeoutMs} ms`));
    }, timeoutMs);
    const onError = (err: Error): void => {
      clearTimeout(timer);
      reject(err);
    };
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.off('error', onError);
      // Whoever takes the socket adds its own listener; until then an error must not crash the process.
      socket.on('error', () => {});
      resolve(socket);
    });
    socket.once('error', onError);
  });
}
