/**
 * The opening handshake (RFC 6455 §4.1): an HTTP/1.1 Upgrade request with a random Sec-WebSocket-Key,
 * and validation of the server's 101 answer, Sec-WebSocket-Accept included.
 *
 * The request can be bent on purpose (other Sec-WebSocket-Version values, extra or removed headers) so
 * the same code probes how servers treat non-conforming clients; a refusal then surfaces as a
 * HandshakeError carrying the server's status and headers.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';

/** §1.3: the GUID the server appends to the key before hashing. */
export const WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

export type HandshakeErrorCode =
  /** Server answered with a status other than 101. */
  | 'HANDSHAKE_BAD_STATUS'
  /** Sec-WebSocket-Accept missing or not SHA-1(key + GUID). */
  | 'HANDSHAKE_BAD_ACCEPT'
  /** Upgrade / Connection headers missing or wrong. */
  | 'HANDSHAKE_BAD_UPGRADE'
  /** Server selected an extension or subprotocol that was never offered. */
  | 'HANDSHAKE_UNREQUESTED'
  /** The response head is not valid HTTP/1.1 or is longer than allowed. */
  | 'HANDSHAKE_MALFORMED'
  /** The socket closed before the response head was complete. */
  | 'HANDSHAKE_CLOSED'
  /** No TCP connection, or no complete response, within the time limit (which of the two is not known). */
  | 'HANDSHAKE_TIMEOUT'
  /**
   * The kernel accepted the TCP connection and the upgrade request was sent, but no response byte came
   * within the time limit: the server holds the socket without serving it (a bounded thread pool whose
   * threads are all taken by other connections). Reports count these as "starved".
   */
  | 'HANDSHAKE_UNANSWERED';

export class HandshakeError extends Error {
  override readonly name = 'HandshakeError';
  constructor(
    readonly code: HandshakeErrorCode,
    message: string,
    /** The server's response, when one was read. */
    readonly response?: UpgradeResponse,
  ) {
    super(message);
  }
}

export interface UpgradeResponse {
  statusCode: number;
  statusText: string;
  /** Lower-cased header names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  /** Bytes that arrived after the response head: the first WebSocket frames. */
  leftover: Buffer;
}

/** A fresh Sec-WebSocket-Key: 16 random bytes, base64 (§4.1). */
export function generateKey(): string {
  return randomBytes(16).toString('base64');
}

/** Sec-WebSocket-Accept for a key: base64(SHA-1(key + GUID)). */
export function computeAccept(key: string): string {
  return createHash('sha1')
    .update(key + WS_GUID)
    .digest('base64');
}

export interface UpgradeRequestOptions {
  /** Host header value, with ":port" when not the default. */
  host: string;
  /** Request target, e.g. "/" or "/chat?x=1". */
  path: string;
  key: string;
  /** Sec-WebSocket-Version to send; null omits the header. Default 13. */
  version?: string | number | null;
  /**
   * Headers added to the request; a name that matches a default header (case-insensitive) replaces it,
   * and null removes it.
   */
  extraHeaders?: Record<string, string | null>;
}

/** Builds the request head, ending in the blank line. */
export function buildUpgradeRequest(options: UpgradeRequestOptions): string {
  const headers = new Map<string, [string, string]>();
  const set = (name: string, value: string | null): void => {
    if (value === null) headers.delete(name.toLowerCase());
    else headers.set(name.toLowerCase(), [name, value]);
  };
  set('Host', options.host);
  set('Upgrade', 'websocket');
  set('Connection', 'Upgrade');
  set('Sec-WebSocket-Key', options.key);
  const version = options.version === undefined ? '13' : options.version === null ? null : String(options.version);
  set('Sec-WebSocket-Version', version);
  for (const [name, value] of Object.entries(options.extraHeaders ?? {})) set(name, value);
  let head = `GET ${options.path} HTTP/1.1\r\n`;
  for (const [name, value] of headers.values()) head += `${name}: ${value}\r\n`;
  return `${head}\r\n`;
}

/**
 * Parses a response head. Returns null while the head is incomplete (no blank line yet).
 * Throws HANDSHAKE_MALFORMED when the status line cannot be read.
 */
export function parseResponseHead(data: Buffer): UpgradeResponse | null {
  const end = data.indexOf('\r\n\r\n');
  if (end < 0) return null;
  const lines = data.toString('latin1', 0, end).split('\r\n');
  const status = /^HTTP\/1\.[01] (\d{3})(?: (.*))?$/.exec(lines[0] ?? '');
  if (!status) throw new HandshakeError('HANDSHAKE_MALFORMED', `malformed status line ${JSON.stringify(lines[0])}`);
  const headers: Record<string, string> = {};
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon <= 0) throw new HandshakeError('HANDSHAKE_MALFORMED', `malformed header line ${JSON.stringify(line)}`);
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  }
  return { statusCode: Number(status[1]), statusText: status[2] ?? '', headers, leftover: data.subarray(end + 4) };
}

