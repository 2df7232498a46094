import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { LatencySummary } from '../../clients/types.js';
import type { Cell, MeasuredCell, ResourceSample, ResultFile, Verdict } from '../../results/schema.js';
import type { BroadcastSection, IdleSection } from '../../results/sections.js';
import { writeResultFile } from '../../results/writer.js';
import { cell, latency, loadReport, measured, resultFile } from '../fixtures/results.js';

/**
 * A synthetic but realistic result set for the report and browser tests: four servers at three
 * connection counts with repeats, a client-bound cell, a failed worker-per-connection cell, a mixed
 * workload with per-class latency, a core sweep, idle-ramp memory samples, and a hostile file whose
 * strings try to inject script into the dashboard. Deterministic (seeded).
 */

/** mulberry32: a tiny seeded PRNG so the sample is the same on every run. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** n values around a median (µs) with a log-normal spread and a thin tail. */
function latencyValues(rand: () => number, medianUs: number, n = 1500, sigma = 0.35): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const u1 = Math.max(rand(), 1e-9);
    const z = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * rand());
    const tail = rand() < 0.01 ? 4 + rand() * 6 : 1;
    out.push(Math.max(1, Math.round(medianUs * Math.exp(sigma * z) * tail)));
  }
  return out;
}

function verdict(kind: Verdict['verdict'], clientCpu: number, serverCpu: number, sharedCores = false): Verdict {
  const reasons =
    kind === 'client-bound'
      ? [
          `client worker CPU at ${Math.round(clientCpu * 100)}% of a core (≥ 85%)`,
          'this figure is a lower bound on the server: add --client-workers, give the client more CPUs, or lower the load',
        ]
      : kind === 'server-bound'
        ? [`server at ${Math.round(serverCpu * 100)}% of its 1 CPU(s) while the client peaked at ${Math.round(clientCpu * 100)}% of a core`]
        : [sharedCores ? 'server and client share CPU cores: they compete, so neither figure is clean' : 'neither the server nor the client saturated'];
  return {
    verdict: kind,
    reasons,
    numbers: {
      serverCpuCoreFraction: serverCpu,
      serverCpuCount: 1,
      clientCpuCoreFractionMax: clientCpu,
      clientEventLoopDelayP99Ms: 3,
      clientSendLagP99Us: 0,
      achievedToTargetRatio: null,
    },
    sharedCores,
  };
}

function samples(rand: () => number, seconds: number, cpuCores: number, rssBytes: number, fds: number): ResourceSample[] {
  const out: ResourceSample[] = [];
  let cpu = 0;
  for (let t = 0; t <= seconds * 1000; t += 250) {
    out.push({ tMs: t, cpuSeconds: cpu, rssBytes: rssBytes * (1 + 0.02 * rand()), pssBytes: null, threads: 7, fds, processes: 1 });
    cpu += 0.25 * cpuCores * (0.95 + 0.1 * rand());
  }
  return out;
}

interface CellSpec {
  server: string;
  connections: number;
  repeat: number;
  rateHz: number;
  cpuUsPerMessage: number;
  verdict: Verdict['verdict'];
  workload?: string;
  serverCpus?: string;
  mode?: 'closed' | 'open';
  depth?: number;
  targetRateHz?: number | null;
  byClass?: Record<string, LatencySummary> | null;
  corrected?: LatencySummary | null;
  serviceMedianUs?: number;
  status?: MeasuredCell['status'];
  error?: string | null;
  workIterations?: number | null;
  heavyFraction?: number | null;
}

