import { type AddressInfo, createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type WebSocket as ServerSocket, WebSocketServer } from 'ws';
import { type CloseInfo, classifyConnectError, WsConnection } from '../../../clients/rfc6455/connection.js';
import { encodeFrame, Opcode } from '../../../clients/rfc6455/frame.js';
import { computeAccept } from '../../../clients/rfc6455/handshake.js';

let wss: WebSocketServer | null = null;
let raw: Server | null = null;
const rawSockets = new Set<Socket>();

/** A raw TCP server standing in for a misbehaving WebSocket server. */
async function startRaw(onSocket: (sock: Socket) => void): Promise<string> {
  raw = createServer((sock) => {
    rawSockets.add(sock);
    sock.on('error', () => {});
    onSocket(sock);
  });
  await new Promise<void>((r) => raw!.listen(0, '127.0.0.1', r));
  return `ws://127.0.0.1:${(raw.address() as AddressInfo).port}/`;
}

/** The 101 answer to the request in `request`. */
function accept(request: Buffer): string {
  const key = /Sec-WebSocket-Key: (\S+)/.exec(request.toString())![1]!;
  return `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${computeAccept(key)}\r\n\r\n`;
}

afterEach(async () => {
  for (const c of wss?.clients ?? []) c.terminate();
  await new Promise<void>((r) => (wss ? wss.close(() => r()) : r()));
  for (const s of rawSockets) s.destroy();
  rawSockets.clear();
  await new Promise<void>((r) => (raw ? raw.close(() => r()) : r()));
  wss = null;
  raw = null;
});

async function startWs(onConnection: (ws: ServerSocket) => void): Promise<string> {
  wss = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: false });
  wss.on('connection', onConnection);
  await new Promise<void>((r) => wss!.once('listening', () => r()));
  return `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/`;
}

/** Collects messages and the close of one connection. */
function collector(): { messages: string[]; closed: Promise<CloseInfo>; handlers: Parameters<typeof WsConnection.connect>[1] } {
  const messages: string[] = [];
  let onClose!: (info: CloseInfo) => void;
  const closed = new Promise<CloseInfo>((r) => (onClose = r));
  return {
    messages,
    closed,
    handlers: {
      onMessage: (data, start, end) => messages.push(data.toString('utf8', start, end)),
      onClose,
    },
  };
}

const until = async (cond: () => boolean, ms = 2000): Promise<void> => {
  const t = Date.now();
  while (!cond()) {
    if (Date.now() - t > ms) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 5));
  }
};

