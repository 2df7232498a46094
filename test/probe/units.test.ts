/** Pure pieces of the probe battery: frame builders, /proc parsing, formatting, selection, errors, table, schema. */
import { type AddressInfo, createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeFrame, Opcode } from '../../clients/rfc6455/frame.js';
import { computeAccept, HandshakeError } from '../../clients/rfc6455/handshake.js';
import { outcomeOfError, PROBES, selectProbes, UnknownProbeError } from '../../probe/battery.js';
import { frameWithRsv, unmaskedFrame } from '../../probe/probes/bad-input.js';
import { awaitReaction, describeReaction, formatApproxSize, formatMs, formatSize } from '../../probe/reaction.js';
import { parseProbeSection } from '../../probe/schema.js';
import { ProbeSocket } from '../../probe/socket.js';
import { LEGEND, renderProbeTable } from '../../probe/table.js';
import { parseTcpQueues } from '../../probe/tcp-queues.js';
import { DEFAULT_PROBE_SETTINGS, type ProbeSection } from '../../probe/types.js';

describe('malformed frame builders', () => {
  it('unmaskedFrame: no MASK bit, no key, payload as is', () => {
    const payload = Buffer.from('hello');
    expect(unmaskedFrame(Opcode.BINARY, payload)).toEqual(Buffer.from([0x82, 0x05, ...payload]));
    const long = Buffer.alloc(300, 7);
    const frame = unmaskedFrame(Opcode.BINARY, long);
    expect([...frame.subarray(0, 4)]).toEqual([0x82, 126, 0x01, 0x2c]);
    expect(frame.subarray(4)).toEqual(long);
  });

  it('frameWithRsv sets the bits and keeps the rest of a masked frame', () => {
    const frame = frameWithRsv(Opcode.BINARY, Buffer.from('x'), 0x40);
    expect(frame[0]).toBe(0xc2);
    expect(frame[1]! & 0x80).toBe(0x80);
  });
});

describe('parseTcpQueues', () => {
  const text = [
    '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
    '   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 1 1 0 100 0 0 10 0',
    '   1: 0100007F:1F90 0100007F:A2B4 01 00010000:00000000 01:00000014 00000000  1000        0 2 1 0 20 4 30 10 -1',
    '   2: 0100007F:A2B4 0100007F:1F90 01 00000000:0003A000 00:00000000 00000000  1000        0 3 1 0 20 4 30 10 -1',
  ].join('\n');

  it('finds both ends of a loopback connection', () => {
    expect(parseTcpQueues(text, 0x1f90, 0xa2b4)).toEqual({ txQueueBytes: 0x10000, rxQueueBytes: 0, state: 1 });
    expect(parseTcpQueues(text, 0xa2b4, 0x1f90)).toEqual({ txQueueBytes: 0, rxQueueBytes: 0x3a000, state: 1 });
    expect(parseTcpQueues(text, 1, 2)).toBeNull();
  });
});

describe('formatting', () => {
  it('sizes say exactly where a limit is', () => {
    expect(formatSize(16 * 1024 * 1024)).toBe('16 MiB');
    expect(formatSize(16 * 1024 * 1024 + 1)).toBe('16 MiB + 1 B');
    expect(formatSize(1536)).toBe('1.5 KiB');
    expect(formatSize(100)).toBe('100 B');
    expect(formatApproxSize(16_798_000)).toBe('16.0 MiB');
    expect(formatApproxSize(620)).toBe('620 B');
  });

  it('durations', () => {
    expect(formatMs(0.42)).toBe('0.4 ms');
    expect(formatMs(51.4)).toBe('51 ms');
    expect(formatMs(2000)).toBe('2 s');
    expect(formatMs(1500)).toBe('1.5 s');
  });

  it('reactions', () => {
    expect(describeReaction({ kind: 'close', code: 1009, reason: 'too big', afterMs: 3, tcpClosedAfterMs: 4 })).toBe('close 1009 "too big" after 3 ms');
    expect(describeReaction({ kind: 'close', code: null, reason: '', afterMs: 3, tcpClosedAfterMs: null })).toBe('close frame without a code after 3 ms');
    expect(describeReaction({ kind: 'disconnect', how: 'reset', afterMs: 0.5 })).toBe('TCP reset without a close frame after 0.5 ms');
    expect(describeReaction({ kind: 'none', windowMs: 2000 })).toBe('no answer within 2 s');
  });
});

