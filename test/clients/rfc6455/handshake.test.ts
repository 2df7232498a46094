import { type AddressInfo, createServer, connect as netConnect, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  buildUpgradeRequest,
  computeAccept,
  generateKey,
  type HandshakeError,
  parseResponseHead,
  performHandshake,
  type UpgradeResponse,
  validateUpgradeResponse,
} from '../../../clients/rfc6455/handshake.js';

const RFC_KEY = 'dGhlIHNhbXBsZSBub25jZQ==';

function response(status: string, headers: Record<string, string>, tail = ''): Buffer {
  return Buffer.from(
    `HTTP/1.1 ${status}\r\n${Object.entries(headers)
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join('')}\r\n${tail}`,
    'latin1',
  );
}

const good = (key: string): Record<string, string> => ({ Upgrade: 'websocket', Connection: 'Upgrade', 'Sec-WebSocket-Accept': computeAccept(key) });

function validationError(res: UpgradeResponse, key: string): HandshakeError {
  try {
    validateUpgradeResponse(res, key);
  } catch (err) {
    return err as HandshakeError;
  }
  throw new Error('expected a HandshakeError');
}

describe('Sec-WebSocket-Key / Accept', () => {
  // RFC 6455 §1.3 (and SHA-1 itself) give s3pPLMBiTxaQ9kYGzzhZRbK+xOo= for this key.
  it('computes the RFC 6455 §1.3 example', () => {
    expect(computeAccept(RFC_KEY)).toBe('s3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
  });

  it('generates 16 random bytes, base64', () => {
    const key = generateKey();
    expect(Buffer.from(key, 'base64').length).toBe(16);
    expect(generateKey()).not.toBe(key);
  });
});

describe('buildUpgradeRequest', () => {
  it('asks for version 13 by default', () => {
    const req = buildUpgradeRequest({ host: '127.0.0.1:9000', path: '/x?y=1', key: RFC_KEY });
    expect(req).toBe(
      'GET /x?y=1 HTTP/1.1\r\nHost: 127.0.0.1:9000\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        `Sec-WebSocket-Key: ${RFC_KEY}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    );
  });

  it('overrides the version, or leaves it out', () => {
    expect(buildUpgradeRequest({ host: 'h', path: '/', key: RFC_KEY, version: 8 })).toContain('Sec-WebSocket-Version: 8\r\n');
    expect(buildUpgradeRequest({ host: 'h', path: '/', key: RFC_KEY, version: null })).not.toContain('Sec-WebSocket-Version');
  });

  it('adds extra headers, replaces same-named defaults and removes null ones', () => {
    const req = buildUpgradeRequest({ host: 'h', path: '/', key: RFC_KEY, extraHeaders: { 'X-Probe': '1', upgrade: 'WebSocket', Connection: null } });
    expect(req).toContain('X-Probe: 1\r\n');
    expect(req).toContain('upgrade: WebSocket\r\n');
    expect(req).not.toContain('Upgrade: websocket');
    expect(req).not.toContain('Connection:');
  });
});

describe('parseResponseHead / validateUpgradeResponse', () => {
  it('waits for the blank line, then returns the bytes after it as leftover', () => {
    const bytes = response('101 Switching Protocols', good(RFC_KEY), '\x81\x02hi');
    expect(parseResponseHead(bytes.subarray(0, bytes.length - 8))).toBeNull();
    const res = parseResponseHead(bytes)!;
    expect(res.statusCode).toBe(101);
    expect(res.headers['sec-websocket-accept']).toBe('s3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
    expect(res.leftover.toString('latin1')).toBe('\x81\x02hi');
    expect(() => validateUpgradeResponse(res, RFC_KEY)).not.toThrow();
  });

  it('accepts case and token-list variations the RFC allows', () => {
    const res = parseResponseHead(
      response('101 OK', { UPGRADE: 'WebSocket', connection: 'keep-alive, upgrade', 'sec-websocket-accept': computeAccept(RFC_KEY) }),
    )!;
    expect(() => validateUpgradeResponse(res, RFC_KEY)).not.toThrow();
  });

  it('rejects a wrong Sec-WebSocket-Accept', () => {
    const res = parseResponseHead(response('101 Switching Protocols', good('AAAAAAAAAAAAAAAAAAAAAA==')))!;
    expect(validationError(res, RFC_KEY).code).toBe('HANDSHAKE_BAD_ACCEPT');
  });

  it('rejects a status other than 101 and keeps the response for inspection', () => {
    const res = parseResponseHead(response('426 Upgrade Required', { 'Sec-WebSocket-Version': '13' }))!;
    const err = validationError(res, RFC_KEY);
    expect(err.code).toBe('HANDSHAKE_BAD_STATUS');
    expect(err.response?.statusCode).toBe(426);
    expect(err.response?.headers['sec-websocket-version']).toBe('13');
  });

  it('rejects missing Upgrade or Connection headers', () => {
    const { Upgrade: _u, ...noUpgrade } = good(RFC_KEY);
    expect(validationError(parseResponseHead(response('101 x', noUpgrade))!, RFC_KEY).code).toBe('HANDSHAKE_BAD_UPGRADE');
    const { Connection: _c, ...noConnection } = good(RFC_KEY);
    expect(validationError(parseResponseHead(response('101 x', noConnection))!, RFC_KEY).code).toBe('HANDSHAKE_BAD_UPGRADE');
  });

  it('rejects an extension or subprotocol the client never offered', () => {
    const res = parseResponseHead(response('101 x', { ...good(RFC_KEY), 'Sec-WebSocket-Extensions': 'permessage-deflate' }))!;
    expect(validationError(res, RFC_KEY).code).toBe('HANDSHAKE_UNREQUESTED');
  });

  it('rejects a malformed status line', () => {
    expect(() => parseResponseHead(Buffer.from('SSH-2.0-OpenSSH\r\n\r\n'))).toThrow(expect.objectContaining({ code: 'HANDSHAKE_MALFORMED' }));
  });
});

describe('performHandshake over a socket', () => {
  let server: Server | null = null;
  afterEach(() => {
    server?.close();
    server = null;
  });

  /** A TCP server that answers the first request with respond(key). */
  async function serve(respond: (key: string) => Buffer | null): Promise<number> {
    server = createServer((sock) => {
      sock.once('data', (d) => {
        const key = /Sec-WebSocket-Key: (\S+)/.exec(d.toString())?.[1] ?? '';
        const out = respond(key);
        if (out) sock.write(out);
      });
      sock.on('error', () => {});
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    return (server.address() as AddressInfo).port;
  }

  function open(port: number): Promise<ReturnType<typeof netConnect>> {
    return new Promise((resolve) => {
      const s = netConnect(port, '127.0.0.1', () => resolve(s));
    });
  }

  it('resolves with the leftover bytes and leaves the socket paused', async () => {
    const port = await serve((key) => response('101 Switching Protocols', good(key), '\x82\x00'));
    const sock = await open(port);
    const res = await performHandshake(sock, { host: `127.0.0.1:${port}`, path: '/' });
    expect(res.statusCode).toBe(101);
    expect(res.leftover.toString('hex')).toBe('8200');
    expect(sock.isPaused()).toBe(true);
    sock.destroy();
  });

  it('rejects on timeout when the server never answers', async () => {
    const port = await serve(() => null);
    const sock = await open(port);
    await expect(performHandshake(sock, { host: 'h', path: '/', timeoutMs: 100 })).rejects.toMatchObject({ code: 'HANDSHAKE_TIMEOUT' });
    sock.destroy();
  });

  it('returns a refusal as-is with acceptAnyResponse (for probes)', async () => {
    const port = await serve(() => response('400 Bad Request', { 'Sec-WebSocket-Version': '13' }));
    const sock = await open(port);
    const res = await performHandshake(sock, { host: 'h', path: '/', version: 7, acceptAnyResponse: true });
    expect(res.statusCode).toBe(400);
    sock.destroy();
  });
});
