/**
 * The Go reference server, tested on its own: `go test` for the WORK vectors, then the built binary
 * spawned directly (no launcher), driven with the `ws` client. Needs the binary:
 *   bash scripts/build-go.sh && npx vitest run test/servers/go-goroutines.test.ts
 * Without Go (or without the binary) the tests are skipped with the reason, except under CI=true, where
 * a missing Go server is a failure.
 */
import { type ChildProcessByStdio, execFile, spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../protocol/paths.js';
import {
  buildMessage,
  buildWorkReply,
  buildWorkRequest,
  CloseCode,
  HEADER_BYTES,
  MAX_WORK_ITERATIONS,
  nowUs,
  Op,
  READY_PREFIX,
  type ReadyAnnouncement,
  type StatsSnapshot,
  work,
} from '../../protocol/wire.js';
import { GO_GOROUTINES_BINARY, GORILLA_SOURCE_DIR, goGoroutines, goGoroutinesAvailability } from '../../servers/go-goroutines/spec.js';
import { DEFAULT_SERVER_OPTIONS, type ServerOptions } from '../../servers/spec.js';
import { TestClient } from '../contract/client.js';
import { waitFor } from '../contract/wait.js';
import { loadWorkVectors } from '../protocol/work-vectors.js';

const execFileAsync = promisify(execFile);
const IN_CI = process.env['CI'] === 'true';
const READY_TIMEOUT_MS = 10_000;
const MAX_PAYLOAD_BYTES = 16 * 1024 * 1024;

const serverAvailability = goGoroutinesAvailability();
const toolchainAvailable = existsSync(GORILLA_SOURCE_DIR) && (await hasGo());

/** Every server this file started, so none outlives it whatever fails. */
const started = new Set<GoServer>();
afterAll(async () => {
  await Promise.all([...started].map((server) => server.stop()));
});

describe('go-goroutines spec', () => {
  it('describes a goroutine-per-connection Go server with every contract op', () => {
    expect(goGoroutines).toMatchObject({ name: 'go-goroutines', model: 'goroutines', language: 'go' });
    expect(goGoroutines.ops).toEqual([Op.ECHO, Op.WORK, Op.BROADCAST]);
  });

  it('starts the built binary (not dist/) with host, port, GOMAXPROCS and stall flags', () => {
    const base: ServerOptions = { ...DEFAULT_SERVER_OPTIONS };
    expect(goGoroutines.command(base)).toEqual({
      file: GO_GOROUTINES_BINARY,
      args: ['--host', '127.0.0.1', '--port', '0', '--gomaxprocs', '0'],
    });
    expect(GO_GOROUTINES_BINARY).toBe(`${PROJECT_ROOT}/servers/go-goroutines/bin/go-goroutines`);
    // threads wins over cpuCount; cpuCount is the fallback.
    expect(goGoroutines.command({ ...base, threads: 3, cpuCount: 1 }).args).toContain('3');
    expect(goGoroutines.command({ ...base, cpuCount: 1 }).args.slice(4)).toEqual(['--gomaxprocs', '1']);
    expect(goGoroutines.command({ ...base, host: '::1', port: 9000, stall: { everyMs: 200, durationMs: 50 } }).args).toEqual([
      '--host',
      '::1',
      '--port',
      '9000',
      '--gomaxprocs',
      '0',
      '--stall-every-ms',
      '200',
      '--stall-ms',
      '50',
    ]);
  });

  it('reports availability with a fix when it cannot run', () => {
    if (serverAvailability.available) {
      expect(existsSync(GO_GOROUTINES_BINARY)).toBe(true);
    } else {
      expect(serverAvailability.reason).toMatch(/Go is not installed|gorilla|not built/);
      expect(serverAvailability.fix).toContain('bash scripts/build-go.sh');
    }
  });
});

describe('go test (WORK vectors, request checks)', () => {
  if (!toolchainAvailable) {
    skipOrFail('Go with gorilla/websocket is not installed');
    return;
  }
  it('passes', async () => {
    const { stdout } = await execFileAsync('bash', ['scripts/build-go.sh', '--test'], { cwd: PROJECT_ROOT, timeout: 120_000 });
    expect(stdout).toMatch(/^ok\s/m);
  }, 120_000);
});

describe('go-goroutines server', () => {
  if (!serverAvailability.available) {
    skipOrFail(`${serverAvailability.reason} (fix: ${serverAvailability.fix ?? 'none'})`);
    return;
  }

  it('binary is newer than its Go sources (else: bash scripts/build-go.sh)', () => {
    const builtMs = statSync(GO_GOROUTINES_BINARY).mtimeMs;
    const sourceDir = dirname(GO_GOROUTINES_BINARY).replace(/\/bin$/, '');
    const stale = readdirSync(sourceDir).filter((name) => name.endsWith('.go') && statSync(join(sourceDir, name)).mtimeMs > builtMs);
    expect(stale, 'sources changed since the last build').toEqual([]);
  });

  let server: GoServer;
  beforeAll(async () => {
    server = await startGo({});
  });
  afterAll(async () => {
    await server?.stop();
  });

  async function stats(target: GoServer = server): Promise<StatsSnapshot> {
    const response = await fetch(`http://127.0.0.1:${target.ready.port}/stats`);
    expect(response.status).toBe(200);
    return (await response.json()) as StatsSnapshot;
  }

  function waitForOpen(count: number): Promise<StatsSnapshot> {
    return waitFor(async () => {
      const snapshot = await stats();
      return snapshot.openConnections === count ? snapshot : undefined;
    }, `openConnections == ${count}`);
  }

  /** Opens n clients, runs body, then closes them and waits until the server has seen every close. */
  async function withClients<T>(n: number, body: (clients: TestClient[]) => Promise<T>): Promise<T> {
    const clients = await Promise.all(Array.from({ length: n }, () => TestClient.open(server.ready.url)));
    try {
      return await body(clients);
    } finally {
      await Promise.all(clients.map((client) => client.close()));
      await waitForOpen(0);
    }
  }

  it('announces itself with the knobs it applied', () => {
    const { ready, child } = server;
    expect(ready.server).toBe('go-goroutines');
    expect(ready.url).toBe(`ws://127.0.0.1:${ready.port}/`);
    expect(ready.pid).toBe(child.pid);
    expect(ready.knobs).toMatchObject({
      perMessageDeflate: false,
      maxPayloadBytes: MAX_PAYLOAD_BYTES,
      tcpNoDelay: true,
      idleTimeoutSec: 0,
      readBufferBytes: 4096,
      writeBufferBytes: 4096,
      stallEveryMs: null,
      stallMs: null,
      maxBackpressureBytes: 0,
      library: expect.stringMatching(/^gorilla\/websocket@/),
      // go-os-threads (test/servers/go-os-threads.test.ts) is this binary with lockOsThreads: true.
      lockOsThreads: false,
      maxOsThreads: 30_000,
    });
    expect(ready.knobs['gomaxprocs']).toBeGreaterThanOrEqual(1);
    expect(ready.knobs['threads']).toBe(ready.knobs['gomaxprocs']);
    expect(ready.knobs['goVersion']).toMatch(/^go1\./);
  });

  it('ECHO replies with identical bytes, flags and reserved included, up to 64 KiB', async () => {
    await withClients(1, async ([client]) => {
      const small = buildMessage(Op.ECHO, 7, nowUs(), 100, 0x5a);
      small[2] = 0xab;
      small[3] = 0xcd;
      expect(Buffer.compare(await client!.roundTrip(small), small)).toBe(0);
      const large = buildMessage(Op.ECHO, 8, nowUs(), 64 * 1024);
      expect(Buffer.compare(await client!.roundTrip(large), large)).toBe(0);
      // Pipelined: answered in order, and the reused read buffer never leaks one message into the next.
      const burst = Array.from({ length: 50 }, (_, seq) => buildMessage(Op.ECHO, seq, nowUs(), (seq * 97) % 3000));
      for (const message of burst) client!.send(message);
      for (const message of burst) expect(Buffer.compare(await client!.next(), message)).toBe(0);
    });
  });

  it('WORK computes what protocol/wire.ts work() computes, under the request header', async () => {
    const cases = [
      ...loadWorkVectors().map(({ iterations, seed }) => ({ iterations, seed })),
      { iterations: 12_345, seed: 0xffffffff },
      { iterations: 77, seed: 0x80000000 },
    ];
    await withClients(1, async ([client]) => {
      for (const { iterations, seed } of cases) {
        const request = buildWorkRequest(3, nowUs(), iterations, seed, 0x11);
        const reply = await client!.roundTrip(request);
        expect(Buffer.compare(reply, buildWorkReply(request, work(iterations, seed))), `WORK(${iterations}, ${seed})`).toBe(0);
      }
    });
  });

  it('BROADCAST reaches every connection, the sender included, and is counted', async () => {
    await withClients(3, async (clients) => {
      const before = await waitForOpen(3);
      const message = buildMessage(Op.BROADCAST, 42, nowUs(), 200, 0x03);
      clients[1]!.send(message);
      for (const copy of await Promise.all(clients.map((client) => client.next()))) {
        expect(Buffer.compare(copy, message)).toBe(0);
      }
      const after = await stats();
      expect(after.broadcastDeliveries - before.broadcastDeliveries).toBe(3);
      expect(after.messagesHandled - before.messagesHandled).toBe(1);
    });
  });

  it('GET /stats reports connections and Go runtime figures; ~1 goroutine per connection', async () => {
    const idle = await waitForOpen(0);
    expect(idle).toMatchObject({ server: 'go-goroutines', pid: server.child.pid });
    expect(idle.node).toBeUndefined();
    expect(idle.go!.heapAllocBytes).toBeGreaterThan(0);
    expect(idle.go!.sysBytes).toBeGreaterThan(0);
    expect(idle.go!.numGC).toBeGreaterThanOrEqual(0);
    expect(idle.go!.osThreads).toBeGreaterThanOrEqual(1);
    await withClients(50, async (clients) => {
      const busy = await waitForOpen(50);
      const added = busy.go!.goroutines - idle.go!.goroutines;
      // One goroutine per connection, not two (there is no writer goroutine).
      expect(added).toBeGreaterThanOrEqual(50);
      expect(added).toBeLessThan(100);
      expect(busy.uptimeMs).toBeGreaterThanOrEqual(idle.uptimeMs);
      const echo = buildMessage(Op.ECHO, 1, nowUs(), 8);
      await clients[49]!.roundTrip(echo);
      expect((await stats()).messagesHandled - busy.messagesHandled).toBe(1);
    });
    // The goroutines end with their connections.
    await waitFor(async () => ((await stats()).go!.goroutines <= idle.go!.goroutines + 2 ? true : undefined), 'goroutines to exit');
  });

  it('answers other HTTP requests with 404 and serves pprof', async () => {
    const notFound = await fetch(`http://127.0.0.1:${server.ready.port}/nope`);
    expect(notFound.status).toBe(404);
    await notFound.text();
    const pprof = await fetch(`http://127.0.0.1:${server.ready.port}/debug/pprof/goroutine?debug=1`);
    expect(pprof.status).toBe(200);
    expect(await pprof.text()).toContain('goroutine profile');
  });

  describe('contract violations close only the offending connection', () => {
    const unknownOp = buildMessage(Op.ECHO, 1, 0n, 4);
    unknownOp[0] = 9;
    const cases: Array<{ name: string; message: Uint8Array | string; code: number; reason: string }> = [
      {
        name: 'truncated header',
        message: buildMessage(Op.ECHO, 1, 0n, 0).subarray(0, 8),
        code: CloseCode.TRUNCATED_HEADER,
        reason: `message of 8 bytes is shorter than the ${HEADER_BYTES}-byte header`,
      },
      { name: 'empty message', message: new Uint8Array(0), code: CloseCode.TRUNCATED_HEADER, reason: 'message of 0 bytes is shorter than the 16-byte header' },
      { name: 'unknown op', message: unknownOp, code: CloseCode.UNKNOWN_OP, reason: 'unknown op 9' },
      { name: 'WORK without payload', message: buildMessage(Op.WORK, 1, 0n, 0), code: CloseCode.TRUNCATED_WORK, reason: 'WORK payload of 0 bytes, needs 8' },
      {
        name: 'oversized WORK',
        message: buildWorkRequest(1, 0n, MAX_WORK_ITERATIONS + 1, 1),
        code: CloseCode.WORK_TOO_LARGE,
        reason: `WORK iterations ${MAX_WORK_ITERATIONS + 1} > ${MAX_WORK_ITERATIONS}`,
      },
      { name: 'text frame', message: 'hello', code: CloseCode.UNSUPPORTED_DATA, reason: 'text frames are not part of the wsarena contract' },
    ];

    it.each(cases)('$name → $code', async ({ message, code, reason }) => {
      await withClients(2, async ([offender, bystander]) => {
        const before = await waitForOpen(2);
        if (typeof message === 'string') offender!.sendText(message);
        else offender!.send(message);
        // Messages sent after the violation are not answered: the connection is closing.
        offender!.send(buildMessage(Op.ECHO, 2, nowUs(), 8));
        expect(await offender!.closed).toEqual({ code, reason });
        expect(offender!.pending()).toBe(0);
        const echo = buildMessage(Op.ECHO, 5, nowUs(), 16);
        expect(Buffer.compare(await bystander!.roundTrip(echo), echo)).toBe(0);
        const after = await waitForOpen(1);
        expect(after.protocolCloses - before.protocolCloses).toBe(1);
      });
    });
  });

  describe('lifecycle', () => {
    it('SIGTERM closes connections with 1001 and exits 0', async () => {
      const own = await startGo({});
      const client = await TestClient.open(own.ready.url);
      own.child.kill('SIGTERM');
      expect((await client.closed).code).toBe(1001);
      expect(await own.exited).toEqual({ code: 0, signal: null });
    });

    it('shuts down when the launcher closes its stdin (WSARENA_LIFELINE=stdin)', async () => {
      const own = await startGo({}, { WSARENA_LIFELINE: 'stdin' });
      own.child.stdin.end();
      expect(await own.exited).toEqual({ code: 0, signal: null });
    });

    it('applies --gomaxprocs and reports it', async () => {
      const own = await startGo({ threads: 1 });
      try {
        expect(own.ready.knobs).toMatchObject({ gomaxprocs: 1, threads: 1 });
        expect((await stats(own)).extra).toMatchObject({ gomaxprocs: 1 });
      } finally {
        await own.stop();
      }
    });

    it('stall mode pauses message handling as asked, and reports it', async () => {
      const own = await startGo({ stall: { everyMs: 200, durationMs: 120 } });
      try {
        expect(own.ready.knobs).toMatchObject({ stallEveryMs: 200, stallMs: 120 });
        const client = await TestClient.open(own.ready.url);
        let worstMs = 0;
        const endAt = Date.now() + 700;
        for (let seq = 0; Date.now() < endAt; seq++) {
          const sentAt = performance.now();
          await client.roundTrip(buildMessage(Op.ECHO, seq, nowUs(), 8));
          worstMs = Math.max(worstMs, performance.now() - sentAt);
        }
        // A round trip that arrives during a stall waits for its end: up to 120 ms, and at least some
        // in 700 ms of back-to-back echoes land early in one.
        expect(worstMs).toBeGreaterThanOrEqual(60);
        await client.close();
      } finally {
        await own.stop();
      }
    });

    it('refuses a taken port with the message the launcher recognises, exit 2', async () => {
      const holder = await holdPort();
      const port = (holder.address() as { port: number }).port;
      try {
        const { file, args } = goGoroutines.command({ ...DEFAULT_SERVER_OPTIONS, port });
        const result = await execFileAsync(file, args).then(
          () => ({ code: 0, stderr: '' }),
          (error: { code: number; stderr: string }) => error,
        );
        expect(result.code).toBe(2);
        expect(result.stderr).toContain(`port ${port} on 127.0.0.1 is already in use`);
      } finally {
        await new Promise((resolve) => holder.close(resolve));
      }
    });

    it('rejects bad flags with exit 2', async () => {
      for (const args of [['--port', '70000'], ['--stall-ms', '5'], ['--stall-every-ms', '10', '--stall-ms', '10'], ['--nope']]) {
        const result = await execFileAsync(GO_GOROUTINES_BINARY, args).then(
          () => ({ code: 0 }),
          (error: { code: number }) => error,
        );
        expect(result.code, args.join(' ')).toBe(2);
      }
    });
  });
});

interface GoServer {
  child: ChildProcessByStdio<Writable, Readable, Readable>;
  ready: ReadyAnnouncement;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM, then SIGKILL if it has not exited after 3 s; resolves when it is gone. */
  stop(): Promise<void>;
}

/** Spawns the binary with spec.command() and resolves on its READY line. */
async function startGo(options: Partial<ServerOptions>, env: Record<string, string> = {}): Promise<GoServer> {
  const { file, args } = goGoroutines.command({ ...DEFAULT_SERVER_OPTIONS, ...options });
  const child = spawn(file, args, { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const lines = createInterface({ input: child.stdout });
  const ready = await new Promise<ReadyAnnouncement>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ready line within ${READY_TIMEOUT_MS} ms; stderr: ${stderr}`)), READY_TIMEOUT_MS);
    lines.on('line', (line) => {
      if (!line.startsWith(READY_PREFIX)) return;
      clearTimeout(timer);
      resolve(JSON.parse(line.slice(READY_PREFIX.length)) as ReadyAnnouncement);
    });
    void exited.then((exit) => {
      clearTimeout(timer);
      reject(new Error(`go-goroutines exited (${JSON.stringify(exit)}) before its ready line; stderr: ${stderr}`));
    });
  }).catch((error: unknown) => {
    child.kill('SIGKILL');
    throw error;
  });
  const server: GoServer = {
    child,
    ready,
    exited,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
      await exited;
      clearTimeout(timer);
    },
  };
  started.add(server);
  return server;
}

function holdPort(): Promise<Server> {
  return new Promise((resolve, reject) => {
    const holder = createServer();
    holder.once('error', reject);
    holder.listen(0, '127.0.0.1', () => resolve(holder));
  });
}

async function hasGo(): Promise<boolean> {
  return execFileAsync('go', ['version']).then(
    () => true,
    () => false,
  );
}

/** Outside CI a missing Go server is skipped with the reason; in CI it is a failure. */
function skipOrFail(reason: string): void {
  if (IN_CI) {
    it('is available (required in CI)', () => {
      expect.fail(`go-goroutines is unavailable in CI: ${reason}`);
    });
  } else {
    it.skip(`unavailable here: ${reason}`, () => {});
  }
}
