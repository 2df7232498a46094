/**
 * ws-piscina is what its name says: WORK runs on a piscina worker_threads pool, off the main loop, and
 * the pool's threads are real OS threads of the server process. The wire contract itself is checked by
 * test/contract. Servers run from dist/: build first (npx tsc -p tsconfig.json).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildMessage, buildWorkRequest, CloseCode, HEADER_BYTES, MAX_WORK_ITERATIONS, nowUs, Op, work } from '../../protocol/wire.js';
import { fetchStats, type RunningServer, startServer } from '../../servers/launch.js';
import { wsLoopSpec } from '../../servers/ws-loop/spec.js';
import { wsPiscinaSpec } from '../../servers/ws-piscina/spec.js';
import { TestClient } from '../contract/client.js';
import { waitFor } from '../contract/wait.js';
import { procThreads } from './proc-status.js';

/**
 * The largest WORK the contract allows, 100–160 ms on the development box (longer when the box is busy).
 * A fixed size rather than one calibrated in the test process: a calibration taken while the shared cores
 * are busy would come out short, and the lower bounds below would fail.
 */
const LONG_WORK = MAX_WORK_ITERATIONS;

/** Sends n ECHOs one after another on client; returns the slowest round trip in ms. */
async function slowestEchoMs(client: TestClient, n: number): Promise<number> {
  let slowest = 0;
  for (let seq = 0; seq < n; seq++) {
    const sentAt = performance.now();
    await client.roundTrip(buildMessage(Op.ECHO, 1000 + seq, nowUs(), 16));
    slowest = Math.max(slowest, performance.now() - sentAt);
  }
  return slowest;
}

interface PoolStats {
  threads: number;
  queueSize: number;
  completed: number;
  utilization: number;
  waitTime: { p50: number; p99: number; mean: number };
  runTime: { p50: number; p99: number; mean: number };
}

async function poolStats(server: RunningServer): Promise<PoolStats> {
  return (await fetchStats(server.url)).extra!['pool'] as PoolStats;
}

/** Sends `count` of the longest WORKs (seq 1…, seed 7…): three make ~300 ms of computing on one pool thread. */
function sendLongWork(client: TestClient, count: number): void {
  for (let i = 0; i < count; i++) client.send(buildWorkRequest(1 + i, nowUs(), LONG_WORK, 7 + i));
}

