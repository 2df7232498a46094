/**
 * The contract suite: every server in the registry that can run here must behave identically on the
 * wire (docs/PROTOCOL.md). Servers are spawned from dist/, so build first:
 *   npx tsc -p tsconfig.json && npx vitest run test/contract
 */
import { connect, createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildMessage,
  buildWorkReply,
  buildWorkRequest,
  CloseCode,
  HEADER_BYTES,
  MAX_WORK_ITERATIONS,
  nowUs,
  Op,
  type StatsSnapshot,
} from '../../protocol/wire.js';
import { MAX_PAYLOAD_BYTES } from '../../servers/common/limits.js';
import { ServerLaunchError } from '../../servers/errors.js';
import { fetchStats, type RunningServer, startServer } from '../../servers/launch.js';
import { getServer, listServers } from '../../servers/registry.js';
import { transportOf } from '../../servers/spec.js';
import { loadWorkVectors } from '../protocol/work-vectors.js';
import { TestClient } from './client.js';
import { waitFor } from './wait.js';

/** Servers a CI run must be able to start; a missing one fails the run instead of being skipped. */
const REQUIRED_IN_CI = ['uws'];
const READY_TIMEOUT_MS = 15_000;

const serversUnderTest = listServers().map((spec) => ({ name: spec.name, spec, availability: spec.availability() }));

describe('availability', () => {
  it.runIf(process.env['CI'] === 'true')('every server required in CI is available', () => {
    for (const name of REQUIRED_IN_CI) expect({ name, ...getServer(name).availability() }).toEqual({ name, available: true });
  });
});