/** Throws HandshakeError unless the response completes the handshake for `key` (§4.1, client steps 1-6). */
export function validateUpgradeResponse(response: UpgradeResponse, key: string): void {
  const h = response.headers;
  if (response.statusCode !== 101) {
    throw new HandshakeError('HANDSHAKE_BAD_STATUS', `expected status 101, got ${response.statusCode} ${response.statusText}`.trim(), response);
  }
  if (h['upgrade']?.toLowerCase() !== 'websocket') {
    throw new HandshakeError('HANDSHAKE_BAD_UPGRADE', `Upgrade header is ${JSON.stringify(h['upgrade'] ?? null)}, expected "websocket"`, response);
  }
  const connection = (h['connection'] ?? '')
    .toLowerCase()
    .split(',')
    .map((t) => t.trim());
  if (!connection.includes('upgrade')) {
    throw new HandshakeError(
      'HANDSHAKE_BAD_UPGRADE',
      `Connection header is ${JSON.stringify(h['connection'] ?? null)}, expected to contain "Upgrade"`,
      response,
    );
  }
  const expected = computeAccept(key);
  if (h['sec-websocket-accept'] !== expected) {
    throw new HandshakeError(
      'HANDSHAKE_BAD_ACCEPT',
      `Sec-WebSocket-Accept is ${JSON.stringify(h['sec-websocket-accept'] ?? null)}, expected ${JSON.stringify(expected)}`,
      response,
    );
  }
  // We offer neither extensions nor subprotocols, so a server that selects one breaks §4.1 steps 5-6.
  for (const name of ['sec-websocket-extensions', 'sec-websocket-protocol']) {
    if (h[name] !== undefined && h[name] !== '') {
      throw new HandshakeError('HANDSHAKE_UNREQUESTED', `server selected ${name} ${JSON.stringify(h[name])}, which the client did not offer`, response);
    }
  }
}

/** Default cap on a response head; a server sending more is not answering an upgrade. */
export const MAX_RESPONSE_HEAD_BYTES = 16 * 1024;

/** Accumulates response bytes until the head is complete. */
export class ResponseHeadReader {
  private buffered: Buffer = Buffer.alloc(0);

  constructor(private readonly maxBytes = MAX_RESPONSE_HEAD_BYTES) {}

  /** True once any byte of the response arrived. */
  get started(): boolean {
    return this.buffered.length > 0;
  }

  /**
   * Returns the parsed head once complete, else null. Throws HANDSHAKE_MALFORMED past maxBytes.
   * The chunk is copied, so callers may reuse its memory (and `leftover` stays valid).
   */
  push(chunk: Buffer): UpgradeResponse | null {
    this.buffered = Buffer.concat([this.buffered, chunk]);
    const response = parseResponseHead(this.buffered);
    if (response === null && this.buffered.length > this.maxBytes) {
      throw new HandshakeError('HANDSHAKE_MALFORMED', `no end of response head within ${this.maxBytes} bytes`);
    }
    return response;
  }
}

export interface HandshakeOptions {
  /** Host header value. */
  host: string;
  path: string;
  /** Default: a fresh random key. */
  key?: string;
  version?: string | number | null;
  extraHeaders?: Record<string, string | null>;
  /** Give up after this long, in ms. Default 10 000. */
  timeoutMs?: number;
  /** Skip validateUpgradeResponse and return any complete response (for probes). Default false. */
  acceptAnyResponse?: boolean;
}

export interface HandshakeResult extends UpgradeResponse {
  key: string;
}

/**
 * Runs the handshake on a connected socket. On success the socket is left paused: bytes already read
 * past the head are in `leftover`; attach a 'data' listener and call resume() to read on.
 */
export function performHandshake(socket: Socket, options: HandshakeOptions): Promise<HandshakeResult> {
  const key = options.key ?? generateKey();
  const reader = new ResponseHeadReader();
  return new Promise<HandshakeResult>((resolve, reject) => {
    const timer = setTimeout(
      () => finish(new HandshakeError('HANDSHAKE_TIMEOUT', `no handshake response within ${options.timeoutMs ?? 10_000} ms`)),
      options.timeoutMs ?? 10_000,
    );
    const onData = (chunk: Buffer): void => {
      let response: UpgradeResponse | null;
      try {
        response = reader.push(chunk);
        if (response === null) return;
        if (!options.acceptAnyResponse) validateUpgradeResponse(response, key);
      } catch (err) {
        finish(err as Error);
        return;
      }
      socket.pause();
      finish(null, { ...response, key });
    };
    const onEnd = (): void => finish(new HandshakeError('HANDSHAKE_CLOSED', 'connection closed before the handshake response was complete'));
    const onError = (err: Error): void => finish(err);
    function finish(err: Error | null, result?: HandshakeResult): void {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('close', onEnd);
      socket.off('error', onError);
      if (err) reject(err);
      else resolve(result!);
    }
    socket.on('data', onData);
    socket.on('end', onEnd);
    socket.on('close', onEnd);
    socket.on('error', onError);
    socket.write(buildUpgradeRequest({ host: options.host, path: options.path, key, version: options.version, extraHeaders: options.extraHeaders }));
  });
}
