/**
 * Each probe against servers whose behaviour is known: `ws` configured in the test (maxPayload 1 MiB, or
 * pinging and closing idle connections on purpose), and a raw TCP server that accepts and never answers.
 */
import { type AddressInfo, createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type ServerOptions, type WebSocket as ServerSocket, WebSocketServer } from 'ws';
import { batteryBoundMs, runBattery, selectProbes } from '../../probe/battery.js';
import { externalTarget } from '../../probe/target.js';
import { DEFAULT_PROBE_SETTINGS, type ProbeRecord, type ProbeSettings } from '../../probe/types.js';

const MiB = 1024 * 1024;

const servers: Array<{ close(): Promise<void> }> = [];

afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

/** A `ws` echo server on port 0; `setup` may add behaviour per connection. */
async function startWs(options: ServerOptions, setup?: (ws: ServerSocket) => void): Promise<string> {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: false, ...options });
  wss.on('connection', (ws) => {
    ws.on('error', () => {});
    ws.on('message', (data, isBinary) => ws.send(data as Buffer, { binary: isBinary }));
    setup?.(ws);
  });
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
  servers.push({
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of wss.clients) c.terminate();
        wss.close(() => resolve());
      }),
  });
  return `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/`;
}

/** Accepts TCP connections and never sends a byte. */
async function startSilent(): Promise<string> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((sock) => {
    sockets.add(sock);
    sock.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push({
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  });
  return `ws://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}

async function probe(url: string, settings: Partial<ProbeSettings>): Promise<Map<string, ProbeRecord>> {
  const target = await externalTarget(url, null);
  const records = await runBattery(target, { ...DEFAULT_PROBE_SETTINGS, answerTimeoutMs: 1_000, ...settings });
  return new Map(records.map((r) => [r.id, r]));
}

function get(records: Map<string, ProbeRecord>, id: string): ProbeRecord {
  const record = records.get(id);
  if (record === undefined) throw new Error(`no record for ${id}; have ${[...records.keys()].join(', ')}`);
  return record;
}

describe('size probes against ws with maxPayload 1 MiB', () => {
  it('finds the limit at exactly 1 MiB: 1 MiB + 1 is refused with close 1009, in one frame and in fragments', async () => {
    const url = await startWs({ maxPayload: MiB });
    const records = await probe(url, { only: ['size'], maxMessageCapBytes: 4 * MiB });

    const max = get(records, 'max-message');
    expect(max.verdict, max.observed).toBe('as-rfc');
    expect(max.details).toMatchObject({ largestAcceptedBytes: MiB, smallestRefusedBytes: MiB + 1, exact: true });
    expect(max.details['refusal']).toMatchObject({
      bytes: MiB + 1,
      accepted: false,
      silentDrop: false,
      crashed: false,
      reaction: { kind: 'close', code: 1009 },
    });
    expect(max.observed).toMatch(/accepts 1 MiB; 1 MiB \+ 1 B → close 1009/);

    const reassembly = get(records, 'fragmented-reassembly');
    expect(reassembly.verdict, reassembly.observed).toBe('as-rfc');
    expect(reassembly.details).toMatchObject({ fragments: 64, pongReceived: true });

    const fragmented = get(records, 'fragmented-limit');
    expect(fragmented.verdict, fragmented.observed).toBe('as-rfc');
    expect(fragmented.observed).toMatch(/^same limit as one frame/);
    const attempts = fragmented.details['attempts'] as Array<{ bytes: number; accepted: boolean; frames: number; reaction: { kind: string; code?: number } }>;
    expect(attempts.map((a) => [a.bytes, a.accepted])).toEqual([
      [MiB, true],
      [MiB + 1, false],
    ]);
    expect(attempts[1]!.frames).toBe(17);
    expect(attempts[1]!.reaction).toMatchObject({ kind: 'close', code: 1009 });
  });

  it('reports a cap it could not exceed as "no limit found"', async () => {
    const url = await startWs({ maxPayload: 8 * MiB });
    const records = await probe(url, { only: ['max-message'], maxMessageCapBytes: 2 * MiB });
    const max = get(records, 'max-message');
    expect(max.verdict).toBe('as-rfc');
    expect(max.details).toMatchObject({ largestAcceptedBytes: 2 * MiB, smallestRefusedBytes: null });
    expect(max.observed).toBe('accepts 2 MiB (the cap); no limit found');
  });
});

describe('keepalive probes', () => {
  it('ws answers pings and neither pings nor closes an idle connection', async () => {
    const url = await startWs({});
    const records = await probe(url, { only: ['keepalive'], keepaliveWindowMs: 800 });
    const pong = get(records, 'ping-pong');
    expect(pong.verdict, pong.observed).toBe('as-rfc');
    expect(pong.details).toMatchObject({ pings: 5, pongs: 5, payloadMismatches: 0 });
    expect(get(records, 'server-pings')).toMatchObject({ verdict: 'as-rfc', observed: 'none within 800 ms' });
    expect(get(records, 'idle-close')).toMatchObject({ verdict: 'as-rfc', observed: 'none within 800 ms' });
  });

  it('sees a server that pings every 200 ms and closes idle connections with 1001 after 700 ms', async () => {
    const url = await startWs({}, (ws) => {
      const timer = setInterval(() => ws.ping(), 200);
      const idle = setTimeout(() => ws.close(1001, 'idle'), 700);
      ws.on('close', () => {
        clearInterval(timer);
        clearTimeout(idle);
      });
    });
    const records = await probe(url, { only: ['server-pings', 'idle-close'], keepaliveWindowMs: 2_000 });
    const pings = get(records, 'server-pings');
    expect(pings.details['pings']).toBe(3);
    expect(pings.details['medianIntervalMs'] as number).toBeGreaterThan(150);
    expect(pings.details['medianIntervalMs'] as number).toBeLessThan(300);
    expect(pings.observed).toMatch(/^3 ping\(s\) in 2 s: first after \d+ ms, then every \d+ ms$/);

    const idle = get(records, 'idle-close');
    expect(idle.verdict).toBe('as-rfc');
    expect(idle.details['ending']).toMatchObject({ kind: 'close', code: 1001, reason: 'idle' });
    const afterMs = (idle.details['ending'] as { afterMs: number }).afterMs;
    expect(afterMs).toBeGreaterThan(600);
    expect(afterMs).toBeLessThan(1_200);
    // One idle connection serves both records: the second one costs nothing.
    expect(idle.durationMs).toBeLessThan(100);
  });
});

describe('handshake, close and bad-input probes against ws', () => {
  it('ws accepts versions 13 and 8, refuses 7 with 400 and its version list, refuses hixie with 400', async () => {
    const url = await startWs({});
    const records = await probe(url, { only: ['handshake'] });
    expect(get(records, 'handshake-rfc6455')).toMatchObject({ verdict: 'as-rfc', details: { statusCode: 101 } });
    expect(get(records, 'handshake-hybi-08')).toMatchObject({ verdict: 'as-rfc', details: { statusCode: 101 } });
    const v7 = get(records, 'handshake-hybi-07');
    expect(v7).toMatchObject({ verdict: 'as-rfc', details: { statusCode: 400 } });
    expect((v7.details['headers'] as Record<string, string>)['sec-websocket-version']).toBe('13, 8');
    for (const id of ['handshake-hixie-76', 'handshake-hixie-75']) expect(get(records, id)).toMatchObject({ verdict: 'as-rfc', details: { statusCode: 400 } });
  });

  it('ws echoes close 1000, fails invalid close frames with 1002/1007 and bad frames with 1002/1007, others unaffected', async () => {
    const url = await startWs({});
    const records = await probe(url, { only: ['close', 'bad-input'] });
    expect(get(records, 'close-echo').details['reaction']).toMatchObject({ kind: 'close', code: 1000, reason: 'wsarena probe' });
    const expectedCodes: Record<string, number> = {
      'close-echo': 1000,
      'close-code-1005': 1002,
      'close-code-999': 1002,
      'close-bad-utf8': 1007,
      'bad-unmasked': 1002,
      'bad-reserved-opcode': 1002,
      'bad-rsv-bits': 1002,
      'bad-control-too-long': 1002,
      'bad-text-utf8': 1007,
    };
    for (const [id, code] of Object.entries(expectedCodes)) {
      const record = get(records, id);
      expect(record.verdict, `${id}: ${record.observed}`).toBe('as-rfc');
      expect(record.details['reaction'], id).toMatchObject({ kind: 'close', code });
      if (id.startsWith('bad-')) expect(record.details, id).toMatchObject({ bystanderEchoes: true, crashed: false });
    }
  });

  it('a server that ignores bad frames is reported as processing them (differs)', async () => {
    // skipUTF8Validation: ws then hands invalid UTF-8 text to the app, which echoes it.
    const url = await startWs({ skipUTF8Validation: true });
    const records = await probe(url, { only: ['bad-text-utf8'] });
    const record = get(records, 'bad-text-utf8');
    expect(record.verdict).toBe('differs');
    expect(record.observed).toMatch(/^processed it as if valid/);
    expect(record.details['reaction']).toMatchObject({ kind: 'reply' });
  });
});

describe('a server that accepts TCP and never answers', () => {
  it('every probe reports "no answer" within its time bound', async () => {
    const url = await startSilent();
    const settings: ProbeSettings = {
      ...DEFAULT_PROBE_SETTINGS,
      answerTimeoutMs: 300,
      keepaliveWindowMs: 300,
      backpressureWindowMs: 300,
      maxMessageCapBytes: MiB,
    };
    const target = await externalTarget(url, null);
    const started = performance.now();
    const records = await runBattery(target, settings);
    const elapsedMs = performance.now() - started;

    expect(records.map((r) => r.id)).toEqual(selectProbes(null).map((p) => p.id));
    for (const record of records) {
      expect(record.verdict, `${record.id}: ${record.observed}`).toBe('no-answer');
      expect(record.observed, record.id).toMatch(/no answer/);
      expect(record.observed, record.id).toMatch(/300 ms/);
      // Each probe gives up after one answer timeout (plus scheduling slack), well inside its hard bound.
      expect(record.durationMs, record.id).toBeLessThan(900);
    }
    expect(elapsedMs).toBeLessThan(batteryBoundMs(settings));
    expect(elapsedMs).toBeLessThan(records.length * 900);
  });
});
