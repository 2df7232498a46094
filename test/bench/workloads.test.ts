/**
 * The connection workloads (idle, broadcast, storm, backpressure) and the sizes sweep, end to end through
 * runMatrix against real servers, at small scale: counts must add up. Workers run from dist/, so build
 * first (`npx tsc -p tsconfig.json`).
 */
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { preflight } from '../../bench/preflight.js';
import { type RunRequest, runMatrix } from '../../bench/runner.js';
import { UsageError } from '../../core/errors.js';
import { portRange } from '../../core/port-range.js';
import { errorOf } from '../../results/cell-status.js';
import { collectEnvironment } from '../../results/environment.js';
import { type OkCell, resultFileSchema } from '../../results/schema.js';
import { getServer } from '../../servers/registry.js';
import { measured } from '../fixtures/results.js';
import { resultPathIn, runRequest } from '../fixtures/run-request.js';

const uwsAvailable = getServer('uws').availability().available;

function request(overrides: Partial<RunRequest>): RunRequest {
  return runRequest({ workload: 'idle', connections: [200], clientWorkers: 2, outPath: resultPathIn('wsarena-wl-'), ...overrides });
}

async function runOne(req: RunRequest): Promise<OkCell> {
  const file = await runMatrix(req);
  // What was written validates against the schema, sections included.
  resultFileSchema.parse(JSON.parse(readFileSync(req.outPath, 'utf8')));
  expect(file.cells).toHaveLength(1);
  const cell = file.cells[0]!;
  expect(errorOf(cell)).toBeNull();
  expect(cell.status).toBe('ok');
  if (cell.status !== 'ok') throw new Error('unreachable: the expect above failed');
  return cell;
}

const servers = ['ws-loop', ...(uwsAvailable ? ['uws'] : [])];

