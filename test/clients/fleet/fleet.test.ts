/**
 * Fleet: connections spread over worker processes, driven step by step. Against small in-test servers:
 * a contract-ish `ws` server (ECHO + BROADCAST), a port nobody listens on, and a TCP server that never
 * answers the upgrade. Workers run from dist/, so build first (`npx tsc -p tsconfig.json`).
 */

import type { AddressInfo } from 'node:net';
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { mergeBroadcast } from '../../../bench/workloads/broadcast.js';
import { monoUs } from '../../../clients/clock.js';
import { Fleet, FleetError, mergeOpenResults } from '../../../clients/fleet/fleet.js';
import type { BroadcastWorkerResult } from '../../../clients/fleet/fleet-ipc.js';
import { buildHistogram, encodeHistogram } from '../../../clients/histogram.js';
import { Op } from '../../../protocol/wire.js';

let wss: WebSocketServer;
let url: string;
let silent: Server;
let silentUrl: string;
const silentSockets = new Set<Socket>();

beforeAll(async () => {
  wss = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: false });
  wss.on('connection', (ws) => {
    ws.on('message', (data: Buffer) => {
      if (data[0] === Op.BROADCAST) for (const c of wss.clients) c.send(data);
      else ws.send(data);
    });
  });
  await new Promise<void>((r) => wss.once('listening', () => r()));
  url = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/`;
  silent = createServer((s) => {
    silentSockets.add(s);
    s.on('close', () => silentSockets.delete(s));
  });
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
  silentUrl = `ws://127.0.0.1:${(silent.address() as AddressInfo).port}/`;
});

afterAll(async () => {
  for (const c of wss.clients) c.terminate();
  await new Promise<void>((r) => wss.close(() => r()));
  for (const s of silentSockets) s.destroy();
  await new Promise<void>((r) => silent.close(() => r()));
});

function options(patch: Partial<Parameters<typeof Fleet.start>[0]> = {}): Parameters<typeof Fleet.start>[0] {
  return { url, workers: 2, clientCpus: null, handshakeTimeoutMs: 5000, localAddresses: [], ...patch };
}

describe('Fleet', () => {
  it('opens in steps over two workers, pings, counts server closes, closes all', async () => {
    const fleet = await Fleet.start(options());
    try {
      const progress: number[] = [];
      const a = await fleet.open(120, null, (_att, est) => progress.push(est));
      expect(a).toMatchObject({ attempted: 120, established: 120, errors: {}, open: 120 });
      expect(a.handshake.count).toBe(120);
      expect(a.elapsedUs).toBeGreaterThan(0);
      expect(progress.at(-1)).toBe(120);
      const b = await fleet.open(30, 300);
      expect(b).toMatchObject({ attempted: 30, established: 30, open: 150 });
      // 30 connections at 300/s take ≥ ~97 ms (the last is due at 29/300 s).
      expect(b.elapsedUs).toBeGreaterThan(90_000);
      expect(wss.clients.size).toBe(150);

      await fleet.setPing(100);
      await new Promise((r) => setTimeout(r, 450));
      await fleet.setPing(null);
      await new Promise((r) => setTimeout(r, 100));
      let st = await fleet.status();
      expect(st.open).toBe(150);
      expect(st.pingsSent).toBeGreaterThanOrEqual(450);
      expect(st.pongsReceived).toBe(st.pingsSent);
      expect(st.pongRtt.count).toBe(st.pongsReceived);
      expect(st.pongsLate + st.pongsOverdue).toBe(0);

      // The server closes 3 connections with its own code: counted, by code.
      let n = 0;
      for (const c of wss.clients) if (n++ < 3) c.close(4000, 'bye');
      await new Promise((r) => setTimeout(r, 300));
      st = await fleet.status();
      expect(st).toMatchObject({ open: 147, unexpectedCloses: 3, closeCodes: { 'close:4000': 3 } });

      const closed = await fleet.closeAll(2000);
      expect(closed.closed).toBe(147);
      await new Promise((r) => setTimeout(r, 100));
      expect(wss.clients.size).toBe(0);
      expect((await fleet.status()).open).toBe(0);
    } finally {
      await fleet.stop();
    }
  });

  it('classifies failed connections: refused, and accepted but never answered (starved)', async () => {
    const refused = await Fleet.start(options({ url: 'ws://127.0.0.1:1/', workers: 1 }));
    try {
      expect(await refused.open(5, null)).toMatchObject({ attempted: 5, established: 0, errors: { ECONNREFUSED: 5 }, open: 0 });
    } finally {
      await refused.stop();
    }
    const hung = await Fleet.start(options({ url: silentUrl, handshakeTimeoutMs: 300 }));
    try {
      const r = await hung.open(6, null);
      // The silent server accepts and reads but never answers the upgrade: starved, not a TCP timeout.
      expect(r).toMatchObject({ attempted: 6, established: 0, errors: { unanswered: 6 } });
      expect(r.elapsedUs).toBeGreaterThanOrEqual(290_000);
    } finally {
      await hung.stop();
    }
  });

  it('broadcast across worker processes: every copy received once, latency from the shared clock', async () => {
    const fleet = await Fleet.start(options({ workers: 3 }));
    try {
      await fleet.open(60, null);
      const startUs = monoUs() + 150_000;
      const results = await fleet.broadcast({ publisher: 0, startUs, rateHz: 50, publishes: 10, payloadBytes: 32, endUs: startUs + 500_000 });
      expect(results.map((r) => r.openAtStart)).toEqual([20, 20, 20]);
      expect(results.map((r) => r.published)).toEqual([10, 0, 0]);
      const merged = mergeBroadcast(
        results,
        { unexpectedCloses: 0, closeCodes: {} },
        { publishRateHz: 50, publishes: 10, payloadBytes: 32, durationMs: 200, drainMs: 300, publisher: 0 },
      );
      expect(merged).toMatchObject({
        published: 10,
        expected: 600,
        delivered: 600,
        lost: 0,
        duplicated: 0,
        corrupted: 0,
        unexpected: 0,
        completePublishes: 10,
      });
      expect(merged.latency.count).toBe(600);
      expect(merged.latency.p50Us).toBeGreaterThan(0);
      expect(merged.latency.maxUs).toBeLessThan(500_000);
      // Published every 20 ms from the due instant on.
      const sent = results[0]!.publishSendUs;
      expect(sent[9]! - sent[0]!).toBeGreaterThan(170_000);
    } finally {
      await fleet.stop();
    }
  });

  it('backpressure: slow readers pause and resume, healthy ones echo', async () => {
    const fleet = await Fleet.start(options());
    try {
      await fleet.open(20, null);
      const startUs = monoUs() + 100_000;
      const results = await fleet.backpressure({
        slowBelow: 4,
        startUs,
        endUs: startUs + 400_000,
        resumeEndUs: startUs + 2_400_000,
        healthyPayloadBytes: 64,
        slowPayloadBytes: 8192,
        slowRateHz: 50,
        slowSendBufferCapBytes: 1 << 20,
      });
      const slow = results.reduce((n, r) => n + r.slow.connections, 0);
      const sent = results.reduce((n, r) => n + r.slow.sent, 0);
      const received = results.reduce((n, r) => n + r.slow.received, 0);
      expect(slow).toBe(4);
      expect(sent).toBeGreaterThan(40);
      expect(received).toBe(sent);
      expect(results.reduce((n, r) => n + r.slow.receivedBytes, 0)).toBe(sent * (16 + 8192));
      for (const r of results) {
        expect(r.healthy.received).toBe(r.healthy.sent);
        expect(r.healthy.corrupted + r.slow.corrupted).toBe(0);
      }
      expect(results.reduce((n, r) => n + r.healthy.connections, 0)).toBe(16);
    } finally {
      await fleet.stop();
    }
  });

  it('rejects pending commands when a worker dies, naming it', async () => {
    const fleet = await Fleet.start(options({ workers: 1 }));
    const pid = (fleet as unknown as { workers: { process: { pid: number } }[] }).workers[0]!.process.pid;
    const pending = fleet.open(3, 1); // the third connection is due 2 s later: still pending when the worker is killed
    await new Promise((r) => setTimeout(r, 100));
    process.kill(pid, 'SIGKILL');
    await expect(pending).rejects.toThrow(/fleet worker 0 \(pid \d+\) was killed by SIGKILL/);
    await expect(fleet.status()).rejects.toThrow(FleetError);
    await expect(fleet.status()).rejects.toThrow(/fleet worker 0 \(pid \d+\) was killed by SIGKILL/);
    await fleet.stop();
  });
});