describe.each(serversUnderTest)('server $name', ({ spec, availability }) => {
  if (!availability.available) {
    it.skip(`unavailable here: ${availability.reason}`, () => {});
    return;
  }

  // Cases that speak WebSocket skip servers of another transport (long-poll: test/servers/long-poll.test.ts);
  // the transport-neutral ones (ready line, 404, port handling) run for every server.
  const notWebSocket = transportOf(spec) !== 'websocket';

  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer(spec, { port: 0 }, { cpus: null, readyTimeoutMs: READY_TIMEOUT_MS });
  });
  afterAll(async () => {
    await server?.stop();
  });

  /** Opens n clients, runs body, closes them, and waits until the server has seen every close. */
  async function withClients<T>(n: number, body: (clients: TestClient[]) => Promise<T>): Promise<T> {
    const clients = await Promise.all(Array.from({ length: n }, () => TestClient.open(server.url)));
    try {
      return await body(clients);
    } finally {
      await Promise.all(clients.map((client) => client.close()));
      await waitForOpenConnections(0);
    }
  }

  function waitForOpenConnections(count: number): Promise<StatsSnapshot> {
    return waitFor(async () => {
      const stats = await fetchStats(server.url);
      return stats.openConnections === count ? stats : undefined;
    }, `openConnections == ${count}`);
  }

  describe('ready line', () => {
    it('announces the URL, the pid and every knob that changes results', () => {
      expect(server.url).toBe(`ws://127.0.0.1:${server.port}/`);
      expect(server.knobs).toMatchObject({ perMessageDeflate: false, idleTimeoutSec: 0, stallEveryMs: null, stallMs: null });
      for (const knob of ['library', 'threads', 'maxPayloadBytes', 'tcpNoDelay', 'maxBackpressureBytes']) {
        expect(server.knobs).toHaveProperty(knob);
      }
      expect(server.knobs['threads']).toBeGreaterThanOrEqual(1);
      if (spec.model === 'event-loop') expect(server.knobs['threads']).toBe(1);
      if (spec.language === 'node') expect(server.knobs).toMatchObject({ maxPayloadBytes: MAX_PAYLOAD_BYTES, tcpNoDelay: true });
      expect(server.pinning).toEqual({ cpus: null, applied: false, reason: 'no CPUs requested' });
    });
  });

  describe.skipIf(notWebSocket)('ECHO', () => {
    it('replies with identical bytes, flags and reserved bytes included', async () => {
      await withClients(1, async ([client]) => {
        const request = buildMessage(Op.ECHO, 7, nowUs(), 100, 0x5a);
        request[2] = 0xab;
        request[3] = 0xcd;
        expect(Buffer.compare(await client!.roundTrip(request), request)).toBe(0);
      });
    });

    it('echoes a header-only message and a 64 KiB payload', async () => {
      await withClients(1, async ([client]) => {
        const headerOnly = buildMessage(Op.ECHO, 1, nowUs(), 0);
        expect(Buffer.compare(await client!.roundTrip(headerOnly), headerOnly)).toBe(0);
        const large = buildMessage(Op.ECHO, 2, nowUs(), 64 * 1024);
        const reply = await client!.roundTrip(large);
        expect(reply.length).toBe(HEADER_BYTES + 64 * 1024);
        expect(Buffer.compare(reply, large)).toBe(0);
      });
    });

    it('answers pipelined messages in order', async () => {
      await withClients(1, async ([client]) => {
        const requests = Array.from({ length: 100 }, (_, seq) => buildMessage(Op.ECHO, seq, nowUs(), 32));
        for (const request of requests) client!.send(request);
        for (const request of requests) expect(Buffer.compare(await client!.next(), request)).toBe(0);
      });
    });
  });

  describe.skipIf(notWebSocket)('WORK', () => {
    for (const vector of loadWorkVectors()) {
      it(`WORK(${vector.iterations}, ${vector.seed}) = ${vector.result}, under the request's header`, async () => {
        await withClients(1, async ([client]) => {
          const request = buildWorkRequest(3, nowUs(), vector.iterations, vector.seed, 0x11);
          const reply = await client!.roundTrip(request);
          expect(reply.readUInt32LE(HEADER_BYTES)).toBe(vector.result);
          expect(Buffer.compare(reply, buildWorkReply(request, vector.result))).toBe(0);
        });
      });
    }
  });

  describe.skipIf(notWebSocket)('BROADCAST', () => {
    it('delivers the message unchanged to every connection, the sender included', async () => {
      await withClients(3, async (clients) => {
        await waitForOpenConnections(3);
        const before = await fetchStats(server.url);
        const message = buildMessage(Op.BROADCAST, 42, nowUs(), 200, 0x03);
        clients[0]!.send(message);
        const received = await Promise.all(clients.map((client) => client.next()));
        for (const copy of received) expect(Buffer.compare(copy, message)).toBe(0);
        const after = await fetchStats(server.url);
        expect(after.broadcastDeliveries - before.broadcastDeliveries).toBe(3);
        expect(after.messagesHandled - before.messagesHandled).toBe(1);
      });
    });
  });

  describe('GET /stats', () => {
    it.skipIf(notWebSocket)('reports open connections, counts handled messages, and carries its runtime figures', async () => {
      await withClients(2, async ([client]) => {
        const before = await waitForOpenConnections(2);
        expect(before.server).toBe(spec.name);
        expect(before.pid).toBe(server.pid);
        await client!.roundTrip(buildMessage(Op.ECHO, 1, nowUs(), 8));
        await client!.roundTrip(buildWorkRequest(2, nowUs(), 10, 42));
        const after = await fetchStats(server.url);
        expect(after.messagesHandled - before.messagesHandled).toBe(2);
        expect(after.uptimeMs).toBeGreaterThanOrEqual(before.uptimeMs);
        if (spec.language === 'node') {
          expect(after.node).toBeDefined();
          const node = after.node!;
          for (const value of Object.values(node.eventLoopDelayMs)) expect(Number.isFinite(value)).toBe(true);
          expect(node.eventLoopUtilization).toBeGreaterThanOrEqual(0);
          expect(node.eventLoopUtilization).toBeLessThanOrEqual(1);
          expect(node.rssBytes).toBeGreaterThan(0);
          expect(node.heapUsedBytes).toBeGreaterThan(0);
        } else if (spec.language === 'java') {
          expect(after.java!.liveThreads).toBeGreaterThan(0);
        } else {
          expect(after.go).toBeDefined();
        }
      });
    });

    it('answers other HTTP paths with 404', async () => {
      const response = await fetch(`http://127.0.0.1:${server.port}/nope`);
      expect(response.status).toBe(404);
      await response.text();
    });
  });

  describe('Origin (docs/PROTOCOL.md): a foreign browser origin is refused, loopback and none accepted', () => {
    // WebSocket servers check the upgrade; long-poll (no upgrade) checks every request, here GET /stats.
    const request = (origin: string | null) =>
      notWebSocket
        ? `GET /stats HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nConnection: close\r\n${origin ? `Origin: ${origin}\r\n` : ''}\r\n`
        : `GET / HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n${origin ? `Origin: ${origin}\r\n` : ''}\r\n`;
    const accepted = notWebSocket ? 200 : 101;
    it.each([
      ['https://evil.example', 403],
      ['null', 403],
      ['http://localhost:5173', 'accepted'],
      ['http://127.0.0.1:8080', 'accepted'],
      [null, 'accepted'],
    ] as const)('Origin %s → %s', async (origin, expected) => {
      expect(await statusOf(server.port, request(origin))).toBe(expected === 'accepted' ? accepted : expected);
      if (!notWebSocket) await waitForOpenConnections(0);
    });
  });

  describe.skipIf(notWebSocket)('contract violations close only the offending connection', () => {
    const unknownOp = buildMessage(Op.ECHO, 1, 0n, 4);
    unknownOp[0] = 9;
    const zeroOp = buildMessage(Op.ECHO, 1, 0n, 4);
    zeroOp[0] = 0;
    const workWithoutPayload = buildMessage(Op.WORK, 1, 0n, 0);
    const cases: Array<{ name: string; message: Uint8Array | string; code: number }> = [
      { name: 'empty message', message: new Uint8Array(0), code: CloseCode.TRUNCATED_HEADER },
      { name: 'truncated header', message: buildMessage(Op.ECHO, 1, 0n, 0).subarray(0, 8), code: CloseCode.TRUNCATED_HEADER },
      { name: 'unknown op 9', message: unknownOp, code: CloseCode.UNKNOWN_OP },
      { name: 'op 0', message: zeroOp, code: CloseCode.UNKNOWN_OP },
      { name: 'WORK without payload', message: workWithoutPayload, code: CloseCode.TRUNCATED_WORK },
      { name: 'oversized WORK', message: buildWorkRequest(1, 0n, MAX_WORK_ITERATIONS + 1, 1), code: CloseCode.WORK_TOO_LARGE },
      { name: 'text frame', message: 'hello', code: CloseCode.UNSUPPORTED_DATA },
    ];

    it.each(cases)('$name → close $code', async ({ message, code }) => {
      await withClients(2, async ([offender, bystander]) => {
        const before = await waitForOpenConnections(2);
        if (typeof message === 'string') offender!.sendText(message);
        else offender!.send(message);
        const closed = await offender!.closed;
        expect(closed.code).toBe(code);
        expect(closed.reason.length).toBeGreaterThan(0);
        expect(offender!.pending()).toBe(0);

        const echo = buildMessage(Op.ECHO, 5, nowUs(), 16);
        expect(Buffer.compare(await bystander!.roundTrip(echo), echo)).toBe(0);
        const after = await waitForOpenConnections(1);
        expect(after.protocolCloses - before.protocolCloses).toBe(1);
      });
    });
  });

  describe('lifecycle', () => {
    it.skipIf(notWebSocket)('stop() closes connections with 1001, exits 0 and leaves no process', async () => {
      const own = await startServer(spec, { port: 0 }, { readyTimeoutMs: READY_TIMEOUT_MS });
      const client = await TestClient.open(own.url);
      await own.stop();
      expect((await client.closed).code).toBe(1001);
      expect(await own.exited).toEqual({ code: 0, signal: null });
      expect(() => process.kill(own.pid, 0)).toThrow(expect.objectContaining({ code: 'ESRCH' }));
      await own.stop(); // idempotent
    });

    it('refuses a port held by another process with a clear error', async () => {
      const holder = await holdPort();
      const port = (holder.address() as { port: number }).port;
      try {
        const attempt = startServer(spec, { port }, { readyTimeoutMs: READY_TIMEOUT_MS });
        await expect(attempt).rejects.toBeInstanceOf(ServerLaunchError);
        await expect(attempt).rejects.toMatchObject({
          code: 'PORT_IN_USE',
          message: expect.stringContaining(`port ${port} on 127.0.0.1 is already in use`),
        });
      } finally {
        await new Promise((resolve) => holder.close(resolve));
      }
    });

    it('refuses the port of a running instance of itself (no silent port sharing)', async () => {
      await expect(startServer(spec, { port: server.port }, { readyTimeoutMs: READY_TIMEOUT_MS })).rejects.toMatchObject({
        code: 'PORT_IN_USE',
      });
    });

    it.skipIf(notWebSocket)('stall mode delays replies as asked, and reports it', async () => {
      const stalled = await startServer(spec, { stall: { everyMs: 200, durationMs: 120 } }, { readyTimeoutMs: READY_TIMEOUT_MS });
      const client = await TestClient.open(stalled.url);
      try {
        expect(stalled.knobs).toMatchObject({ stallEveryMs: 200, stallMs: 120 });
        if (spec.language === 'node') await fetchStats(stalled.url); // starts a fresh event-loop window
        // One echo every 10 ms for 600 ms: some must wait out a 120 ms stall.
        let slowestMs = 0;
        for (let seq = 0; seq < 60; seq++) {
          const sentAtMs = performance.now();
          await client.roundTrip(buildMessage(Op.ECHO, seq, nowUs(), 8));
          slowestMs = Math.max(slowestMs, performance.now() - sentAtMs);
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
        expect(slowestMs).toBeGreaterThanOrEqual(50);
        if (spec.language === 'node') {
          const stats = await fetchStats(stalled.url);
          expect(stats.node!.eventLoopDelayMs.max).toBeGreaterThanOrEqual(100);
        }
      } finally {
        await client.close();
        await stalled.stop();
      }
    });
  });
});

function holdPort(): Promise<Server> {
  return new Promise((resolve, reject) => {
    const holder = createServer();
    holder.once('error', reject);
    holder.listen(0, '127.0.0.1', () => resolve(holder));
  });
}

/** Sends one raw HTTP request and resolves to the status code of the answer's first line. */
function statusOf(port: number, request: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let head = '';
    socket.on('data', (chunk) => {
      head += chunk.toString('latin1');
      const m = /^HTTP\/1\.1 (\d{3})/.exec(head);
      if (m) {
        socket.destroy();
        resolve(Number(m[1]));
      }
    });
    socket.on('error', reject);
    socket.on('close', () => reject(new Error(`connection closed before a status line: ${JSON.stringify(head)}`)));
    socket.write(request);
  });
}