describe('selectProbes', () => {
  it('keeps battery order; takes ids and groups', () => {
    expect(selectProbes(null)).toHaveLength(PROBES.length);
    expect(selectProbes(['close-echo', 'size']).map((p) => p.id)).toEqual(['max-message', 'fragmented-reassembly', 'fragmented-limit', 'close-echo']);
    expect(new Set(PROBES.map((p) => p.id)).size).toBe(PROBES.length);
  });

  it('an unknown name is a coded error listing what exists', () => {
    expect(() => selectProbes(['nope'])).toThrow(UnknownProbeError);
    expect(() => selectProbes(['nope'])).toThrow(/unknown probe "nope"; known groups: size, keepalive/);
  });

  it('every probe states the RFC reference and a bound', () => {
    for (const p of PROBES) {
      expect(p.expected, p.id).toMatch(/§|RFC/);
      expect(p.boundMs(DEFAULT_PROBE_SETTINGS), p.id).toBeGreaterThan(DEFAULT_PROBE_SETTINGS.answerTimeoutMs);
    }
  });
});

describe('outcomeOfError', () => {
  it('an unanswered handshake is an observation; refused connections and bugs are errors', () => {
    expect(outcomeOfError(new HandshakeError('HANDSHAKE_TIMEOUT', 'x'), DEFAULT_PROBE_SETTINGS)).toMatchObject({
      verdict: 'no-answer',
      observed: 'no answer to the handshake within 2 s',
    });
    expect(outcomeOfError(new HandshakeError('HANDSHAKE_BAD_STATUS', 'expected status 101, got 404 Not Found'), DEFAULT_PROBE_SETTINGS)).toMatchObject({
      verdict: 'error',
    });
    expect(outcomeOfError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), DEFAULT_PROBE_SETTINGS)).toMatchObject({
      verdict: 'error',
      details: { error: 'ECONNREFUSED' },
    });
    expect(outcomeOfError(new TypeError('boom'), DEFAULT_PROBE_SETTINGS)).toMatchObject({ verdict: 'error', observed: 'probe failed: boom' });
  });
});

const SECTION: ProbeSection = {
  settings: DEFAULT_PROBE_SETTINGS,
  servers: [
    {
      server: 'a',
      url: 'ws://127.0.0.1:1/',
      knobs: { library: 'lib@1' },
      probes: [
        {
          id: 'max-message',
          title: 'Largest message accepted',
          expected: 'close 1009 (§7.4.1)',
          observed: 'accepts 16 MiB',
          verdict: 'as-rfc',
          details: {},
          durationMs: 900,
        },
        { id: 'idle-close', title: 'Idle', expected: 'none (§7.1.2)', observed: 'none within 5 s', verdict: 'as-rfc', details: {}, durationMs: 0 },
      ],
      error: null,
      crashes: 0,
      durationMs: 5_100,
    },
    {
      server: 'b',
      url: 'ws://127.0.0.1:2/',
      knobs: {},
      probes: [
        {
          id: 'max-message',
          title: 'Largest message accepted',
          expected: 'close 1009 (§7.4.1)',
          observed: 'TCP reset',
          verdict: 'differs',
          details: {},
          durationMs: 1000,
        },
      ],
      error: null,
      crashes: 1,
      durationMs: 1_000,
    },
    { server: 'c', url: null, knobs: {}, probes: [], error: 'server "c" is unavailable', crashes: 0, durationMs: 3 },
  ],
};