describe('WsConnection', () => {
  it('opens, sends masked frames the server reads, and receives its replies', async () => {
    const url = await startWs((ws) => ws.on('message', (d, isBinary) => ws.send(d, { binary: isBinary })));
    const c = collector();
    const conn = await WsConnection.connect({ url }, c.handlers);
    expect(conn.isOpen).toBe(true);
    expect(conn.handshakeUs).toBeGreaterThan(0);
    conn.send(Buffer.from('one'));
    conn.writeMany([encodeFrame(Opcode.BINARY, Buffer.from('two')), encodeFrame(Opcode.TEXT, Buffer.from('three'))]);
    await until(() => c.messages.length === 3);
    expect(c.messages).toEqual(['one', 'two', 'three']);
    conn.close(1000);
    expect(await c.closed).toMatchObject({ code: 1000, requested: true });
  });

  it('answers a server ping with a pong carrying the same payload', async () => {
    let pong = '';
    const url = await startWs((ws) => {
      ws.on('pong', (d) => (pong = d.toString()));
      ws.ping('are you there');
    });
    const conn = await WsConnection.connect({ url }, collector().handlers);
    await until(() => pong !== '');
    expect(pong).toBe('are you there');
    conn.destroy();
  });

  it('reports a server close with its code and reason, not as requested', async () => {
    const url = await startWs((ws) => ws.close(4001, 'go away'));
    const c = collector();
    await WsConnection.connect({ url }, c.handlers);
    expect(await c.closed).toEqual({ code: 4001, reason: 'go away', requested: false });
  });

  it('reports 1006 when the TCP connection drops without a close frame', async () => {
    const url = await startWs((ws) => setTimeout(() => ws.terminate(), 10));
    const c = collector();
    await WsConnection.connect({ url }, c.handlers);
    expect((await c.closed).code).toBe(1006);
  });

  it('delivers frames that arrive together with the 101 response', async () => {
    const url = await startRaw((sock) =>
      sock.once('data', (d) => {
        sock.write(Buffer.from(`${accept(d)}\x81\x05early`, 'latin1'));
        setTimeout(() => sock.write(Buffer.from('\x81\x04late', 'latin1')), 5);
      }),
    );
    const c = collector();
    const conn = await WsConnection.connect({ url }, c.handlers);
    await until(() => c.messages.length === 2);
    expect(c.messages).toEqual(['early', 'late']);
    conn.destroy();
  });

  it('closes with 1002 and names the violation when the server breaks the framing', async () => {
    const url = await startRaw((sock) =>
      sock.once('data', (d) => {
        sock.write(accept(d));
        sock.write(Buffer.from([0xc2, 0x00])); // RSV1 set, no extension negotiated
      }),
    );
    const c = collector();
    await WsConnection.connect({ url }, c.handlers);
    const info = await c.closed;
    expect(info.code).toBe(1002);
    expect(info.error).toMatchObject({ code: 'WS_ERR_UNEXPECTED_RSV' });
  });

  it('counts half an answer as a timeout, not as a starved connection', async () => {
    const halfUrl = await startRaw((sock) => sock.on('data', () => sock.write('HTTP/1.1 101 Switching')));
    const slow = await WsConnection.connect({ url: halfUrl, handshakeTimeoutMs: 150 }, collector().handlers).catch((e: unknown) => e);
    expect(slow).toMatchObject({ code: 'HANDSHAKE_TIMEOUT' });
    expect(classifyConnectError(slow)).toBe('timeout');
  });

  it('retries with a kernel-chosen port when the planned source port is taken', async () => {
    const url = await startWs(() => {});
    // The server's own listening port on the same address is certainly taken: binding it fails with EADDRINUSE.
    const takenPort = Number(new URL(url).port);
    const conn = await WsConnection.connect({ url, localAddress: '127.0.0.1', localPort: takenPort }, { onMessage: () => {} });
    expect(conn.isOpen).toBe(true);
    expect(conn.socket.localPort).not.toBe(takenPort);
    conn.destroy();
  });

  it('binds the planned source port when it is free', async () => {
    const url = await startWs(() => {});
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const freePort = (probe.address() as AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const conn = await WsConnection.connect({ url, localAddress: '127.0.0.1', localPort: freePort }, { onMessage: () => {} });
    expect(conn.socket.localPort).toBe(freePort);
    conn.destroy();
  });

  it('classifies failures to connect', async () => {
    // A port that was just free: nothing listens there.
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const refused = await WsConnection.connect({ url: `ws://127.0.0.1:${port}/` }, collector().handlers).catch((e: unknown) => e);
    expect(classifyConnectError(refused)).toBe('ECONNREFUSED');

    const silentUrl = await startRaw(() => {});
    // Accepted by the kernel, asked, never answered: starved (a bounded pool), not a generic timeout.
    const starved = await WsConnection.connect({ url: silentUrl, handshakeTimeoutMs: 100 }, collector().handlers).catch((e: unknown) => e);
    expect(starved).toMatchObject({ code: 'HANDSHAKE_UNANSWERED' });
    expect(classifyConnectError(starved)).toBe('unanswered');

    const url = await startWs(() => {});
    // ws accepts versions 8 and 13; 7 it refuses with 400.
    const badVersion = await WsConnection.connect({ url, version: 7 }, collector().handlers).catch((e: unknown) => e);
    expect(badVersion).toMatchObject({ code: 'HANDSHAKE_BAD_STATUS' });
    expect(classifyConnectError(badVersion)).toBe('handshake');
  });
});
