/**
 * ws-worker-per-conn is what its name says: every connection has a worker_thread (a V8 isolate) of its
 * own, started on connect and gone on close, and a connection that cannot get one is refused with 1013 while the others
 * carry on. The wire contract itself is checked by test/contract. Servers run from dist/: build first.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildMessage, buildWorkRequest, CloseCode, HEADER_BYTES, nowUs, Op, type StatsSnapshot, work } from '../../protocol/wire.js';
import { fetchStats, type RunningServer, startServer } from '../../servers/launch.js';
import { SERVERS } from '../../servers/registry.js';
import { splitWorkerPerConnArgs } from '../../servers/ws-worker-per-conn/settings.js';
import { createWsWorkerPerConnSpec, wsWorkerPerConnSpec } from '../../servers/ws-worker-per-conn/spec.js';
import { TestClient } from '../contract/client.js';
import { waitFor } from '../contract/wait.js';
import { procThreads } from './proc-status.js';

interface ThreadStats {
  threads: number;
  threadsStarted: number;
  threadSpawnFailures: number;
  lastSpawnError: string | null;
  threadStartupMs: { p50: number; max: number };
}

const extra = (stats: StatsSnapshot): ThreadStats => stats.extra as unknown as ThreadStats;

/** Waits until /stats reports `threads` live handler threads and `open` open connections. */
function waitForThreads(server: RunningServer, threads: number, open = threads): Promise<StatsSnapshot> {
  return waitFor(
    async () => {
      const stats = await fetchStats(server.url);
      return extra(stats).threads === threads && stats.openConnections === open ? stats : undefined;
    },
    `threads == ${threads} and openConnections == ${open}`,
    10_000,
  );
}

function openClients(server: RunningServer, n: number): Promise<TestClient[]> {
  return Promise.all(Array.from({ length: n }, () => TestClient.open(server.url)));
}

async function echoWorks(client: TestClient, seq: number): Promise<void> {
  const echo = buildMessage(Op.ECHO, seq, nowUs(), 32);
  expect(Buffer.compare(await client.roundTrip(echo), echo)).toBe(0);
}

