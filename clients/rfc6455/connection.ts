/**
 * One client WebSocket over a raw net.Socket: connect, handshake, then frames in both directions.
 * Messages reach the caller as views into socket chunks (see FrameParser); pings are answered, a
 * server's close is echoed (§5.5.1), and a broken frame closes with the code the error names.
 */
import { connect as netConnect, type Socket } from 'node:net';
import { monoUs } from '../clock.js';
import { encodeCloseFrame, encodeFrame, Opcode, writeBatch } from './frame.js';
import { FrameParser, type FrameParserHandlers, ProtocolError } from './frame-parser.js';
import { buildUpgradeRequest, generateKey, HandshakeError, ResponseHeadReader, validateUpgradeResponse } from './handshake.js';

export interface ConnectOptions {
  /** ws://host:port/path (wss is not supported: the suite stays on loopback). */
  url: string;
  /** Source address to bind (e.g. "127.0.0.2"); default chosen by the kernel. */
  localAddress?: string;
  /**
   * Source port to bind with localAddress; default chosen by the kernel. When it is taken (another socket on that
   * address, or a 4-tuple still in TIME_WAIT), the connection is retried (at most twice) with a kernel-chosen port.
   */
  localPort?: number;
  /** Limit for TCP connect plus handshake, ms. Default 10 000. */
  handshakeTimeoutMs?: number;
  /** Sec-WebSocket-Version override; null omits the header. Default 13. */
  version?: string | number | null;
  /** Extra request headers; same-named defaults are replaced, null removes one. */
  extraHeaders?: Record<string, string | null>;
  /** Largest message accepted, bytes. Default 64 MiB. */
  maxMessageBytes?: number;
}

export interface CloseInfo {
  /** From the server's close frame; 1005 when it carried none; 1006 when the connection ended without one. */
  code: number;
  reason: string;
  /** True when close() or destroy() was called on this side first. */
  requested: boolean;
  /** The socket or protocol error that ended the connection, if any. */
  error?: Error;
}

export interface ConnectionHandlers {
  onMessage: FrameParserHandlers['onMessage'];
  /** Called after every socket chunk has been parsed: the place to flush replies queued by onMessage. */
  afterChunk?(): void;
  onPong?(payload: Buffer): void;
  /** Called once, when the socket has closed (not for a connection that failed to open). */
  onClose?(info: CloseInfo): void;
}

const DEFAULT_HANDSHAKE_TIMEOUT_MS = 10_000;

/**
 * The error count under which a connection that was accepted but never served is recorded: the
 * "starved" connections of a bounded thread pool (BACKGROUND.md claim C2).
 */
export const STARVED_ERROR = 'unanswered';
const CLOSE_WAIT_MS = 1_000;

// Every socket of this process reads into this one buffer (net's `onread` mode): read callbacks run one at
// a time and the parser copies whatever must outlive a callback, so a read allocates no chunk and skips the
// Readable stream machinery ('data' events, buffering) that otherwise runs for every reply.
const READ_BUFFER_BYTES = 256 * 1024;
const sharedReadBuffer = Buffer.allocUnsafe(READ_BUFFER_BYTES);

/** Errors of a planned source port that is not free: bind (EADDRINUSE) or connect (EADDRNOTAVAIL, same 4-tuple in TIME_WAIT). */
const PORT_TAKEN = new Set(['EADDRINUSE', 'EADDRNOTAVAIL']);

type State = 'connecting' | 'open' | 'closing' | 'closed';

export class WsConnection {
  /** TCP connect plus handshake, µs. */
  handshakeUs = 0;
  private state: State = 'connecting';
  /** The TCP connection is up and the upgrade request was written (tells "unanswered" from "no connection"). */
  private upgradeSent = false;
  private closeInfo: CloseInfo | null = null;
  private readonly parser: FrameParser;
  private readonly head = new ResponseHeadReader();
  private readonly key = generateKey();
  private readonly opened: Promise<WsConnection>;
  private settleOpen!: (err: Error | null) => void;