function makeCell(rand: () => number, s: CellSpec): MeasuredCell {
  const workload = s.workload ?? 'echo';
  const mode = s.mode ?? 'closed';
  const depth = s.depth ?? 8;
  const serverCpus = s.serverCpus ?? '0';
  const shared = serverCpus.includes('1');
  const jitter = 1 + (rand() - 0.5) * 0.06;
  const rate = s.rateHz * jitter;
  const durationS = 3;
  const serviceMedian = s.serviceMedianUs ?? Math.max(50, (s.connections * depth * 1e6) / rate / 1.2);
  const clientCpu = s.verdict === 'client-bound' ? 0.97 : 0.55 + 0.2 * rand();
  const serverCpu = s.verdict === 'server-bound' ? 0.97 : shared ? 1.4 : 0.6;
  const base = loadReport();
  const load = loadReport({
    plan: { ...base.plan, connections: s.connections, mode, depth, rateHz: s.targetRateHz ?? null, durationMs: durationS * 1000 },
    connections: { ...base.connections, attempted: s.connections, established: s.connections },
    measuredMs: durationS * 1000,
    counts: { ...base.counts, sent: Math.round(rate * durationS), received: Math.round(rate * durationS) },
    targetRateHz: s.targetRateHz ?? null,
    achievedRateHz: rate,
    corrected: s.corrected ?? null,
    service: latency(latencyValues(rand, serviceMedian)),
    byClass: s.byClass ?? null,
    timeline: Array.from({ length: durationS }, (_, i) => {
      const r = Math.round(rate * (1 + (rand() - 0.5) * 0.08));
      return { second: i, sent: r, received: r, p99Us: Math.round(serviceMedian * (2.5 + rand())) };
    }),
    client: { workers: [{ pid: 1000 + s.repeat, connections: s.connections, cpuCoreFraction: clientCpu, eventLoopDelayP99Ms: 3, sendLagP99Us: 0 }] },
  });
  const failed = s.status === 'failed';
  const cpuSeconds = (s.cpuUsPerMessage * jitter * rate * durationS) / 1e6;
  return measured(
    cell({
      id: `${s.server}/${workload}/c${s.connections}/${serverCpus}/r${s.repeat}`,
      server: s.server,
      params: {
        ...cell().params,
        workload,
        connections: s.connections,
        mode,
        depth,
        rateHz: s.targetRateHz ?? null,
        durationMs: durationS * 1000,
        workIterations: s.workIterations ?? null,
        heavyFraction: s.heavyFraction ?? null,
      },
      repeat: s.repeat,
      status: s.status ?? 'ok',
      error: s.error ?? null,
      pinning: { serverCpus, clientCpus: '1', applied: true, reason: null, sharedCores: shared },
      load: failed ? null : load,
      serverResources: failed
        ? null
        : {
            cpuSeconds,
            cpuCoreFraction: cpuSeconds / durationS,
            cpuUsPerMessage: s.cpuUsPerMessage * jitter,
            rssBytesMax: 80 * 1024 ** 2 + s.connections * 12_000,
            rssBytesEnd: 78 * 1024 ** 2 + s.connections * 12_000,
            threadsMax: 7,
            fdsMax: s.connections + 20,
            processesMax: 1,
            sampleIntervalMs: 250,
            samples: samples(rand, durationS, cpuSeconds / durationS, 80 * 1024 ** 2 + s.connections * 12_000, s.connections + 20),
          },
      serverMessagesHandled: failed ? null : Math.round(rate * durationS),
      verdict: failed ? null : verdict(s.verdict, clientCpu, serverCpu, shared),
    }),
  );
}

/** An idle-ramp cell with its results/sections.ts section: memory grows by bytesPerConnection per open connection. */
function idleCell(rand: () => number, server: string, bytesPerConnection: number, repeat: number, ceiling: number | null = null): Cell {
  const target = 5000;
  const base = makeCell(rand, { server, connections: target, repeat, rateHz: 1, cpuUsPerMessage: 0, verdict: 'inconclusive', workload: 'idle' });
  const points = [];
  for (let step = 0; step <= 10; step++) {
    const wanted = step * 500;
    const open = ceiling === null ? wanted : Math.min(wanted, ceiling);
    const rssBytes = 60 * 1024 ** 2 + open * bytesPerConnection * (1 + (rand() - 0.5) * 0.04);
    points.push({
      step,
      tMs: step * 1500,
      targetConnections: wanted,
      open,
      serverOpen: open,
      rssBytes,
      pssBytes: null,
      fds: open + 20,
      threads: 7,
      processes: 1,
      sockstat: null,
      errors: {},
    });
    if (ceiling !== null && wanted >= ceiling) break;
  }
  const idle: IdleSection = {
    params: { targetConnections: target, steps: 10, holdMs: 1000, finalHoldMs: 2000, pingIntervalMs: 5000, rampPerSec: null, handshakeTimeoutMs: 10_000 },
    points,
    fit: {
      rss: { n: points.length, slope: bytesPerConnection, intercept: 60 * 1024 ** 2, r2: 0.998, slopeStdErr: bytesPerConnection / 200 },
      pss: null,
      kernelTcpMem: null,
    },
    bytesPerConnection: Math.round(bytesPerConnection * (1 + (rand() - 0.5) * 0.04)),
    r2: 0.998,
    memoryBasis: 'rss',
    ceiling: ceiling ?? target,
    stoppedBy: ceiling === null ? 'target reached' : 'handshake ×12, close:1011 ×3',
    errors: ceiling === null ? {} : { handshake: 12 },
    handshake: latency(latencyValues(rand, 900, 300)),
    liveness: {
      pingIntervalMs: 5000,
      pingsSent: 100,
      pongsReceived: 100,
      pongsLate: 0,
      pongsOverdue: 0,
      pongRtt: latency(latencyValues(rand, 300, 100)),
      unexpectedCloses: 0,
      closeCodes: {},
      unexpectedMessages: 0,
    },
  };
  return { ...base, load: null, verdict: null, serverMessagesHandled: null, idle };
}