describe('merging', () => {
  it('mergeOpenResults sums counts, unions errors, spans first attempt to last settle', () => {
    const h = encodeHistogram(buildHistogram());
    const r = mergeOpenResults([
      { attempted: 3, established: 2, errors: { timeout: 1 }, handshake: h, firstAttemptUs: 100, lastSettledUs: 500, open: 2 },
      { attempted: 3, established: 1, errors: { timeout: 1, ECONNREFUSED: 1 }, handshake: h, firstAttemptUs: 50, lastSettledUs: 400, open: 1 },
      { attempted: 0, established: 0, errors: {}, handshake: h, firstAttemptUs: 0, lastSettledUs: 0, open: 0 },
    ]);
    expect(r).toMatchObject({ attempted: 6, established: 3, errors: { timeout: 2, ECONNREFUSED: 1 }, elapsedUs: 450, open: 3 });
  });

  it('mergeBroadcast: time to last is the max over workers per publish; incomplete publishes counted lost', () => {
    const empty = encodeHistogram(buildHistogram());
    const worker = (patch: Partial<BroadcastWorkerResult>): BroadcastWorkerResult => ({
      openAtStart: 2,
      openAtEnd: 2,
      published: 0,
      publishSendUs: [],
      publishLagP99Us: 0,
      received: [2, 2, 1],
      maxLatencyUs: [100, 200, 300],
      minLatencyUs: [50, 60, 300],
      latency: empty,
      duplicated: 0,
      corrupted: 0,
      unexpected: 0,
      cpuCoreFraction: 0.1,
      ...patch,
    });
    const m = mergeBroadcast(
      [worker({ published: 3, publishSendUs: [1, 2, 3] }), worker({ maxLatencyUs: [400, 150, 250], minLatencyUs: [10, 70, 250] })],
      { unexpectedCloses: 1, closeCodes: { 'close:1006': 1 } },
      { publishRateHz: 1, publishes: 3, payloadBytes: 0, durationMs: 3000, drainMs: 0, publisher: 0 },
    );
    expect(m).toMatchObject({
      openAtStart: 4,
      published: 3,
      expected: 12,
      delivered: 10,
      lost: 2,
      completePublishes: 2,
      incompletePublishes: 1,
      unexpectedCloses: 1,
    });
    expect(m.timeToLast.count).toBe(2);
    expect(m.timeToLast.maxUs).toBe(400); // publish 0: max(100, 400); publish 1: max(200, 150)
    expect(m.timeToLast.p50Us).toBe(200);
    expect(m.timeToFirst.count).toBe(3);
    expect(m.timeToFirst.p50Us).toBe(60);
  });
});