  private constructor(
    readonly socket: Socket,
    private readonly handlers: ConnectionHandlers,
    url: URL,
    options: ConnectOptions,
  ) {
    const started = monoUs();
    this.parser = new FrameParser(
      {
        onMessage: handlers.onMessage,
        onPing: (payload) => this.write(encodeFrame(Opcode.PONG, payload)),
        onPong: handlers.onPong,
        onClose: (code, reason) => this.onCloseFrame(code, reason),
      },
      { maxMessageBytes: options.maxMessageBytes },
    );
    this.opened = new Promise<WsConnection>((resolve, reject) => {
      const timeoutMs = options.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS;
      const timer = setTimeout(() => {
        // Connected and asked, but not one byte of answer: the server is holding the socket unserved.
        const unanswered = this.upgradeSent && !this.head.started;
        this.settleOpen(
          unanswered
            ? new HandshakeError('HANDSHAKE_UNANSWERED', `connected, but the upgrade request got no answer within ${timeoutMs} ms`)
            : new HandshakeError('HANDSHAKE_TIMEOUT', `no connection and handshake within ${timeoutMs} ms`),
        );
      }, timeoutMs);
      this.settleOpen = (err) => {
        if (this.state !== 'connecting') return;
        clearTimeout(timer);
        if (err) {
          this.state = 'closed';
          socket.destroy();
          reject(err);
        } else {
          this.state = 'open';
          this.handshakeUs = monoUs() - started;
          resolve(this);
        }
      };
    });
    socket.setNoDelay(true);
    socket.on('connect', () => {
      const host = url.port ? `${url.hostname}:${url.port}` : url.hostname;
      socket.write(buildUpgradeRequest({ host, path: url.pathname + url.search, key: this.key, version: options.version, extraHeaders: options.extraHeaders }));
      this.upgradeSent = true;
    });
    socket.on('error', (err) => {
      if (this.state === 'connecting') this.settleOpen(err);
      else this.closeInfo ??= { code: 1006, reason: '', requested: false, error: err };
    });
    socket.on('close', () => this.onSocketClose());
  }

  /** Opens a connection; rejects with the socket error (err.code ECONNREFUSED, …) or a HandshakeError. */
  static connect(options: ConnectOptions, handlers: ConnectionHandlers): Promise<WsConnection> {
    const first = WsConnection.open(options, handlers);
    if (options.localPort === undefined) return first;
    const kernelChosen = { ...options, localPort: undefined };
    const retry = (err: NodeJS.ErrnoException) => (PORT_TAKEN.has(err?.code ?? '') ? WsConnection.open(kernelChosen, handlers) : Promise.reject(err));
    // Twice: in one uws-procs ramp an EADDRNOTAVAIL ended the ramp at 60,000 with one retry (cause not established:
    // a replay of 70,000 connects had none); a port error is the source port's fault, not the server's.
    return first.catch(retry).catch(retry);
  }

  private static open(options: ConnectOptions, handlers: ConnectionHandlers): Promise<WsConnection> {
    const url = new URL(options.url);
    if (url.protocol !== 'ws:') return Promise.reject(new TypeError(`url must start with ws://, got ${options.url}`));
    let conn: WsConnection | null = null;
    const socket = netConnect({
      host: url.hostname,
      port: Number(url.port || 80),
      localAddress: options.localAddress,
      localPort: options.localPort,
      onread: {
        buffer: sharedReadBuffer,
        callback: (bytes) => {
          conn!.onData(sharedReadBuffer.subarray(0, bytes));
          return true;
        },
      },
    });
    conn = new WsConnection(socket, handlers, url, options);
    return conn.opened;
  }

  get isOpen(): boolean {
    return this.state === 'open';
  }

  /** Writes bytes that already are complete masked frames. Returns false when the socket buffer is full. */
  write(frames: Buffer): boolean {
    if (this.state !== 'open') return false;
    return this.socket.write(frames);
  }

  /** Writes several frame buffers in one corked batch. */
  writeMany(frames: readonly Buffer[]): boolean {
    if (this.state !== 'open') return false;
    return writeBatch(this.socket, frames);
  }