/** A broadcast cell: time to the last receiver grows with the number of receivers. */
function broadcastCell(rand: () => number, server: string, connections: number, repeat: number, usPerReceiver: number): Cell {
  const base = makeCell(rand, { server, connections, repeat, rateHz: 1, cpuUsPerMessage: 0, verdict: 'inconclusive', workload: 'broadcast' });
  const published = 200;
  const broadcast: BroadcastSection = {
    params: { publishRateHz: 100, publishes: published, payloadBytes: 64, durationMs: 2000, drainMs: 1000, publisher: 0 },
    openAtStart: connections,
    openAtEnd: connections,
    published,
    expected: published * connections,
    delivered: published * connections,
    lost: 0,
    duplicated: 0,
    corrupted: 0,
    unexpected: 0,
    latency: latency(latencyValues(rand, (connections * usPerReceiver) / 2, 800)),
    timeToLast: latency(latencyValues(rand, connections * usPerReceiver, published, 0.2)),
    timeToFirst: latency(latencyValues(rand, 40, published, 0.2)),
    completePublishes: published,
    incompletePublishes: 0,
    publishLagP99Us: 120,
    clientCpuCoreFraction: [0.4],
    serverDeliveries: published * connections,
    unexpectedCloses: 0,
    closeCodes: {},
  };
  return { ...base, load: null, verdict: null, serverMessagesHandled: published, broadcast };
}