describe.each(servers)('%s', (server) => {
  it('idle: ramps in steps, memory slope positive with R², every ping answered', async () => {
    const cell = await runOne(
      request({ servers: [server], workload: 'idle', connections: [200], workloadParams: { steps: 4, holdMs: 300, finalHoldMs: 500, pingIntervalMs: 200 } }),
    );
    const s = cell.idle!;
    expect(s.points.map((p) => p.targetConnections)).toEqual([0, 50, 100, 150, 200]);
    expect(s.points.map((p) => p.open)).toEqual([0, 50, 100, 150, 200]);
    expect(s.points.map((p) => p.serverOpen)).toEqual([0, 50, 100, 150, 200]);
    expect(s.points.every((p) => p.rssBytes > 0 && p.fds > 0 && p.sockstat !== null)).toBe(true);
    // A /stats socket may be open at one sample and not the other: allow a few fds either way.
    expect(s.points[4]!.fds - s.points[0]!.fds).toBeGreaterThanOrEqual(195);
    expect(s.ceiling).toBe(200);
    expect(s.stoppedBy).toBe('target reached');
    expect(s.errors).toEqual({});
    expect(s.memoryBasis).toBe('rss');
    expect(Number.isFinite(s.bytesPerConnection)).toBe(true);
    // ws-loop costs ~11 KiB per connection: 200 of them stand far above RSS noise. uWS costs ~1-2 KiB,
    // so 200 connections (~300 KiB) are within page-level RSS noise and its slope's sign is not a test.
    if (server === 'ws-loop') expect(s.bytesPerConnection!).toBeGreaterThan(0);
    expect(s.r2).not.toBeNull();
    expect(s.fit.rss!.n).toBe(5);
    expect(s.fit.pss).not.toBeNull();
    // Kernel memory (/proc/meminfo, machine-wide) at every point and fitted beside RSS; its sign is noise at 200 connections.
    expect(s.points.every((p) => p.meminfo != null && p.meminfo.kernelStackBytes > 0)).toBe(true);
    expect(Number.isFinite(s.kernelBytesPerConnection)).toBe(true);
    expect(s.fit.kernelStack!.n).toBe(5);
    // threadsMax counts the idle points too (a thread-per-connection server: threadsMax ≥ connections).
    expect(cell.serverResources!.threadsMax).toBeGreaterThanOrEqual(Math.max(...s.points.map((p) => p.threads)));
    expect(cell.serverResources!.contextSwitches).toBeGreaterThan(0);
    expect(s.handshake.count).toBe(200);
    const live = s.liveness;
    expect(live.pingsSent).toBeGreaterThan(200);
    expect(live.pongsReceived).toBeGreaterThan(0);
    expect(live.pongsReceived + live.pongsLate).toBeLessThanOrEqual(live.pingsSent);
    expect(live.pingsSent - live.pongsReceived).toBeLessThanOrEqual(200); // at most one ping per connection still unanswered
    expect(live.unexpectedCloses).toBe(0);
    expect(live.unexpectedMessages).toBe(0);
    process.stderr.write(`[idle ${server}] ${s.bytesPerConnection} B/conn, R² ${s.r2?.toFixed(4)}, pongs ${live.pongsReceived}/${live.pingsSent}\n`);
  }, 20_000);

  it('broadcast: every copy delivered or counted lost, time to last receiver per publish', async () => {
    const cell = await runOne(
      request({ servers: [server], workload: 'broadcast', connections: [200], durationMs: 1000, drainMs: 500, workloadParams: { publishRateHz: 20 } }),
    );
    const b = cell.broadcast!;
    expect(b.published).toBe(20);
    expect(b.openAtStart).toBe(200);
    expect(b.expected).toBe(20 * 200);
    expect(b.delivered + b.lost).toBe(b.expected);
    expect(b.lost).toBe(0);
    expect(b.duplicated + b.corrupted + b.unexpected).toBe(0);
    expect(b.latency.count).toBe(b.delivered);
    expect(b.completePublishes).toBe(20);
    expect(b.timeToLast.count).toBe(20);
    expect(b.timeToFirst.count).toBe(20);
    expect(b.timeToLast.p50Us).toBeGreaterThanOrEqual(b.timeToFirst.p50Us);
    expect(b.timeToLast.maxUs).toBeGreaterThanOrEqual(b.latency.p99Us * 0.99);
    expect(b.serverDeliveries).toBe(b.expected);
    expect(cell.serverMessagesHandled).toBe(20);
    process.stderr.write(`[broadcast ${server}] latency p50 ${b.latency.p50Us} µs, time to last p50 ${b.timeToLast.p50Us} p99 ${b.timeToLast.p99Us} µs\n`);
  }, 20_000);

  it('storm: every round connects everything; fds back near baseline', async () => {
    const cell = await runOne(request({ servers: [server], workload: 'storm', connections: [200], workloadParams: { rounds: 3, settleMs: 3000 } }));
    const s = cell.storm!;
    expect(s.rounds).toHaveLength(3);
    for (const r of s.rounds) {
      expect(r.attempted).toBe(200);
      expect(r.established).toBe(200);
      expect(r.errors).toEqual({});
      expect(r.handshake.count).toBe(200);
      expect(r.handshakesPerSec).toBeGreaterThan(0);
      expect(r.serverOpen).toBe(0);
    }
    expect(s.baseline.fds).toBeGreaterThan(0);
    expect(s.nearBaseline).toBe(true);
    expect(s.fdsDelta).toBeLessThanOrEqual(10);
    expect(s.handshakesPerSecMedian).toBeGreaterThan(0);
  }, 20_000);

  it('backpressure: slow readers get every reply or it is counted missing; healthy echo carries on', async () => {
    const cell = await runOne(
      request({
        servers: [server],
        workload: 'backpressure',
        connections: [100],
        durationMs: 1000,
        workloadParams: { slowFraction: 0.1, slowPayloadBytes: 16 * 1024, slowRateHz: 20, resumeWaitMs: 3000 },
      }),
    );
    const b = cell.backpressure!;
    expect(b.slow.connections).toBe(10);
    expect(b.healthy.connections).toBe(90);
    expect(b.slow.sent).toBeGreaterThan(100);
    expect(b.slow.received + b.slow.missing).toBe(b.slow.sent);
    expect(b.slow.corrupted).toBe(0);
    expect(b.healthy.received).toBeGreaterThan(0);
    expect(b.healthy.received + b.healthy.lost).toBe(b.healthy.sent);
    expect(b.healthy.lost).toBe(0);
    expect(b.healthy.latency.count).toBe(b.healthy.received);
    expect(b.knobs).toHaveProperty('maxBackpressureBytes');
    expect(b.server.timeline.length).toBeGreaterThan(2);
    expect(b.outcome).not.toBe('');
    process.stderr.write(`[backpressure ${server}] ${b.outcome}\n`);
  }, 20_000);
});