describe('ws-worker-per-conn', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer(wsWorkerPerConnSpec);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('is registered as a worker (V8 isolate) per connection, not a thread per connection', () => {
    expect(wsWorkerPerConnSpec.name).toBe('ws-worker-per-conn');
    expect(wsWorkerPerConnSpec.model).toBe('worker-per-connection');
    expect(SERVERS['ws-worker-per-conn']).toBe(wsWorkerPerConnSpec);
  });

  it('announces its thread model and the per-thread resource limits', () => {
    expect(server.knobs).toMatchObject({
      threads: 1,
      maxThreads: null,
      workerMaxYoungGenerationSizeMb: 1,
      workerMaxOldGenerationSizeMb: 8,
      workerStackSizeMb: 1,
      spawnFailureCloseCode: 1013,
    });
  });

  it('takes its own flags apart from the common ones, and refuses --threads', () => {
    expect(splitWorkerPerConnArgs(['--port', '0', '--max-threads=5', '--worker-max-old-generation-mb', '2'])).toEqual({
      settings: { maxThreads: 5, workerMaxOldGenerationSizeMb: 2 },
      rest: ['--port', '0'],
    });
    expect(() => splitWorkerPerConnArgs(['--max-threads', '0'])).toThrow('--max-threads must be an integer from 1');
    expect(() => splitWorkerPerConnArgs(['--threads', '4'])).toThrow('--threads is not supported');
    expect(
      createWsWorkerPerConnSpec({ maxThreads: 5 })
        .command({ host: '127.0.0.1', port: 0, threads: 8, stall: null, cpuCount: null, serverArgs: {} })
        .args.slice(1),
    ).toEqual(['--host', '127.0.0.1', '--port', '0', '--max-threads', '5']);
  });

  it('threads follow connections: 20 open → 20 threads (also in /proc), 10 closed → 10', async () => {
    await waitForThreads(server, 0);
    const baseline = procThreads(server.pid);
    const clients = await openClients(server, 20);
    try {
      const started = extra(await waitForThreads(server, 20)).threadsStarted;
      expect(procThreads(server.pid) - baseline).toBeGreaterThanOrEqual(20);
      await Promise.all(clients.map((client, i) => echoWorks(client, i))); // every thread is ready now
      const stats = await fetchStats(server.url);
      expect(extra(stats).threadsStarted).toBeGreaterThanOrEqual(started);
      expect(extra(stats).threadStartupMs.p50).toBeGreaterThan(0);
      expect(extra(stats).threadStartupMs.max).toBeGreaterThanOrEqual(extra(stats).threadStartupMs.p50);

      const atTwenty = procThreads(server.pid);
      await Promise.all(clients.slice(0, 10).map((client) => client.close()));
      await waitForThreads(server, 10);
      await waitFor(async () => (atTwenty - procThreads(server.pid) >= 10 ? true : undefined), '/proc Threads to drop by 10');
      await Promise.all(clients.slice(10).map((client, i) => echoWorks(client, 100 + i)));
    } finally {
      await Promise.all(clients.map((client) => client.close()));
    }
    await waitForThreads(server, 0);
  });

  it("runs a connection's WORK on its thread: the main thread keeps answering other connections meanwhile", async () => {
    const [busy, other] = await openClients(server, 2);
    try {
      await waitForThreads(server, 2);
      await echoWorks(busy!, 1); // its thread is up
      const iterations = 50_000_000; // ~160 ms on this box
      const sentAt = performance.now();
      busy!.send(buildWorkRequest(1, nowUs(), iterations, 5));
      busy!.send(buildMessage(Op.ECHO, 2, nowUs(), 8)); // same connection, same thread: answered after the WORK
      await new Promise((resolve) => setTimeout(resolve, 20));
      let slowest = 0;
      for (let seq = 0; seq < 5; seq++) {
        const start = performance.now();
        await echoWorks(other!, 10 + seq);
        slowest = Math.max(slowest, performance.now() - start);
      }
      const otherDoneMs = performance.now() - sentAt;
      const workReply = await busy!.next(10_000);
      const doneMs = performance.now() - sentAt;
      expect(workReply.readUInt32LE(HEADER_BYTES)).toBe(work(iterations, 5));
      expect((await busy!.next()).readUInt32LE(4)).toBe(2); // in order on one connection
      expect(slowest).toBeLessThan(100);
      expect(otherDoneMs).toBeLessThan(doneMs);
    } finally {
      await Promise.all([busy!.close(), other!.close()]);
    }
  });

  it('a violation after messages in flight closes once they are answered, and ignores what follows', async () => {
    const [client] = await openClients(server, 1);
    const bad = buildMessage(Op.ECHO, 2, 0n, 4);
    bad[0] = 9;
    // Sent at once after connecting: the first messages may still be queued for the starting thread.
    client!.send(buildWorkRequest(1, nowUs(), 1_000_000, 3));
    client!.send(bad);
    client!.send(buildMessage(Op.ECHO, 3, nowUs(), 8));
    expect((await client!.next()).readUInt32LE(4)).toBe(1);
    expect((await client!.closed).code).toBe(CloseCode.UNKNOWN_OP);
    expect(client!.pending()).toBe(0);
  });

  it('--max-threads 5: the 6th connection is closed with 1013 and counted; the others carry on', async () => {
    const capped = await startServer(createWsWorkerPerConnSpec({ maxThreads: 5 }));
    const clients = await openClients(capped, 5);
    try {
      expect(capped.knobs['maxThreads']).toBe(5);
      await waitForThreads(capped, 5);
      const sixth = await TestClient.open(capped.url);
      const closed = await sixth.closed;
      expect(closed.code).toBe(1013);
      expect(closed.reason).toContain('thread limit');
      const stats = extra(await waitForThreads(capped, 5));
      expect(stats.threadSpawnFailures).toBe(1);
      expect(stats.lastSpawnError).toContain('--max-threads');
      await Promise.all(clients.map((client, i) => echoWorks(client, i)));
      // A freed thread makes room again.
      await clients[0]!.close();
      await waitForThreads(capped, 4);
      const again = await TestClient.open(capped.url);
      await echoWorks(again, 99);
      clients[0] = again;
    } finally {
      await Promise.all(clients.map((client) => client.close()));
      await capped.stop();
    }
  });

  it('a Worker that fails to start (heap limit too small) closes its connection with 1013 and reports the error', async () => {
    const starved = await startServer(createWsWorkerPerConnSpec({ workerMaxOldGenerationSizeMb: 1 }));
    try {
      expect(starved.knobs['workerMaxOldGenerationSizeMb']).toBe(1);
      const client = await TestClient.open(starved.url);
      const closed = await client.closed;
      expect(closed.code).toBe(1013);
      expect(Buffer.byteLength(closed.reason)).toBeLessThanOrEqual(123);
      const stats = await waitForThreads(starved, 0, 0);
      expect(extra(stats).threadSpawnFailures).toBe(1);
      expect(extra(stats).lastSpawnError).toContain('ERR_WORKER_OUT_OF_MEMORY');
      expect(extra(stats).threadsStarted).toBe(0);
    } finally {
      await starved.stop();
    }
  });
});
