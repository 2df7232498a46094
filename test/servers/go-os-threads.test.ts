/**
 * go-os-threads: go-goroutines' binary with --lock-os-threads. The wire contract is checked by the
 * contract suite (test/contract, which iterates the registry) and go-goroutines' own tests; this file
 * proves the model: one OS thread per connection, created on connect and gone after close, where
 * go-goroutines multiplexes the same connections over a few threads. Needs the binary:
 *   bash scripts/build-go.sh && npx vitest run test/servers/go-os-threads.test.ts
 * Without Go (or without the binary) the tests are skipped with the reason, except under CI=true, where
 * a missing Go server is a failure.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildMessage, nowUs, Op, type StatsSnapshot } from '../../protocol/wire.js';
import { DEFAULT_MAX_OS_THREADS, GO_GOROUTINES_BINARY, goGoroutines, goGoroutinesAvailability, MAX_OS_THREADS_ARG } from '../../servers/go-goroutines/spec.js';
import { GO_OS_THREADS_NAME, goOsThreads } from '../../servers/go-os-threads/spec.js';
import { fetchStats, type RunningServer, startServer } from '../../servers/launch.js';
import { SERVERS } from '../../servers/registry.js';
import { DEFAULT_SERVER_OPTIONS, type ServerOptions, type ServerSpec } from '../../servers/spec.js';
import { TestClient } from '../contract/client.js';
import { waitFor } from '../contract/wait.js';

const execFileAsync = promisify(execFile);
const IN_CI = process.env['CI'] === 'true';
const READY_TIMEOUT_MS = 10_000;
const CONNECTIONS = 50;
/** Threads the runtime may add or keep besides the connections' own (idle Ms it never frees, sysmon, …). */
const SLACK = 8;

const availability = goOsThreads.availability();

/** Every server this file started, so none outlives it whatever fails. */
const started = new Set<RunningServer>();
afterAll(async () => {
  await Promise.all([...started].map((server) => server.stop()));
});

describe('go-os-threads spec', () => {
  it('is a thread-per-connection Go server with every contract op, right after go-goroutines in the registry', () => {
    expect(goOsThreads).toMatchObject({ name: 'go-os-threads', model: 'thread-per-connection', language: 'go' });
    expect(GO_OS_THREADS_NAME).toBe('go-os-threads');
    expect(goOsThreads.ops).toEqual([Op.ECHO, Op.WORK, Op.BROADCAST]);
    expect(SERVERS['go-os-threads']).toBe(goOsThreads);
    const names = Object.keys(SERVERS);
    expect(names.indexOf('go-os-threads')).toBe(names.indexOf('go-goroutines') + 1);
  });

  it("is go-goroutines' binary and availability, with --lock-os-threads added", () => {
    expect(goOsThreads.availability).toBe(goGoroutinesAvailability);
    expect(goOsThreads.availability()).toEqual(goGoroutines.availability());
    const base: ServerOptions = { ...DEFAULT_SERVER_OPTIONS };
    for (const options of [base, { ...base, threads: 3 }, { ...base, cpuCount: 1, stall: { everyMs: 200, durationMs: 50 } }]) {
      const goroutines = goGoroutines.command(options);
      expect(goOsThreads.command(options)).toEqual({ ...goroutines, args: [...goroutines.args, '--lock-os-threads'] });
    }
    expect(goOsThreads.command(base).file).toBe(GO_GOROUTINES_BINARY);
  });

  it('passes --server-arg max-os-threads through (both Go servers take it), within the range main.go accepts', () => {
    expect(MAX_OS_THREADS_ARG).toMatchObject({ name: 'max-os-threads', min: 100, max: 4_194_304 });
    expect(goOsThreads.serverArgs).toEqual([MAX_OS_THREADS_ARG]);
    expect(goGoroutines.serverArgs).toEqual([MAX_OS_THREADS_ARG]);
    const options = { ...DEFAULT_SERVER_OPTIONS, serverArgs: { 'max-os-threads': 20_000 } };
    expect(goOsThreads.command(options).args.slice(-3)).toEqual(['--max-os-threads', '20000', '--lock-os-threads']);
    expect(goGoroutines.command(options).args.slice(-2)).toEqual(['--max-os-threads', '20000']);
    expect(DEFAULT_MAX_OS_THREADS).toBe(30_000);
  });
});