describe('sizes', () => {
  it('one cell per payload size, msgs/s and MiB/s from the load report', async () => {
    const req = request({
      workload: 'sizes',
      connections: [20],
      durationMs: 500,
      warmupMs: 200,
      drainMs: 300,
      clientWorkers: 1,
      workloadParams: { sizes: [16, 4096] },
    });
    const file = await runMatrix(req);
    expect(file.cells.map((c) => c.id)).toEqual(['ws-loop/sizes/c20/p16/cpus0/r0', 'ws-loop/sizes/c20/p4096/cpus0/r0']);
    for (const c of file.cells.map(measured)) {
      expect(c.status).toBe('ok');
      expect(c.params.payloadBytes).toBe(c.sizes!.payloadBytes);
      expect(c.load!.plan.payloadBytes).toBe(c.sizes!.payloadBytes);
      expect(c.sizes!.messageBytes).toBe(16 + c.sizes!.payloadBytes);
      expect(c.sizes!.msgsPerSec).toBe(c.load!.achievedRateHz);
      expect(c.sizes!.mibPerSec).toBeCloseTo((c.sizes!.msgsPerSec * c.sizes!.messageBytes) / 1048576, 1);
      expect(c.load!.counts.corrupted).toBe(0);
    }
  }, 20_000);
});

describe('idle ceiling', () => {
  it('says what stopped the ramp: refused connections end it at the first step', async () => {
    const req = request({
      servers: [],
      target: { url: 'ws://127.0.0.1:1/', pid: null, contract: false },
      workload: 'idle',
      connections: [10],
      workloadParams: { steps: 2, holdMs: 0 },
    });
    const file = await runMatrix(req);
    const cell = measured(file.cells[0]);
    expect(cell.status).toBe('failed');
    expect(errorOf(cell)).toBe('no connection could be established: ECONNREFUSED ×5');
    expect(cell.idle!.ceiling).toBe(0);
    expect(cell.idle!.stoppedBy).toBe('ECONNREFUSED ×5');
    expect(cell.idle!.points.map((p) => p.step)).toEqual([0, 1]);
    expect(cell.idle!.bytesPerConnection).toBeNull();
  });
});

const nofileSoft = collectEnvironment().ulimitNofile.soft;

describe.skipIf(nofileSoft !== 20_000)('preflight for the connection workloads (ulimit -n 20000)', () => {
  it('refuses a 19,950-connection idle run before starting anything, with the arithmetic', async () => {
    const req = request({ workload: 'idle', connections: [19_950], clientWorkers: 2 });
    await expect(runMatrix(req)).rejects.toThrow(/19950 \+ 100 headroom = 20050 > open-file limit 20000 per process .* At most 19900 connections fit/);
    expect(existsSync(req.outPath)).toBe(false);
  });
  it('refuses too many sockets per client worker', async () => {
    const err = await runMatrix(request({ workload: 'storm', connections: [30_000], clientWorkers: 1, sourceAddresses: ['127.0.0.1', '127.0.0.2'] })).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(UsageError);
    expect((err as UsageError).message).toBe(
      '--connections 30000 over 1 client worker(s) is 30000 sockets per worker; 30000 + 100 headroom = 30100 > open-file limit 20000 per process. Use --client-workers 2 or more.',
    );
  });
  it('refuses more connections than one source address has ports', async () => {
    await expect(
      runMatrix(request({ servers: ['ws-cluster'], serverThreads: 4, workload: 'broadcast', connections: [40_000], clientWorkers: 4 })),
    ).rejects.toThrow(/--connections 40000 needs more ephemeral ports than 1 source address\(es\) × \d+ ports .* Use --source-addresses 2 or more/);
  });
  it('accepts 19,000 idle connections over 2 client workers (the ceiling target fits)', () => {
    expect(() =>
      preflight({
        connections: 19_000,
        clientWorkers: 2,
        serverProcesses: 1,
        startsServer: true,
        nofileSoftLimit: nofileSoft,
        ephemeralPortRange: portRange(),
        localAddressCount: 0,
      }),
    ).not.toThrow();
  });
});
