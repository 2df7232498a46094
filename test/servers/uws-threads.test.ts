/**
 * uws-threads is what its name says: N uWS worker threads in one process sharing the port, connections
 * spread over the threads, /stats summing them, BROADCAST crossing threads, a clean SIGTERM exit (a thread
 * ending with a uWS socket open would abort the process), and no other process sharing its port.
 * Spawns dist/: build first (npx tsc -p tsconfig.json).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildMessage, nowUs, Op, type StatsSnapshot } from '../../protocol/wire.js';
import { fetchStats, type RunningServer, startServer } from '../../servers/launch.js';
import { DEFAULT_SERVER_OPTIONS } from '../../servers/spec.js';
import { createUwsThreadsSpec, uwsThreadsSpec } from '../../servers/uws-threads/spec.js';
import { openClients, waitForOpen } from './open-clients.js';
import { spawnReusePortListener } from './reuse-port-listener.js';

const availability = uwsThreadsSpec.availability();
const CONNECTIONS = 40;

function threadsOf(pid: number): number {
  const match = /^Threads:\s+(\d+)$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(match![1]);
}

interface ThreadFigures {
  thread: number;
  openConnections: number;
}

function perThread(stats: StatsSnapshot): ThreadFigures[] {
  return (stats.extra as { perThread: ThreadFigures[] }).perThread;
}

describe('uws-threads spec', () => {
  it('is the threads model; threads = --threads, else the pinned CPU count', () => {
    expect(uwsThreadsSpec).toMatchObject({ name: 'uws-threads', model: 'threads', language: 'node' });
    const args = (threads: number | null, cpuCount: number | null): string[] =>
      uwsThreadsSpec.command({ ...DEFAULT_SERVER_OPTIONS, threads, cpuCount }).args.slice(1);
    expect(args(3, 1)).toEqual(['--host', '127.0.0.1', '--port', '0', '--threads', '3']);
    expect(args(null, 2)).toEqual(['--host', '127.0.0.1', '--port', '0', '--threads', '2']);
    expect(args(null, null)).toEqual(['--host', '127.0.0.1', '--port', '0']);
  });

  it('is unavailable, with the reason, when the native binary is missing (never a JS fallback)', () => {
    const scratch = mkdtempSync(join(tmpdir(), 'wsarena-uws-threads-'));
    try {
      const missing = join(scratch, 'uws_missing.node');
      const result = createUwsThreadsSpec({ binaryPath: missing }).availability();
      expect(result).toMatchObject({ available: false, reason: expect.stringContaining(missing) });
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });
});

describe.runIf(availability.available)('uws-threads with --threads 2', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer(uwsThreadsSpec, { threads: 2 });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('runs more OS threads than with --threads 1, and reports 2 threads', async () => {
    const single = await startServer(uwsThreadsSpec, { threads: 1 });
    try {
      await fetchStats(single.url);
      await fetchStats(server.url);
      expect(threadsOf(server.pid)).toBeGreaterThan(threadsOf(single.pid));
      expect(single.knobs['threads']).toBe(1);
      expect(server.knobs['threads']).toBe(2);
    } finally {
      await single.stop();
    }
  });

  it(`spreads ${CONNECTIONS} connections over both threads, sums them in /stats, and broadcasts across threads`, async () => {
    const clients = await openClients(server.url, CONNECTIONS);
    try {
      const stats = await waitForOpen(server.url, CONNECTIONS);
      expect(stats.extra).toMatchObject({ threads: 2 });
      const threads = perThread(stats);
      expect(threads).toHaveLength(2);
      expect(threads.reduce((sum, t) => sum + t.openConnections, 0)).toBe(CONNECTIONS);
      // The kernel hashes connections over the SO_REUSEPORT group: all 40 on one thread has odds 2^-39.
      for (const t of threads) expect(t.openConnections).toBeGreaterThan(0);

      const message = buildMessage(Op.BROADCAST, 4, nowUs(), 64);
      clients[0]!.send(message);
      const copies = await Promise.all(clients.map((client) => client.next()));
      for (const copy of copies) expect(Buffer.compare(copy, message)).toBe(0);
      const after = await fetchStats(server.url);
      expect(after.broadcastDeliveries - stats.broadcastDeliveries).toBe(CONNECTIONS);
      expect(after.messagesHandled - stats.messagesHandled).toBe(1);
    } finally {
      await Promise.all(clients.map((client) => client.close()));
    }
  });
});

describe.runIf(availability.available)('uws-threads lifecycle', () => {
  it('SIGTERM with connections open on every thread: all get 1001 and the process exits 0 (no abort)', async () => {
    const server = await startServer(uwsThreadsSpec, { threads: 2 });
    const clients = await openClients(server.url, 20);
    const stats = await waitForOpen(server.url, 20);
    expect(perThread(stats).filter((t) => t.openConnections > 0)).toHaveLength(2);
    await server.stop();
    expect(await server.exited).toEqual({ code: 0, signal: null });
    for (const client of clients) expect((await client.closed).code).toBe(1001);
    expect(server.stderrTail()).not.toMatch(/Assertion|Aborted|open handles/);
  });

  it('refuses a port another process holds with SO_REUSEPORT, and its guard sees such a listener', async () => {
    const holder = await spawnReusePortListener(0);
    try {
      await expect(startServer(uwsThreadsSpec, { port: holder.port, threads: 2 })).rejects.toMatchObject({
        code: 'PORT_IN_USE',
        message: expect.stringContaining(`port ${holder.port} on 127.0.0.1 is already in use`),
      });
      // A second SO_REUSEPORT listener joins silently; the guard run in it counts the holder as foreign.
      const joiner = await spawnReusePortListener(holder.port);
      joiner.child.kill();
      expect(joiner.foreign).toBe(1);
    } finally {
      holder.child.kill();
    }
  });
});