describe('renderProbeTable', () => {
  it('one row per probe, a column per server, marks, legend and a summary per server; no colours', () => {
    const text = renderProbeTable(SECTION, { width: 160 });
    expect(text).not.toMatch(/\u001b\[/);
    expect(text).toMatch(/RFC 6455 expects/);
    expect(text).toMatch(/= accepts 16 MiB/);
    expect(text).toMatch(/≠ TCP reset/);
    expect(text).toMatch(/lib@1/);
    expect(text).toContain(LEGEND);
    expect(text).toMatch(/^a: 2 as-rfc in 5\.1 s$/m);
    expect(text).toMatch(/^b: 1 differs in 1 s; crashed 1× \(restarted\)$/m);
    expect(text).toMatch(/^c: not probed: server "c" is unavailable$/m);
    // b never ran idle-close; c ran nothing.
    expect(text).toMatch(/—/);
  });
});

describe('probe section schema', () => {
  it('accepts a section and rejects an unknown verdict', () => {
    expect(parseProbeSection(SECTION)).toEqual(SECTION);
    const bad = structuredClone(SECTION);
    (bad.servers[0]!.probes[0] as { verdict: string }).verdict = 'maybe';
    expect(() => parseProbeSection(bad)).toThrow(/verdict/);
  });
});

describe('ProbeSocket and awaitReaction against a raw server', () => {
  let server: Server | null = null;
  const sockets = new Set<Socket>();
  afterEach(async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
    server = null;
  });

  /** Completes the handshake, then runs `then` with the raw socket. */
  async function rawServer(then: (sock: Socket) => void): Promise<string> {
    server = createServer((sock) => {
      sockets.add(sock);
      sock.on('error', () => {});
      sock.once('data', (request) => {
        const key = /Sec-WebSocket-Key: (\S+)/i.exec(request.toString())![1]!;
        sock.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${computeAccept(key)}\r\n\r\n`);
        then(sock);
      });
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    return `ws://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  }

  it('a close frame then FIN: code, reason and who closed TCP', async () => {
    const url = await rawServer((sock) => sock.once('data', () => sock.end(Buffer.from([0x88, 0x04, 0x03, 0xf1, 0x6f, 0x6b]))));
    const sock = await ProbeSocket.open(url, { timeoutMs: 1000 });
    const sinceMs = sock.nowMs();
    sock.send(Buffer.from('anything'));
    const reaction = await awaitReaction(sock, { from: 0, sinceMs, timeoutMs: 1000 });
    expect(reaction).toMatchObject({ kind: 'close', code: 1009, reason: 'ok' });
    expect((reaction as { tcpClosedAfterMs: number | null }).tcpClosedAfterMs).not.toBeNull();
    sock.destroy();
  });

  it('a masked server frame is a protocol error; silence is "none" after the bound', async () => {
    const url = await rawServer((sock) => sock.once('data', () => sock.write(encodeFrame(Opcode.BINARY, Buffer.from('x')))));
    const sock = await ProbeSocket.open(url, { timeoutMs: 1000 });
    sock.send(Buffer.from('go'));
    expect(await awaitReaction(sock, { from: 0, sinceMs: 0, timeoutMs: 1000 })).toMatchObject({ kind: 'protocol-error', code: 'WS_ERR_UNEXPECTED_MASK' });
    sock.destroy();

    const quiet = await ProbeSocket.open(await rawServerQuiet(), { timeoutMs: 1000 });
    const started = performance.now();
    expect(await awaitReaction(quiet, { from: 0, sinceMs: 0, timeoutMs: 200 })).toEqual({ kind: 'none', windowMs: 200 });
    expect(performance.now() - started).toBeLessThan(400);
    quiet.destroy();
  });

  async function rawServerQuiet(): Promise<string> {
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
    for (const s of sockets) s.destroy();
    return rawServer(() => {});
  }
});