/** The sample result files, by file name. */
export function sampleResultFiles(): Array<{ name: string; file: ResultFile }> {
  const rand = prng(42);
  const cells: Cell[] = [];
  // Echo, closed loop depth 8, server on CPU 0: three connection counts, three repeats, servers interleaved.
  const echo: Record<string, { rate: Record<number, number>; cpu: number }> = {
    'ws-loop': { rate: { 100: 55_000, 1000: 60_000, 5000: 52_000 }, cpu: 16 },
    uws: { rate: { 100: 150_000, 1000: 165_000, 5000: 158_000 }, cpu: 5.8 },
    'ws-piscina': { rate: { 100: 30_000, 1000: 32_000, 5000: 31_000 }, cpu: 29 },
    'ws-worker-per-conn': { rate: { 100: 25_000, 1000: 19_000 }, cpu: 41 },
  };
  for (const connections of [100, 1000, 5000]) {
    for (let repeat = 0; repeat < 3; repeat++) {
      for (const [server, spec] of Object.entries(echo)) {
        const rate = spec.rate[connections];
        if (rate === undefined) {
          cells.push(
            makeCell(rand, {
              server,
              connections,
              repeat,
              rateHz: 1,
              cpuUsPerMessage: 0,
              verdict: 'inconclusive',
              status: 'failed',
              error: 'server exited with code 1: pthread_create: Resource temporarily unavailable (EAGAIN) after 4091 threads',
            }),
          );
          continue;
        }
        cells.push(
          makeCell(rand, {
            server,
            connections,
            repeat,
            rateHz: rate,
            cpuUsPerMessage: spec.cpu,
            verdict: server === 'uws' && connections >= 1000 ? 'client-bound' : 'server-bound',
          }),
        );
      }
    }
  }
  // Mixed workload, open loop at 1000 msgs/s: 5% heavy messages of 5M iterations (~9.5 ms each).
  for (let repeat = 0; repeat < 3; repeat++) {
    for (const [server, cheapMedianUs, cpu] of [
      ['ws-loop', 6000, 480],
      ['ws-piscina', 260, 520],
    ] as const) {
      const cheap = latency(latencyValues(rand, cheapMedianUs, 1400, server === 'ws-loop' ? 0.9 : 0.4));
      const heavy = latency(latencyValues(rand, 9800, 80, 0.15));
      cells.push(
        makeCell(rand, {
          server,
          connections: 100,
          repeat,
          rateHz: 1000,
          targetRateHz: 1000,
          mode: 'open',
          depth: 1,
          cpuUsPerMessage: cpu,
          verdict: 'inconclusive',
          workload: 'mixed',
          workIterations: 5_000_000,
          heavyFraction: 0.05,
          serviceMedianUs: cheapMedianUs * 0.8,
          corrected: latency(latencyValues(rand, cheapMedianUs * 1.1, 1500, 0.8)),
          byClass: { cheap, heavy },
        }),
      );
    }
  }
  // Core sweep: the same echo cell at 1000 connections with the server on CPUs 0-1 (shared with the client).
  for (let repeat = 0; repeat < 2; repeat++) {
    cells.push(
      makeCell(rand, { server: 'ws-piscina', connections: 1000, repeat, rateHz: 51_000, cpuUsPerMessage: 31, verdict: 'inconclusive', serverCpus: '0,1' }),
    );
    cells.push(
      makeCell(rand, { server: 'ws-loop', connections: 1000, repeat, rateHz: 58_000, cpuUsPerMessage: 16.5, verdict: 'inconclusive', serverCpus: '0,1' }),
    );
  }
  // Idle ramp: memory against open connections; the worker-per-connection server stops short of the target.
  for (let repeat = 0; repeat < 2; repeat++) {
    cells.push(
      idleCell(rand, 'ws-loop', 9 * 1024, repeat),
      idleCell(rand, 'uws', 2.5 * 1024, repeat),
      idleCell(rand, 'ws-worker-per-conn', 72 * 1024, repeat, 4000),
    );
  }
  // Broadcast: one publisher, every connection receives.
  for (const connections of [100, 1000]) {
    for (let repeat = 0; repeat < 2; repeat++)
      cells.push(broadcastCell(rand, 'ws-loop', connections, repeat, 9), broadcastCell(rand, 'uws', connections, repeat, 2.5));
  }

  const main = resultFile(cells);
  main.tool = { name: 'wsarena', version: '0.1.0', gitCommit: '0123456789abcdef0123456789abcdef01234567', gitDirty: false };
  main.command = ['run', '--server', 'ws-loop,uws,ws-piscina,ws-worker-per-conn', '--connections', '100,1000,5000', '--depth', '8', '--repeat', '3'];
  main.environment = {
    ...main.environment,
    hostname: 'bench-box',
    cpuModel: 'Intel(R) Xeon(R) CPU @ 2.20GHz',
    node: 'v20.20.2',
    libraries: { ws: '8.23.0', 'uWebSockets.js': '20.30.0', piscina: '5.3.2' },
  };

  return [
    { name: 'sample-run.json', file: main },
    { name: 'hostile.json', file: hostileFile() },
  ];
}

/** Strings that would run script if any of them reached innerHTML. The page must show them as text. */
export const HOSTILE = {
  server: '<img src=x onerror="window.__xss=1">',
  error: '</script><script>window.__xss=2</script>',
  hostname: '<script>window.__xss=3</script>',
  reason: '<img src=x onerror=window.__xss=4>',
};

export function hostileFile(): ResultFile {
  const rand = prng(7);
  const good = makeCell(rand, { server: HOSTILE.server, connections: 100, repeat: 0, rateHz: 20_000, cpuUsPerMessage: 12, verdict: 'server-bound' });
  good.verdict = { ...good.verdict!, reasons: [HOSTILE.reason] };
  good.id = `${HOSTILE.server}/echo`;
  const bad = makeCell(rand, {
    server: HOSTILE.server,
    connections: 1000,
    repeat: 0,
    rateHz: 1,
    cpuUsPerMessage: 0,
    verdict: 'inconclusive',
    status: 'failed',
    error: HOSTILE.error,
  });
  const file = resultFile([good, bad]);
  file.environment = { ...file.environment, hostname: HOSTILE.hostname, libraries: { [HOSTILE.server]: HOSTILE.error } };
  file.command = ['run', '--server', HOSTILE.server];
  return file;
}

/** Writes the sample files into dir; returns their paths. */
export function writeSampleResults(dir: string): string[] {
  mkdirSync(dir, { recursive: true });
  return sampleResultFiles().map(({ name, file }) => {
    const path = join(dir, name);
    writeResultFile(path, file);
    return path;
  });
}
