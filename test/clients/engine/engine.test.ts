/**
 * Integration: runLoad against a small in-test `ws` echo server. Workers run from dist/, so build first
 * (`npx tsc -p tsconfig.json`).
 */
import { readdirSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { runWsBaseline } from '../../../clients/baseline/ws-baseline.js';
import { runLoad, WorkerCrashError } from '../../../clients/engine/engine.js';
import type { LoadEvent, LoadPlan, LoadReport } from '../../../clients/types.js';
import { buildWorkReply, checkRequest, Op, readWorkIterations, readWorkSeed, work } from '../../../protocol/wire.js';
import { loadPlan } from '../plan-fixture.js';

let wss: WebSocketServer;
let url: string;

beforeAll(async () => {
  wss = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: false });
  wss.on('connection', (ws) => {
    ws.on('message', (data: Buffer, isBinary) => {
      const violation = isBinary ? checkRequest(data) : { code: 1003, reason: 'text' };
      if (violation) return ws.close(violation.code, violation.reason);
      if (data[0] === Op.WORK) ws.send(buildWorkReply(data, work(readWorkIterations(data), readWorkSeed(data))));
      else ws.send(data);
    });
  });
  await new Promise<void>((r) => wss.once('listening', () => r()));
  url = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/`;
});

afterAll(async () => {
  for (const c of wss.clients) c.terminate();
  await new Promise<void>((r) => wss.close(() => r()));
  expect(workerPids()).toEqual([]);
});

function plan(patch: Partial<LoadPlan> = {}): LoadPlan {
  return loadPlan({ url, connections: 100, workers: 2, clientCpus: null, warmupMs: 300, drainMs: 300, handshakeTimeoutMs: 5000, ...patch });
}

/** Live client worker processes that are children of this process. */
function workerPids(): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
      if (ppid === process.pid && state !== 'Z' && readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes('clients/engine/ws-load-child.js'))
        pids.push(Number(entry));
    } catch {
      // The process exited while we looked.
    }
  }
  return pids;
}

function expectConsistent(r: LoadReport): void {
  const c = r.counts;
  expect(c.sent).toBeGreaterThan(0);
  expect(c.sent).toBe(c.received + c.lost);
  expect(c.corrupted).toBe(0);
  expect(c.duplicated).toBe(0);
  expect(c.unexpected).toBe(0);
  expect(r.service.count).toBe(c.received - c.corrupted);
  expect(r.connections).toMatchObject({ attempted: 100, established: 100, errors: {}, unexpectedCloses: 0 });
  expect(r.connections.handshake.count).toBe(100);
  expect(r.timeline.reduce((n, p) => n + p.sent, 0)).toBe(c.sent);
  expect(r.client.workers).toHaveLength(2);
  for (const w of r.client.workers) expect(w.cpuCoreFraction).toBeGreaterThan(0);
}

function describeRun(name: string, r: LoadReport): void {
  const cpu = r.client.workers.map((w) => w.cpuCoreFraction.toFixed(2)).join('+');
  process.stderr.write(
    `[${name}] ${r.achievedRateHz.toFixed(0)} round trips/s, service p50 ${r.service.p50Us} µs p99 ${r.service.p99Us} µs` +
      (r.corrected ? `, corrected p99 ${r.corrected.p99Us} µs` : '') +
      `, client CPU ${cpu}, send lag p99 ${r.client.workers.map((w) => w.sendLagP99Us).join('/')} µs, loop delay p99 ${r.client.workers.map((w) => w.eventLoopDelayP99Ms).join('/')} ms\n`,
  );
}

describe('runLoad', () => {
  it('closed loop, depth 1: every window message is answered or lost, none corrupted', async () => {
    const events: LoadEvent[] = [];
    const r = await runLoad(plan(), (e) => events.push(e));
    describeRun('closed d1', r);
    expectConsistent(r);
    expect(r.corrected).toBeNull();
    expect(r.byClass).toBeNull();
    expect(r.targetRateHz).toBeNull();
    expect(r.achievedRateHz).toBe(r.counts.received);
    expect(r.client.workers.every((w) => w.sendLagP99Us === 0)).toBe(true);
    const phases = events.filter((e) => e.type === 'phase');
    expect(phases.map((e) => e.phase)).toEqual(['connecting', 'warmup', 'measuring', 'draining', 'done']);
    const [, warmup, measuring, draining] = phases;
    expect(measuring!.atUs - warmup!.atUs).toBe(300_000);
    expect(draining!.atUs - measuring!.atUs).toBe(1_000_000);
    expect(events.some((e) => e.type === 'connected' && e.established === 100)).toBe(true);
    expect(events.filter((e) => e.type === 'tick').map((e) => (e as { second: number }).second)).toEqual([0]);
  });

  it('closed loop, depth 4, mixed ECHO/WORK: latency per class, replies validated', async () => {
    const r = await runLoad(plan({ depth: 4, mix: { kind: 'mixed', iterations: 2000, heavyFraction: 0.25 }, clientCpus: '1' }));
    describeRun('closed d4 mixed', r);
    expectConsistent(r);
    const { cheap, heavy } = r.byClass!;
    expect(cheap!.count + heavy!.count).toBe(r.service.count);
    expect(heavy!.count / r.service.count).toBeGreaterThan(0.15);
    expect(heavy!.count / r.service.count).toBeLessThan(0.35);
  });

  it('open loop: sends exactly the schedule and reports corrected latency', async () => {
    const r = await runLoad(plan({ mode: 'open', rateHz: 5000 }));
    describeRun('open 5000/s', r);
    expectConsistent(r);
    // 100 connections at 50/s each: 50 intended sends per connection in a 1 s window.
    expect(r.counts.sent).toBe(5000);
    expect(r.targetRateHz).toBe(5000);
    expect(r.corrected!.count).toBe(r.service.count);
    expect(r.corrected!.p50Us).toBeGreaterThanOrEqual(r.service.p50Us);
    expect(r.corrected!.maxUs).toBeGreaterThanOrEqual(r.service.maxUs);
  });

  it('counts refused connections by type and still reports', async () => {
    const closed = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await new Promise<void>((res) => closed.once('listening', () => res()));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((res) => closed.close(() => res()));
    const r = await runLoad(plan({ url: `ws://127.0.0.1:${port}/`, connections: 10 }));
    expect(r.connections).toMatchObject({ attempted: 10, established: 0, errors: { ECONNREFUSED: 10 } });
    expect(r.counts.sent).toBe(0);
  });

  it('rejects with the abort reason and leaves no worker behind', async () => {
    const controller = new AbortController();
    const reason = new Error('stop now');
    const run = runLoad(plan(), (e) => e.type === 'phase' && e.phase === 'measuring' && controller.abort(reason), controller.signal);
    await expect(run).rejects.toBe(reason);
    await new Promise((r) => setTimeout(r, 100));
    expect(workerPids()).toEqual([]);
  });

  it('rejects naming the worker and its exit when a worker dies', async () => {
    const run = runLoad(plan(), (e) => {
      if (e.type === 'phase' && e.phase === 'measuring') process.kill(workerPids()[0]!, 'SIGKILL');
    });
    const err = await run.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkerCrashError);
    expect((err as Error).message).toMatch(/^client worker [01] \(pid \d+\) was killed by SIGKILL before reporting/);
    await new Promise((r) => setTimeout(r, 100));
    expect(workerPids()).toEqual([]);
  });
});

describe('runWsBaseline', () => {
  it('drives the same echo messages with the ws package and measures its own CPU', async () => {
    const r = await runWsBaseline({ url, connections: 100, durationMs: 1000, warmupMs: 300, payloadBytes: 64, clientCpus: null });
    process.stderr.write(`[ws baseline] ${r.roundTripsPerSec} round trips/s, client CPU ${r.cpuCoreFraction}\n`);
    expect(r.connections).toMatchObject({ attempted: 100, established: 100 });
    expect(r.roundTrips).toBeGreaterThan(0);
    expect(r.corrupted).toBe(0);
    expect(r.cpuCoreFraction).toBeGreaterThan(0);
    expect(r.service.count).toBe(r.roundTrips);
  });
});
