import { WebSocket } from 'ws';

/** How a connection ended, as the client saw it. */
export interface CloseEvent {
  code: number;
  reason: string;
}

/**
 * A plain `ws` client for contract tests: queues incoming binary messages so a test can await them in
 * order, and records how the server closed the connection. Deliberately not the load generator: the
 * contract is checked with a reference client.
 */
export class TestClient {
  private readonly queue: Buffer[] = [];
  private readonly waiters: Array<(message: Buffer) => void> = [];
  /** Text messages received (the contract has none; tests assert this stays empty). */
  readonly textMessages: string[] = [];
  /** Settles when the connection closes, with the server's close code. */
  readonly closed: Promise<CloseEvent>;

  private constructor(private readonly socket: WebSocket) {
    socket.on('message', (data, isBinary) => {
      const buffer = data as Buffer;
      if (!isBinary) {
        this.textMessages.push(buffer.toString('utf8'));
        return;
      }
      const waiter = this.waiters.shift();
      if (waiter !== undefined) waiter(buffer);
      else this.queue.push(buffer);
    });
    this.closed = new Promise((resolve) => {
      socket.once('close', (code, reason) => resolve({ code, reason: reason.toString('utf8') }));
    });
    // Errors end in 'close'; the listener keeps an error from becoming an uncaught exception.
    socket.on('error', () => {});
  }

  /** Connects and resolves once the handshake is done. */
  static open(url: string): Promise<TestClient> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url, { perMessageDeflate: false });
      socket.once('open', () => resolve(new TestClient(socket)));
      socket.once('error', reject);
    });
  }

  send(message: Uint8Array): void {
    this.socket.send(message, { binary: true });
  }

  sendText(text: string): void {
    this.socket.send(text, { binary: false });
  }

  /** The next binary message; rejects after timeoutMs. */
  next(timeoutMs = 5_000): Promise<Buffer> {
    const queued = this.queue.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    return new Promise((resolve, reject) => {
      const waiter = (message: Buffer): void => {
        clearTimeout(timer);
        resolve(message);
      };
      const timer = setTimeout(() => {
        const index = this.waiters.indexOf(waiter);
        if (index >= 0) this.waiters.splice(index, 1);
        reject(new Error(`no message within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  /** Sends message and returns the next reply. */
  async roundTrip(message: Uint8Array, timeoutMs?: number): Promise<Buffer> {
    this.send(message);
    return this.next(timeoutMs);
  }

  /** Messages received but not yet taken with next(). */
  pending(): number {
    return this.queue.length;
  }

  /** Closes normally and waits until the connection is gone. */
  async close(): Promise<void> {
    if (this.socket.readyState === WebSocket.OPEN || this.socket.readyState === WebSocket.CONNECTING) this.socket.close(1000);
    await this.closed;
  }
}
