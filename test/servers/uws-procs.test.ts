/**
 * uws-procs is what its name says: a primary and N child processes, each with its own uWS App on the shared
 * port, connections spread over the processes by the kernel, /stats summing every process, BROADCAST
 * crossing processes, children pinned like the primary and inside the tree the runner samples, a clean
 * SIGTERM exit that leaves no child, a dead child failing the server, and no stranger on its port.
 * Spawns dist/: build first (npx tsc -p tsconfig.json).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processTree, snapshotTree } from '../../bench/proc-tree.js';
import { buildMessage, nowUs, Op, type StatsSnapshot } from '../../protocol/wire.js';
import { fetchStats, type RunningServer, startServer } from '../../servers/launch.js';
import { SERVERS } from '../../servers/registry.js';
import { DEFAULT_SERVER_OPTIONS } from '../../servers/spec.js';
import { foreignListeners } from '../../servers/uws/port-guard.js';
import { createUwsProcsSpec, uwsProcsSpec } from '../../servers/uws-procs/spec.js';
import type { TestClient } from '../contract/client.js';
import { isGone, waitFor, waitGone } from '../contract/wait.js';
import { openClients, waitForOpen } from './open-clients.js';
import { spawnReusePortListener } from './reuse-port-listener.js';

const availability = uwsProcsSpec.availability();
/** With two processes in the SO_REUSEPORT group, all 40 on one process has odds 2^-39. */
const CONNECTIONS = 40;

interface ProcessFigures {
  process: number;
  pid: number;
  openConnections: number;
  messagesHandled: number;
  broadcastDeliveries: number;
}

function perProcess(stats: StatsSnapshot): ProcessFigures[] {
  return (stats.extra as { perProcess: ProcessFigures[] }).perProcess;
}

/** The processes of the server that hold at least one connection. */
function busyProcesses(stats: StatsSnapshot): ProcessFigures[] {
  return perProcess(stats).filter((p) => p.openConnections > 0);
}

/** The CPUs a process may run on, as /proc says ("0", "0-1"). */
function cpusAllowed(pid: number): string {
  return /^Cpus_allowed_list:\s+(\S+)$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]!;
}

/** The server's child processes (its tree without itself), found the way the runner's sampler finds them. */
function childPids(server: RunningServer): number[] {
  return processTree(server.pid).filter((pid) => pid !== server.pid);
}

describe('uws-procs spec', () => {
  it('is the processes model right after uws-threads in the registry; processes = --threads, else the pinned CPU count', () => {
    expect(uwsProcsSpec).toMatchObject({ name: 'uws-procs', model: 'processes', language: 'node', ops: [Op.ECHO, Op.WORK, Op.BROADCAST] });
    const names = Object.keys(SERVERS);
    expect(names.indexOf('uws-procs')).toBe(names.indexOf('uws-threads') + 1);
    const flags = (threads: number | null, cpuCount: number | null): string[] =>
      uwsProcsSpec.command({ ...DEFAULT_SERVER_OPTIONS, threads, cpuCount }).args.slice(1);
    expect(flags(6, 2)).toEqual(['--host', '127.0.0.1', '--port', '0', '--threads', '6']);
    expect(flags(null, 2)).toEqual(['--host', '127.0.0.1', '--port', '0', '--threads', '2']);
    expect(flags(null, null)).toEqual(['--host', '127.0.0.1', '--port', '0']);
  });

  it('is unavailable, with the reason, when the native binary is missing (never a JS fallback)', () => {
    const scratch = mkdtempSync(join(tmpdir(), 'wsarena-uws-procs-'));
    const missing = join(scratch, 'uws_missing.node');
    try {
      expect(createUwsProcsSpec({ binaryPath: missing }).availability()).toMatchObject({ available: false, reason: expect.stringContaining(missing) });
      expect(createUwsProcsSpec({ binaryPath: missing }).command(DEFAULT_SERVER_OPTIONS).env).toMatchObject({ WSARENA_UWS_BINARY: missing });
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });
});

describe.runIf(availability.available)('uws-procs with --threads 2, pinned to CPU 0', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer(uwsProcsSpec, { threads: 2 }, { cpus: '0' });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('is a primary with two child processes, pinned like it, all in the tree the runner samples', () => {
    expect(server.knobs).toMatchObject({ threads: 2, portSharing: 'SO_REUSEPORT among own child processes' });
    const children = childPids(server);
    expect(children).toHaveLength(2);
    expect(server.pinning.applied).toBe(true);
    for (const pid of [server.pid, ...children]) expect(cpusAllowed(pid)).toBe('0');
    const tree = snapshotTree(server.pid, 100, false)!;
    expect(tree.processes).toBe(3);
    // Every child holds its own uWS listen socket and event loop: the tree's threads are more than one process's.
    expect(tree.threads).toBeGreaterThan(snapshotTree(children[0]!, 100, false)!.threads * 2);
  });

  it("has only its children on its port: the port guard sees none foreign with both, the other child's socket with one", () => {
    const children = childPids(server);
    expect(foreignListeners(server.port, children)).toBe(0);
    expect(foreignListeners(server.port, children.slice(0, 1))).toBe(1);
  });

  it(`spreads ${CONNECTIONS} connections over both processes, counts every process in /stats, and broadcasts across processes`, async () => {
    const clients = await openClients(server.url, CONNECTIONS);
    try {
      const opened = await waitForOpen(server.url, CONNECTIONS);
      expect(opened).toMatchObject({ pid: server.pid, extra: { processes: 2, staleProcesses: 0 } });
      expect(
        perProcess(opened)
          .map((p) => p.pid)
          .sort(),
      ).toEqual(childPids(server).sort());
      expect(busyProcesses(opened)).toHaveLength(2);

      await echoFromEach(clients);
      const echoed = await fetchStats(server.url);
      expect(echoed.messagesHandled - opened.messagesHandled).toBe(CONNECTIONS);
      // Both processes handled some: the sum is over processes, not one process's own figure.
      for (const p of perProcess(echoed)) expect(p.messagesHandled - figuresOf(opened, p.process).messagesHandled).toBe(p.openConnections);

      const message = buildMessage(Op.BROADCAST, 4, nowUs(), 64);
      clients[0]!.send(message);
      for (const copy of await Promise.all(clients.map((client) => client.next()))) expect(Buffer.compare(copy, message)).toBe(0);
      const after = await fetchStats(server.url);
      expect(after.broadcastDeliveries - echoed.broadcastDeliveries).toBe(CONNECTIONS);
      expect(after.messagesHandled - echoed.messagesHandled).toBe(1);
      // Each process published to its own subscribers: the relayed copy was counted where it was delivered.
      for (const p of perProcess(after)) expect(p.broadcastDeliveries - figuresOf(echoed, p.process).broadcastDeliveries).toBe(p.openConnections);
    } finally {
      await Promise.all(clients.map((client) => client.close()));
    }
  });
});