  /** Sends one message as a single masked frame. */
  send(payload: Uint8Array, opcode: number = Opcode.BINARY): boolean {
    return this.write(encodeFrame(opcode, payload));
  }

  ping(payload: Uint8Array = Buffer.alloc(0)): boolean {
    return this.write(encodeFrame(Opcode.PING, payload));
  }

  /** Starts the closing handshake; the socket is destroyed if the server has not closed within waitMs. */
  close(code = 1000, reason = '', waitMs = CLOSE_WAIT_MS): void {
    if (this.state !== 'open') return;
    this.state = 'closing';
    this.closeInfo = { code, reason, requested: true };
    this.socket.end(encodeCloseFrame(code, reason));
    setTimeout(() => this.socket.destroy(), waitMs).unref();
  }

  /** Drops the TCP connection without a closing handshake. */
  destroy(): void {
    if (this.state === 'closed') return;
    this.closeInfo ??= { code: 1006, reason: '', requested: true };
    this.socket.destroy();
  }

  /** chunk is valid only during this call: it lies in the shared read buffer. */
  private onData(chunk: Buffer): void {
    if (this.state === 'connecting') {
      let rest: Buffer;
      try {
        const response = this.head.push(chunk);
        if (response === null) return;
        validateUpgradeResponse(response, this.key);
        rest = response.leftover;
      } catch (err) {
        this.settleOpen(err as Error);
        return;
      }
      this.settleOpen(null);
      if (rest.length === 0) return;
      // rest is a copy (the head reader copies), so it survives the shared read buffer being reused.
      // Frames that came with the 101 are parsed after the caller has seen the connection open; pausing
      // keeps any later chunk from overtaking them.
      this.socket.pause();
      setImmediate(() => {
        this.socket.resume();
        this.onData(rest);
      });
      return;
    }
    if (this.state === 'closed') return;
    try {
      this.parser.push(chunk);
    } catch (err) {
      this.failProtocol(err as Error);
      return;
    }
    this.handlers.afterChunk?.();
  }

  private onCloseFrame(code: number | undefined, reason: string): void {
    if (this.state === 'open') {
      this.state = 'closing';
      this.closeInfo = { code: code ?? 1005, reason, requested: false };
      this.socket.end(encodeCloseFrame(code, code === undefined ? '' : reason));
      setTimeout(() => this.socket.destroy(), CLOSE_WAIT_MS).unref();
    } else {
      // Our own close, confirmed by the server: nothing more will come.
      this.socket.destroy();
    }
  }

  private failProtocol(err: Error): void {
    const code = err instanceof ProtocolError ? err.closeCode : 1002;
    this.closeInfo ??= { code, reason: err.message, requested: false, error: err };
    if (this.state === 'open') this.socket.end(encodeCloseFrame(code));
    this.state = 'closing';
    setTimeout(() => this.socket.destroy(), CLOSE_WAIT_MS).unref();
  }

  private onSocketClose(): void {
    if (this.state === 'connecting') {
      this.settleOpen(new HandshakeError('HANDSHAKE_CLOSED', 'connection closed before the handshake response was complete'));
      return;
    }
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.handlers.onClose?.(this.closeInfo ?? { code: 1006, reason: '', requested: false });
  }
}

/**
 * Names a failed connection attempt the way reports count it: the errno code for socket errors
 * (ECONNREFUSED, EADDRNOTAVAIL, EMFILE, …), `timeout`, `unanswered` (connected and asked, never answered:
 * STARVED_ERROR), or `handshake` for any other handshake failure.
 */
export function classifyConnectError(err: unknown): string {
  if (err instanceof HandshakeError) {
    if (err.code === 'HANDSHAKE_UNANSWERED') return STARVED_ERROR;
    return err.code === 'HANDSHAKE_TIMEOUT' ? 'timeout' : 'handshake';
  }
  const code = (err as NodeJS.ErrnoException | null)?.code;
  if (code === 'ETIMEDOUT') return 'timeout';
  return typeof code === 'string' ? code : 'error';
}
