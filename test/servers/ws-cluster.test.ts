/**
 * ws-cluster is what its name says: one primary process and N worker processes sharing the port, with
 * connections spread over the workers, /stats summing them, BROADCAST crossing processes, and no worker
 * outliving its primary. Spawns dist/: build first (npx tsc -p tsconfig.json).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildMessage, nowUs, Op, type StatsSnapshot } from '../../protocol/wire.js';
import { fetchStats, type RunningServer, startServer } from '../../servers/launch.js';
import { DEFAULT_SERVER_OPTIONS } from '../../servers/spec.js';
import { wsClusterSpec } from '../../servers/ws-cluster/spec.js';
import { TestClient } from '../contract/client.js';
import { waitFor } from '../contract/wait.js';

const availability = wsClusterSpec.availability();

/** Pids whose parent is pid (from /proc/<n>/stat; comm may hold spaces, so parse after the last ')'). */
function childrenOf(pid: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) children.push(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return children.sort((a, b) => a - b);
}

/** Running or sleeping; a zombie (exited, not yet reaped by whoever adopted it) counts as gone. */
function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

interface WorkerFigures {
  worker: number;
  pid: number;
  openConnections: number;
}

function perWorker(stats: StatsSnapshot): WorkerFigures[] {
  return (stats.extra as { perWorker: WorkerFigures[] }).perWorker;
}

describe('ws-cluster spec', () => {
  it('is the processes model; workers = --threads, else the pinned CPU count', () => {
    expect(wsClusterSpec).toMatchObject({ name: 'ws-cluster', model: 'processes', language: 'node' });
    const args = (threads: number | null, cpuCount: number | null): string[] =>
      wsClusterSpec.command({ ...DEFAULT_SERVER_OPTIONS, threads, cpuCount }).args.slice(1);
    expect(args(3, 1)).toEqual(['--host', '127.0.0.1', '--port', '0', '--threads', '3']);
    expect(args(null, 2)).toEqual(['--host', '127.0.0.1', '--port', '0', '--threads', '2']);
    expect(args(null, null)).toEqual(['--host', '127.0.0.1', '--port', '0']);
  });
});

describe.runIf(availability.available)('ws-cluster with --threads 2', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer(wsClusterSpec, { threads: 2 });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('is one primary with two worker processes, and says so in its knobs', () => {
    const workers = childrenOf(server.pid);
    expect(workers).toHaveLength(2);
    for (const pid of workers) expect(readFileSync(`/proc/${pid}/cmdline`, 'utf8')).toContain('ws-cluster/main.js');
    expect(server.knobs).toMatchObject({ threads: 2, schedulingPolicy: 'rr' });
  });

  it('spreads connections over both workers, sums them in /stats, and broadcasts across processes', async () => {
    const clients = await Promise.all(Array.from({ length: 20 }, () => TestClient.open(server.url)));
    try {
      const stats = await waitFor(async () => {
        const snapshot = await fetchStats(server.url);
        return snapshot.openConnections === 20 ? snapshot : undefined;
      }, '20 open connections');
      const workers = perWorker(stats);
      expect(workers.map((w) => w.pid).sort((a, b) => a - b)).toEqual(childrenOf(server.pid));
      expect(workers.reduce((sum, w) => sum + w.openConnections, 0)).toBe(20);
      // Round-robin: both workers get connections (the /stats requests take turns too, so not exactly 10/10).
      for (const w of workers) expect(w.openConnections).toBeGreaterThan(0);
      expect(stats.extra).toMatchObject({ workers: 2, staleWorkers: 0 });
      expect(stats.pid).toBe(server.pid);

      const message = buildMessage(Op.BROADCAST, 9, nowUs(), 64);
      clients[0]!.send(message);
      const copies = await Promise.all(clients.map((client) => client.next()));
      for (const copy of copies) expect(Buffer.compare(copy, message)).toBe(0);
      const after = await fetchStats(server.url);
      expect(after.broadcastDeliveries - stats.broadcastDeliveries).toBe(20);
      expect(after.messagesHandled - stats.messagesHandled).toBe(1);
    } finally {
      await Promise.all(clients.map((client) => client.close()));
    }
  });
});

describe.runIf(availability.available)('ws-cluster lifecycle', () => {
  it('workers exit when the primary is killed: no orphans', async () => {
    const server = await startServer(wsClusterSpec, { threads: 2 });
    try {
      const workers = childrenOf(server.pid);
      expect(workers).toHaveLength(2);
      process.kill(server.pid, 'SIGKILL');
      await server.exited;
      await waitFor(async () => (workers.some(isAlive) ? undefined : true), 'workers to exit after their primary died');
    } finally {
      await server.stop();
    }
  });
});