describe.runIf(availability.available)('uws-procs lifecycle', () => {
  it('SIGTERM with connections open on every process: all get 1001, the primary exits 0, no child is left', async () => {
    const server = await startServer(uwsProcsSpec, { threads: 2 });
    const children = childPids(server);
    const clients = await openClients(server.url, 20);
    expect(busyProcesses(await waitForOpen(server.url, 20))).toHaveLength(2);
    await server.stop();
    expect(await server.exited).toEqual({ code: 0, signal: null });
    for (const client of clients) expect((await client.closed).code).toBe(1001);
    for (const pid of children) await waitGone(pid);
  });

  it('a child that dies stops the server: exit 1, naming the child, and the other child exits too', async () => {
    const server = await startServer(uwsProcsSpec, { threads: 2 });
    try {
      const [victim, survivor] = childPids(server) as [number, number];
      process.kill(victim, 'SIGKILL');
      expect(await server.exited).toEqual({ code: 1, signal: null });
      expect(server.stderrTail()).toMatch(new RegExp(`uws-procs: process \\d \\(pid ${victim}\\) was killed by SIGKILL; stopping the server`));
      await waitGone(survivor);
    } finally {
      await server.stop();
    }
  });

  it('children exit when the primary is killed: no orphans', async () => {
    const server = await startServer(uwsProcsSpec, { threads: 2 });
    try {
      const children = childPids(server);
      process.kill(server.pid, 'SIGKILL');
      await server.exited;
      await waitFor(async () => (children.every(isGone) ? true : undefined), 'children to exit after their primary died');
    } finally {
      await server.stop();
    }
  });

  it('a child that cannot load the native binary fails the server with the reason (never a JS fallback)', async () => {
    const missing = join(tmpdir(), `wsarena-uws-procs-absent-${process.pid}.node`);
    // Availability forced: the launcher would refuse the spec; this proves the children refuse too.
    const spec = { ...createUwsProcsSpec({ binaryPath: missing }), availability: () => ({ available: true as const }) };
    await expect(startServer(spec, { threads: 2 })).rejects.toMatchObject({
      code: 'SERVER_EXITED',
      message: expect.stringMatching(
        new RegExp(
          `exited with code 1 before it was ready[^]*uws-procs: process \\d: uWebSockets\\.js native binary unavailable: ${missing.replaceAll('.', '\\.')} does not exist`,
        ),
      ),
    });
  });

  it('refuses a port another process holds with SO_REUSEPORT', async () => {
    const holder = await spawnReusePortListener(0);
    try {
      await expect(startServer(uwsProcsSpec, { port: holder.port, threads: 2 })).rejects.toMatchObject({
        code: 'PORT_IN_USE',
        message: expect.stringContaining(`port ${holder.port} on 127.0.0.1 is already in use`),
      });
    } finally {
      holder.child.kill();
    }
  });
});

/** Every client sends one ECHO and gets it back. */
async function echoFromEach(clients: TestClient[]): Promise<void> {
  await Promise.all(
    clients.map(async (client, i) => {
      const message = buildMessage(Op.ECHO, i, nowUs(), 32);
      client.send(message);
      expect(Buffer.compare(await client.next(), message)).toBe(0);
    }),
  );
}

function figuresOf(stats: StatsSnapshot, index: number): ProcessFigures {
  return perProcess(stats).find((p) => p.process === index)!;
}