describe('go-os-threads server', () => {
  if (!availability.available) {
    skipOrFail(`${availability.reason} (fix: ${availability.fix ?? 'none'})`);
    return;
  }

  let osThreads: RunningServer;
  let goroutines: RunningServer;
  beforeAll(async () => {
    [osThreads, goroutines] = await Promise.all([start(goOsThreads), start(goGoroutines)]);
  });

  it('announces itself as go-os-threads with the knobs it applied', async () => {
    expect(osThreads.knobs).toMatchObject({
      lockOsThreads: true,
      maxOsThreads: DEFAULT_MAX_OS_THREADS,
      library: expect.stringMatching(/^gorilla\/websocket@/),
    });
    // `threads` is GOMAXPROCS in both Go models: the threads that run Go code at once.
    expect(osThreads.knobs['threads']).toBe(osThreads.knobs['gomaxprocs']);
    expect(goroutines.knobs).toMatchObject({ lockOsThreads: false, maxOsThreads: DEFAULT_MAX_OS_THREADS });
    const stats = await fetchStats(osThreads.url);
    expect(stats).toMatchObject({ server: 'go-os-threads', pid: osThreads.pid });
    expect((await fetchStats(goroutines.url)).server).toBe('go-goroutines');
  });

  it(`${CONNECTIONS} idle connections hold ${CONNECTIONS} more OS threads, which end with the connections`, async () => {
    const idle = await settledIdle(osThreads);
    const grown = await withClients(osThreads, async () => {
      // The connection threads exist from the handshake on: wait for them rather than sample too early.
      return waitFor(
        async () => {
          const now = await threadCounts(osThreads);
          return now.proc >= idle.proc + CONNECTIONS && now.stats >= idle.stats + CONNECTIONS ? now : undefined;
        },
        `${CONNECTIONS} more OS threads than ${JSON.stringify(idle)}`,
      );
    });
    // One thread per connection, not several.
    expect(grown.proc - idle.proc).toBeLessThan(CONNECTIONS + SLACK);
    // Closed connections' goroutines exit locked, and Go terminates their threads.
    await waitFor(async () => ((await threadCounts(osThreads)).proc <= idle.proc + SLACK ? true : undefined), 'OS threads to fall back', 5_000);
    expect((await fetchStats(osThreads.url)).go!.osThreads!).toBeLessThanOrEqual(idle.stats + SLACK);
  });

  it(`contrast: the same ${CONNECTIONS} connections on go-goroutines share a few OS threads`, async () => {
    const idle = await settledIdle(goroutines);
    const busy = await withClients(goroutines, async () => {
      const stats = await fetchStats(goroutines.url);
      expect(stats.go!.goroutines).toBeGreaterThanOrEqual(CONNECTIONS);
      return threadCounts(goroutines);
    });
    expect(busy.proc - idle.proc).toBeLessThan(SLACK);
    expect(busy.stats - idle.stats).toBeLessThan(SLACK);
  });

  it('applies --server-arg max-os-threads and refuses values out of range with exit 2', async () => {
    const own = await start(goOsThreads, { serverArgs: { 'max-os-threads': 500 } });
    expect(own.knobs).toMatchObject({ lockOsThreads: true, maxOsThreads: 500 });
    await own.stop();
    for (const value of ['99', '4194305', 'many']) {
      const result = await execFileAsync(GO_GOROUTINES_BINARY, ['--lock-os-threads', '--max-os-threads', value]).then(
        () => ({ code: 0, stderr: '' }),
        (error: { code: number; stderr: string }) => error,
      );
      expect(result.code, value).toBe(2);
      expect(result.stderr, value).toMatch(/^go-os-threads: .*-max-os-threads/m);
    }
  });
});

async function start(spec: ServerSpec, options: Partial<ServerOptions> = {}): Promise<RunningServer> {
  const server = await startServer(spec, { port: 0, ...options }, { cpus: null, readyTimeoutMs: READY_TIMEOUT_MS });
  started.add(server);
  return server;
}

/** OS threads of the server now, as /proc/<pid>/status and its own /stats (go.osThreads) count them. */
async function threadCounts(server: RunningServer): Promise<{ proc: number; stats: number }> {
  const status = readFileSync(`/proc/${server.pid}/status`, 'utf8');
  const match = /^Threads:\s*(\d+)$/m.exec(status);
  if (match === null) throw new Error(`no Threads: line in /proc/${server.pid}/status`);
  const stats: StatsSnapshot = await fetchStats(server.url);
  expect(stats.go!.osThreads).toEqual(expect.any(Number));
  return { proc: Number(match[1]), stats: stats.go!.osThreads! };
}

/** The idle thread count once no connection is open and two readings 200 ms apart agree. */
async function settledIdle(server: RunningServer): Promise<{ proc: number; stats: number }> {
  await waitFor(async () => ((await fetchStats(server.url)).openConnections === 0 ? true : undefined), 'openConnections == 0');
  let last = await threadCounts(server);
  return waitFor(async () => {
    await new Promise((resolve) => setTimeout(resolve, 200));
    const now = await threadCounts(server);
    const settled = now.proc === last.proc ? now : undefined;
    last = now;
    return settled;
  }, 'a steady idle thread count');
}

/** Opens CONNECTIONS clients, checks each with one ECHO, runs body while they sit idle, then closes them all. */
async function withClients<T>(server: RunningServer, body: () => Promise<T>): Promise<T> {
  const clients = await Promise.all(Array.from({ length: CONNECTIONS }, () => TestClient.open(server.url)));
  try {
    await waitFor(async () => ((await fetchStats(server.url)).openConnections === CONNECTIONS ? true : undefined), `openConnections == ${CONNECTIONS}`);
    await Promise.all(
      clients.map(async (client, seq) => {
        const echo = buildMessage(Op.ECHO, seq, nowUs(), 8);
        expect(Buffer.compare(await client.roundTrip(echo), echo)).toBe(0);
      }),
    );
    return await body();
  } finally {
    await Promise.all(clients.map((client) => client.close()));
    await waitFor(async () => ((await fetchStats(server.url)).openConnections === 0 ? true : undefined), 'openConnections == 0');
  }
}

/** Outside CI a missing Go server is skipped with the reason; in CI it is a failure. */
function skipOrFail(reason: string): void {
  if (IN_CI) {
    it('is available (required in CI)', () => {
      expect.fail(`go-os-threads is unavailable in CI: ${reason}`);
    });
  } else {
    it.skip(`unavailable here: ${reason}`, () => {});
  }
}