describe('ws-piscina', () => {
  let server: RunningServer;
  beforeAll(async () => {
    // One pool thread: on a 2-core box the other core stays free for the main loop.
    server = await startServer(wsPiscinaSpec, { threads: 1 });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('announces the pool size it started, and reports the pool in /stats', async () => {
    expect(server.knobs).toMatchObject({
      threads: 1,
      poolThreads: 1,
      poolConcurrentTasksPerWorker: 4,
      poolAtomics: 'sync',
      poolRecordTiming: true,
      poolWorkCall: 'work.call',
      workRepliesInOrder: false,
    });
    expect(server.knobs['library']).toMatch(/^ws@\S+ \+ piscina@5\./);
    const pool = await poolStats(server);
    expect(pool).toMatchObject({ threads: 1, queueSize: 0 });
    for (const key of ['waitTime', 'runTime'] as const) {
      expect(Object.keys(pool[key]).sort()).toEqual(['mean', 'p50', 'p99']);
    }
  });

  it('the spec sizes the pool from --threads, else from the pinned CPU count, else leaves it to the server', () => {
    const base = { host: '127.0.0.1', port: 0, stall: null, serverArgs: {} };
    expect(wsPiscinaSpec.command({ ...base, threads: 3, cpuCount: 1 }).args).toContain('--threads');
    expect(wsPiscinaSpec.command({ ...base, threads: null, cpuCount: 1 }).args.slice(-2)).toEqual(['--threads', '1']);
    expect(wsPiscinaSpec.command({ ...base, threads: null, cpuCount: null }).args).not.toContain('--threads');
  });

  it('--server-arg sets the pool options, the ready line reports them, and /stats reports no timing when it is off', async () => {
    const base = { host: '127.0.0.1', port: 0, stall: null, threads: 1, cpuCount: null };
    const args = wsPiscinaSpec.command({ ...base, serverArgs: { 'concurrent-tasks-per-worker': 2, atomics: 0, 'record-timing': 0 } }).args;
    expect(args.slice(-6)).toEqual(['--concurrent-tasks-per-worker', '2', '--atomics', '0', '--record-timing', '0']);
    const other = await startServer(wsPiscinaSpec, { threads: 1, serverArgs: { 'concurrent-tasks-per-worker': 2, atomics: 0, 'record-timing': 0 } });
    try {
      expect(other.knobs).toMatchObject({ poolConcurrentTasksPerWorker: 2, poolAtomics: 'disabled', poolRecordTiming: false });
      const client = await TestClient.open(other.url);
      client.send(buildWorkRequest(1, nowUs(), 1000, 5));
      expect((await client.next(10_000)).readUInt32LE(HEADER_BYTES)).toBe(work(1000, 5));
      await client.close();
      expect(await poolStats(other)).toMatchObject({ threads: 1, utilization: null, waitTime: null, runTime: null });
    } finally {
      await other.stop();
    }
  });

  it('runs WORK off the main loop: ECHO on another connection stays fast during ~300 ms of WORK', async () => {
    const [worker, echoer] = await Promise.all([TestClient.open(server.url), TestClient.open(server.url)]);
    try {
      const before = await poolStats(server);
      const sentAt = performance.now();
      sendLongWork(worker, 3);
      const replies = Promise.all([worker.next(10_000), worker.next(10_000), worker.next(10_000)]).then((all) => ({
        all,
        ms: performance.now() - sentAt,
      }));
      await new Promise((resolve) => setTimeout(resolve, 30)); // the first task is on the pool thread by now
      const slowest = await slowestEchoMs(echoer, 10);
      const echoesDoneMs = performance.now() - sentAt;
      const { all, ms } = await replies;
      // One pool thread takes the tasks in order, so here the replies come in order too.
      expect(all.map((reply) => reply.readUInt32LE(HEADER_BYTES))).toEqual([7, 8, 9].map((seed) => work(LONG_WORK, seed)));
      // Ten echoes answered while the WORK was still running, each quickly.
      expect(ms).toBeGreaterThan(200);
      expect(echoesDoneMs).toBeLessThan(ms);
      expect(slowest).toBeLessThan(100);
      const after = await poolStats(server);
      expect(after.completed - before.completed).toBe(3);
      expect(after.runTime.p50).toBeGreaterThan(50);
    } finally {
      await Promise.all([worker.close(), echoer.close()]);
    }
  });

  it('control: on ws-loop the same WORK holds the ECHO up (the check above can tell the difference)', async () => {
    const loop = await startServer(wsLoopSpec);
    const [worker, echoer] = await Promise.all([TestClient.open(loop.url), TestClient.open(loop.url)]);
    try {
      sendLongWork(worker, 3);
      await new Promise((resolve) => setTimeout(resolve, 30));
      expect(await slowestEchoMs(echoer, 3)).toBeGreaterThan(120);
      for (let i = 0; i < 3; i++) await worker.next(10_000);
    } finally {
      await Promise.all([worker.close(), echoer.close()]);
      await loop.stop();
    }
  });

  it('replies of one connection may come out of order: an ECHO overtakes an earlier WORK (matched by seq)', async () => {
    const client = await TestClient.open(server.url);
    try {
      client.send(buildWorkRequest(1, nowUs(), LONG_WORK, 3));
      client.send(buildMessage(Op.ECHO, 2, nowUs(), 8));
      const first = await client.next(10_000);
      const second = await client.next(10_000);
      expect([first.readUInt32LE(4), second.readUInt32LE(4)]).toEqual([2, 1]);
    } finally {
      await client.close();
    }
  });

  it('a violation after a pending WORK closes only once the WORK is answered', async () => {
    const client = await TestClient.open(server.url);
    try {
      const bad = buildMessage(Op.ECHO, 2, 0n, 4);
      bad[0] = 9;
      client.send(buildWorkRequest(1, nowUs(), LONG_WORK, 3));
      client.send(bad);
      client.send(buildMessage(Op.ECHO, 3, nowUs(), 8)); // after the violation: ignored
      expect((await client.next(10_000)).readUInt32LE(4)).toBe(1);
      expect((await client.closed).code).toBe(CloseCode.UNKNOWN_OP);
      expect(client.pending()).toBe(0);
    } finally {
      await client.close();
    }
  });

  it('the pool is real threads: /proc Threads grows by the pool size; queue wait and run time are kept apart', async () => {
    const one = server;
    const three = await startServer(wsPiscinaSpec, { threads: 3 });
    try {
      // Same binary, same code: the only difference is two more pool threads.
      const counts = await waitFor(async () => {
        const pair = [procThreads(one.pid), procThreads(three.pid)] as const;
        return pair[1] - pair[0] === 2 ? pair : undefined;
      }, 'Threads(--threads 3) − Threads(--threads 1) == 2');
      expect(counts[1] - counts[0]).toBe(2);

      // One pool thread takes concurrentTasksPerWorker tasks at once; one more long WORK than that waits in
      // piscina's queue until the thread has finished the first.
      const perThread = one.knobs['poolConcurrentTasksPerWorker'] as number;
      const count = perThread + 1;
      const client = await TestClient.open(one.url);
      const { completed } = await poolStats(one); // also opens a fresh window
      sendLongWork(client, count);
      for (let i = 0; i < count; i++) await client.next(10_000);
      await client.close();
      const pool = await poolStats(one);
      expect(pool.completed - completed).toBe(count);
      expect(pool.runTime.p50).toBeGreaterThan(50);
      expect(pool.waitTime.p99).toBeGreaterThan(50); // the last task's wait ≈ the first's run
      expect(pool.waitTime.p50).toBeLessThan(pool.waitTime.p99);
      expect(pool.utilization).toBeGreaterThan(0.2);
      expect(pool.utilization).toBeLessThanOrEqual(1);
      // The figures cover the window since the previous /stats call: the next window is empty.
      const next = await poolStats(one);
      expect(next).toMatchObject({ completed: pool.completed, utilization: 0, waitTime: { mean: 0 }, runTime: { mean: 0 } });
    } finally {
      await three.stop();
    }
  });
});
