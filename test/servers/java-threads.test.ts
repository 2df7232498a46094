/**
 * java-threads and java-virtual-threads (servers/java-threads): the JDK self-test (WORK vectors, request
 * checks, handshake, frame rules), then the built server started through the launcher, proving each model
 * is what its name says: a platform thread per connection (OS threads follow connections), virtual threads
 * (OS threads stay near the core count), and pool mode (connection N+1 waits for one of N threads). The
 * common wire contract is checked by test/contract. Needs the build:
 *   bash scripts/build-java.sh && npx tsc -p tsconfig.json && npx vitest run test/servers/java-threads.test.ts
 * Without a JDK (or without the build) the tests are skipped with the reason, except under CI=true, where
 * that is a failure.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
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
  type StatsSnapshot,
  work,
} from '../../protocol/wire.js';
import { JAVA_BUILD_DIR, javaThreadsSpec, javaVirtualThreadsSpec, readJavaBuildStamp } from '../../servers/java-threads/spec.js';
import { fetchStats, type RunningServer, startServer } from '../../servers/launch.js';
import { DEFAULT_SERVER_OPTIONS, type ServerOptions, type ServerSpec } from '../../servers/spec.js';
import { TestClient } from '../contract/client.js';
import { waitFor } from '../contract/wait.js';
import { loadWorkVectors } from '../protocol/work-vectors.js';
import { procThreads } from './proc-status.js';

const execFileAsync = promisify(execFile);
const IN_CI = process.env['CI'] === 'true';
const READY_TIMEOUT_MS = 15_000;
const SOURCE_DIR = join(PROJECT_ROOT, 'servers', 'java-threads', 'src', 'wsarena');

const platformAvailability = javaThreadsSpec.availability();
const virtualAvailability = javaVirtualThreadsSpec.availability();
const jdkHome = await findJdk();

/** Every server this file started, so none outlives it whatever fails. */
const started = new Set<RunningServer>();
afterAll(async () => {
  await Promise.all([...started].map((server) => server.stop()));
});

async function start(spec: ServerSpec, options: Partial<ServerOptions> = {}): Promise<RunningServer> {
  const server = await startServer(spec, options, { readyTimeoutMs: READY_TIMEOUT_MS });
  started.add(server);
  return server;
}

function openClients(server: RunningServer, n: number): Promise<TestClient[]> {
  return Promise.all(Array.from({ length: n }, () => TestClient.open(server.url)));
}

function waitForOpen(server: RunningServer, count: number): Promise<StatsSnapshot> {
  return waitFor(
    async () => {
      const stats = await fetchStats(server.url);
      return stats.openConnections === count ? stats : undefined;
    },
    `openConnections == ${count}`,
    10_000,
  );
}

async function echoWorks(client: TestClient, seq: number): Promise<void> {
  const echo = buildMessage(Op.ECHO, seq, nowUs(), 32);
  expect(Buffer.compare(await client.roundTrip(echo), echo)).toBe(0);
}

describe('java specs', () => {
  it('availability matches the build stamp', () => {
    const stamp = readJavaBuildStamp();
    if (platformAvailability.available) {
      expect(stamp).not.toBeNull();
      expect(existsSync(join(JAVA_BUILD_DIR, 'wsarena', 'Main.class'))).toBe(true);
    } else {
      expect(platformAvailability.reason).toMatch(/no JDK|not built|is gone/);
      expect(platformAvailability.fix).toContain('bash scripts/build-java.sh');
    }
    if (stamp !== null && stamp.feature < 21) {
      expect(virtualAvailability).toMatchObject({ available: false, reason: expect.stringContaining('virtual threads need JDK 21+') });
    }
    if (virtualAvailability.available) expect(platformAvailability.available).toBe(true);
  });

  it('command: java -cp <build> wsarena.Main with the thread kind, max-threads and carrier parallelism', () => {
    const base = { ...DEFAULT_SERVER_OPTIONS, threads: 4, stall: { everyMs: 100, durationMs: 10 } };
    const platform = javaThreadsSpec.command({ ...base, serverArgs: { 'max-threads': 7 } });
    expect(platform.file).toMatch(/\/bin\/java$|^java$/);
    // --threads is not passed: threads follow connections.
    expect(platform.args).toEqual([
      '-cp',
      JAVA_BUILD_DIR,
      'wsarena.Main',
      '--thread-kind',
      'platform',
      '--host',
      '127.0.0.1',
      '--port',
      '0',
      '--max-threads',
      '7',
      '--stall-every-ms',
      '100',
      '--stall-ms',
      '10',
    ]);
    expect(javaThreadsSpec.command({ ...DEFAULT_SERVER_OPTIONS }).args).not.toContain('--max-threads');
    expect(javaThreadsSpec.serverArgs).toEqual([expect.objectContaining({ name: 'max-threads', min: 1, max: 20_000 })]);
    const virtual = javaVirtualThreadsSpec.command({ ...base, threads: null, cpuCount: 2, stall: null });
    expect(virtual.args).toEqual([
      '-Djdk.virtualThreadScheduler.parallelism=2',
      '-cp',
      JAVA_BUILD_DIR,
      'wsarena.Main',
      '--thread-kind',
      'virtual',
      '--host',
      '127.0.0.1',
      '--port',
      '0',
      '--threads',
      '2',
    ]);
    expect(javaVirtualThreadsSpec.command({ ...DEFAULT_SERVER_OPTIONS }).args[0]).toBe('-cp');
  });
});

describe('JDK self-test (bash scripts/build-java.sh --test)', () => {
  if (jdkHome === null) {
    skipOrFail('no JDK with javac found');
    return;
  }
  it('passes: WORK vectors, checkRequest codes and reasons, handshake, frame rules', async () => {
    const { stdout } = await execFileAsync('bash', ['scripts/build-java.sh', '--test'], { cwd: PROJECT_ROOT, timeout: 120_000 });
    expect(stdout).toMatch(/^ok wsarena\.SelfTest \d+ checks \(8 WORK vectors\)/m);
  }, 120_000);
});

describe('java-threads', () => {
  if (!platformAvailability.available) {
    skipOrFail(`${platformAvailability.reason} (fix: ${platformAvailability.fix ?? 'none'})`);
    return;
  }

  it('build is newer than its sources (else: bash scripts/build-java.sh)', () => {
    const builtMs = statSync(join(JAVA_BUILD_DIR, 'jdk.json')).mtimeMs;
    const stale = readdirSync(SOURCE_DIR).filter((name) => statSync(join(SOURCE_DIR, name)).mtimeMs > builtMs);
    expect(stale, 'sources changed since the last build').toEqual([]);
  });

  let server: RunningServer;
  beforeAll(async () => {
    server = await start(javaThreadsSpec);
  });

  it('announces the knobs it applied, JVM ergonomics included', () => {
    const stamp = readJavaBuildStamp()!;
    expect(server.knobs).toMatchObject({
      library: 'jdk java.net + hand-written RFC 6455',
      threadKind: 'platform',
      maxThreads: null,
      threads: 1,
      carrierParallelism: null,
      perMessageDeflate: false,
      maxPayloadBytes: 16 * 1024 * 1024,
      tcpNoDelay: true,
      idleTimeoutSec: 0,
      maxBackpressureBytes: 0,
      stallEveryMs: null,
      stallMs: null,
      broadcastVia: expect.stringContaining('sender thread'),
    });
    expect(String(server.knobs['javaVersion'])).toMatch(new RegExp(`^${stamp.feature}\\b`));
    expect(server.knobs['javaVendor']).toEqual(expect.any(String));
    expect(String(server.knobs['gc']).length).toBeGreaterThan(0);
    expect(server.knobs['xssBytes']).toBeGreaterThan(0);
    expect(server.knobs['xmxBytes']).toBeGreaterThan(0);
  });

  it('one platform thread per connection: 50 open → /stats liveThreads and /proc Threads +50; closed → back', async () => {
    const idle = await waitForOpen(server, 0);
    expect(idle.java).toMatchObject({
      liveThreads: expect.any(Number),
      peakThreads: expect.any(Number),
      gcCount: expect.any(Number),
      gcTimeMs: expect.any(Number),
    });
    // G1 counts a region as used only once it is retired, so an idle heap may read 0.
    expect(idle.java!.heapUsedBytes).toBeGreaterThanOrEqual(0);
    const baselineOs = procThreads(server.pid);
    const clients = await openClients(server, 50);
    try {
      const busy = await waitForOpen(server, 50);
      expect(busy.java!.liveThreads - idle.java!.liveThreads).toBeGreaterThanOrEqual(50);
      expect(busy.java!.liveThreads - idle.java!.liveThreads).toBeLessThan(60);
      expect(procThreads(server.pid) - baselineOs).toBeGreaterThanOrEqual(50);
      expect(busy.extra).toMatchObject({ threadKind: 'platform', threadStartFailures: 0 });
      await echoWorks(clients[49]!, 1);
    } finally {
      await Promise.all(clients.map((client) => client.close()));
    }
    await waitFor(async () => ((await fetchStats(server.url)).java!.liveThreads <= idle.java!.liveThreads + 2 ? true : undefined), 'threads to end', 10_000);
    await waitFor(async () => (procThreads(server.pid) <= baselineOs + 2 ? true : undefined), '/proc threads to fall back', 10_000);
  });

  it('ECHO up to 64 KiB and pipelined; WORK matches wire.ts work()', async () => {
    const [client] = await openClients(server, 1);
    try {
      const small = buildMessage(Op.ECHO, 7, nowUs(), 100, 0x5a);
      small[2] = 0xab;
      small[3] = 0xcd;
      expect(Buffer.compare(await client!.roundTrip(small), small)).toBe(0);
      const large = buildMessage(Op.ECHO, 8, nowUs(), 64 * 1024);
      expect(Buffer.compare(await client!.roundTrip(large), large)).toBe(0);
      const burst = Array.from({ length: 50 }, (_, seq) => buildMessage(Op.ECHO, seq, nowUs(), (seq * 97) % 6000));
      for (const message of burst) client!.send(message);
      for (const message of burst) expect(Buffer.compare(await client!.next(), message)).toBe(0);
      const cases = [...loadWorkVectors(), { iterations: 12_345, seed: 0xffffffff }, { iterations: 77, seed: 0x80000000 }];
      for (const { iterations, seed } of cases) {
        const request = buildWorkRequest(3, nowUs(), iterations, seed, 0x11);
        expect(Buffer.compare(await client!.roundTrip(request), buildWorkReply(request, work(iterations, seed))), `WORK(${iterations}, ${seed})`).toBe(0);
      }
    } finally {
      await client!.close();
    }
  });

  describe('contract violations: exact codes and reasons (those of wire.ts and go-goroutines)', () => {
    const unknownOp = buildMessage(Op.ECHO, 1, 0n, 4);
    unknownOp[0] = 9;
    const cases: Array<{ name: string; message: Uint8Array | string; code: number; reason: string }> = [
      {
        name: 'truncated header',
        message: buildMessage(Op.ECHO, 1, 0n, 0).subarray(0, 8),
        code: CloseCode.TRUNCATED_HEADER,
        reason: `message of 8 bytes is shorter than the ${HEADER_BYTES}-byte header`,
      },
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
      const [offender] = await openClients(server, 1);
      const before = await waitForOpen(server, 1);
      if (typeof message === 'string') offender!.sendText(message);
      else offender!.send(message);
      offender!.send(buildMessage(Op.ECHO, 2, nowUs(), 8)); // after the violation: ignored
      expect(await offender!.closed).toEqual({ code, reason });
      expect(offender!.pending()).toBe(0);
      const after = await waitForOpen(server, 0);
      expect(after.protocolCloses - before.protocolCloses).toBe(1);
    });
  });

  describe('RFC 6455 by hand', () => {
    it('answers ping with pong, and assembles a fragmented message with a ping between its fragments', async () => {
      const raw = await RawClient.upgrade(server.port);
      try {
        raw.write(clientFrame(0x9, Buffer.from('hi')));
        expect(await raw.frame()).toEqual({ opcode: 0xa, fin: true, payload: Buffer.from('hi') });
        const echo = buildMessage(Op.ECHO, 9, nowUs(), 300);
        raw.write(clientFrame(0x2, echo.subarray(0, 5), false));
        raw.write(clientFrame(0x9, Buffer.from('x')));
        raw.write(clientFrame(0x0, echo.subarray(5, 100), false));
        raw.write(clientFrame(0x0, echo.subarray(100), true));
        expect(await raw.frame()).toEqual({ opcode: 0xa, fin: true, payload: Buffer.from('x') });
        const reply = await raw.frame();
        expect(reply.opcode).toBe(0x2);
        expect(Buffer.compare(reply.payload, echo)).toBe(0);
        // A client-initiated close is echoed with the client's code.
        raw.write(clientFrame(0x8, Buffer.from([0x03, 0xe8])));
        expect(await raw.frame()).toEqual({ opcode: 0x8, fin: true, payload: Buffer.from([0x03, 0xe8]) });
      } finally {
        raw.destroy();
      }
    });

    it('unmasked client frame → 1002; a message over 16 MiB → 1009; neither counts as a protocol close', async () => {
      const before = await waitForOpen(server, 0);
      const unmasked = await RawClient.upgrade(server.port);
      unmasked.write(clientFrame(0x2, buildMessage(Op.ECHO, 1, 0n, 4), true, false));
      const close1002 = await unmasked.frame();
      expect(close1002.opcode).toBe(0x8);
      expect(close1002.payload.readUInt16BE(0)).toBe(1002);
      unmasked.destroy();

      const huge = await RawClient.upgrade(server.port);
      const header = Buffer.alloc(14);
      header[0] = 0x82;
      header[1] = 0x80 | 127;
      header.writeBigUInt64BE(BigInt(16 * 1024 * 1024 + 1), 2);
      huge.write(header); // mask bytes are the zeros at 10..13; the payload never comes
      const close1009 = await huge.frame();
      expect(close1009.opcode).toBe(0x8);
      expect(close1009.payload.readUInt16BE(0)).toBe(1009);
      huge.destroy();

      const after = await waitForOpen(server, 0);
      expect(after.protocolCloses).toBe(before.protocolCloses);
      expect((after.extra as { framingErrors: number }).framingErrors - (before.extra as { framingErrors: number }).framingErrors).toBe(2);
    });

    it('never negotiates permessage-deflate; 426 for a wrong version, 400 for a bad key, 404 for other HTTP', async () => {
      const raw = await RawClient.upgrade(server.port, 'Sec-WebSocket-Extensions: permessage-deflate\r\n');
      expect(raw.head).toMatch(/^HTTP\/1\.1 101 /);
      expect(raw.head.toLowerCase()).not.toContain('sec-websocket-extensions');
      raw.destroy();
      expect(await httpStatus(server.port, upgradeRequest('/x', { version: '8' }))).toMatch(/^HTTP\/1\.1 426 /);
      expect(await httpStatus(server.port, upgradeRequest('/x', { key: 'short' }))).toMatch(/^HTTP\/1\.1 400 /);
      expect(await httpStatus(server.port, 'GET /nope HTTP/1.1\r\nHost: x\r\n\r\n')).toMatch(/^HTTP\/1\.1 404 /);
      expect(await httpStatus(server.port, 'POST /stats HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n')).toMatch(/^HTTP\/1\.1 404 /);
    });
  });

  describe('launch contract', () => {
    it('refuses bad flags with one stderr line and exit 2', async () => {
      const { file } = javaThreadsSpec.command({ ...DEFAULT_SERVER_OPTIONS });
      const main = ['-cp', JAVA_BUILD_DIR, 'wsarena.Main'];
      const bad: Array<[string[], RegExp]> = [
        [['--threads', '4'], /--threads "4" is not supported/],
        [['--port', '70000'], /--port "70000": must be an integer from 0 to 65535/],
        [['--max-threads', '0'], /--max-threads "0": must be an integer from 1 to 20000/],
        [['--thread-kind', 'virtual', '--max-threads', '3'], /--max-threads "3" is not supported with --thread-kind virtual/],
        [['--thread-kind', 'green'], /--thread-kind "green": allowed: platform, virtual/],
        [['--stall-ms', '5'], /must be given together/],
        [['--stall-every-ms', '10', '--stall-ms', '10'], /must be less than/],
        [['--nope', '1'], /unknown flag --nope/],
      ];
      for (const [args, message] of bad) {
        const result = await execFileAsync(file, [...main, ...args]).then(
          () => ({ code: 0, stderr: '' }),
          (error: { code: number; stderr: string }) => error,
        );
        expect(result.code, args.join(' ')).toBe(2);
        expect(result.stderr, args.join(' ')).toMatch(message);
        expect(result.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
      }
    });

    it('refuses a taken port with the message the launcher recognises, exit 2', async () => {
      const holder = await holdPort();
      const port = (holder.address() as { port: number }).port;
      try {
        const { file, args } = javaThreadsSpec.command({ ...DEFAULT_SERVER_OPTIONS, port });
        const result = await execFileAsync(file, args).then(
          () => ({ code: 0, stderr: '' }),
          (error: { code: number; stderr: string }) => error,
        );
        expect(result.code).toBe(2);
        expect(result.stderr.trim()).toBe(`java-threads: port ${port} on 127.0.0.1 is already in use`);
      } finally {
        await new Promise((resolve) => holder.close(resolve));
      }
    });

    it('shuts down on end-of-file on stdin (the launcher lifeline), closing connections with 1001', async () => {
      const { file, args } = javaThreadsSpec.command({ ...DEFAULT_SERVER_OPTIONS });
      const { spawn } = await import('node:child_process');
      const child = spawn(file, args, { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, WSARENA_LIFELINE: 'stdin' } });
      const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
      try {
        const url = await new Promise<string>((resolve, reject) => {
          let out = '';
          child.stdout.on('data', (chunk: Buffer) => {
            out += chunk.toString('utf8');
            const match = /WSARENA_READY (.*)\n/.exec(out);
            if (match !== null) resolve((JSON.parse(match[1]!) as { url: string }).url);
          });
          void exited.then(() => reject(new Error('exited before ready')));
        });
        const client = await TestClient.open(url);
        const startedAt = Date.now();
        child.stdin.end();
        expect((await client.closed).code).toBe(1001);
        expect(await exited).toEqual({ code: 0, signal: null });
        expect(Date.now() - startedAt).toBeLessThan(2_500);
      } finally {
        child.kill('SIGKILL');
      }
    });
  });

  describe('pool mode (--max-threads 3): the servlet-container model', () => {
    it('starves connection 4 while 3 hold the pool, and serves it once one closes', async () => {
      const pool = await start(javaThreadsSpec, { serverArgs: { 'max-threads': 3 } });
      expect(pool.knobs).toMatchObject({ maxThreads: 3, threads: 3, threadKind: 'platform' });
      const holders = await openClients(pool, 3);
      let fourth: TestClient | null = null;
      const opening = TestClient.open(pool.url).then((client) => (fourth = client));
      try {
        await new Promise((resolve) => setTimeout(resolve, 1_500));
        expect(fourth, 'the 4th handshake was answered while all 3 threads were held').toBeNull();
        for (const [i, holder] of holders.entries()) await echoWorks(holder, i);
        await holders[0]!.close();
        const served = await opening;
        await echoWorks(served, 10);
        // /stats too waits for a pool thread: one is free only once another connection closes.
        await holders[1]!.close();
        const stats = await fetchStats(pool.url);
        expect(stats.openConnections).toBe(2);
        expect(stats.extra).toMatchObject({ poolThreadsBusy: 3 });
        await served.close();
      } finally {
        await Promise.all(holders.map((holder) => holder.close()));
        await opening.then(
          (client) => client.close(),
          () => {},
        );
        await pool.stop();
      }
    });
  });
});

describe('java-virtual-threads', () => {
  if (!virtualAvailability.available) {
    skipOrFail(
      `${virtualAvailability.reason} (fix: ${virtualAvailability.fix ?? 'none'})`,
      !platformAvailability.available || (readJavaBuildStamp()?.feature ?? 0) >= 21,
    );
    return;
  }

  it('200 connections on a few OS threads: /proc Threads stays far below the connection count', async () => {
    const server = await start(javaVirtualThreadsSpec);
    expect(server.knobs).toMatchObject({ threadKind: 'virtual', maxThreads: null, library: 'jdk java.net + hand-written RFC 6455' });
    expect(server.knobs['threads']).toBe(server.knobs['carrierParallelism']);
    const idle = await waitForOpen(server, 0);
    const clients = await openClients(server, 200);
    try {
      const busy = await waitForOpen(server, 200);
      await Promise.all(clients.map((client, i) => echoWorks(client, i)));
      const osThreads = procThreads(server.pid);
      expect(osThreads).toBeLessThan(60);
      expect(busy.java!.liveThreads - idle.java!.liveThreads).toBeLessThan(20);
      // 200 connections + the connection serving this /stats request.
      expect(busy.extra).toMatchObject({ threadKind: 'virtual', connectionThreads: 201 });
      // BROADCAST from a virtual thread reaches all 200.
      const message = buildMessage(Op.BROADCAST, 42, nowUs(), 64, 0x03);
      clients[7]!.send(message);
      for (const copy of await Promise.all(clients.map((client) => client.next()))) expect(Buffer.compare(copy, message)).toBe(0);
      expect((await fetchStats(server.url)).broadcastDeliveries - busy.broadcastDeliveries).toBe(200);
    } finally {
      await Promise.all(clients.map((client) => client.close()));
      await server.stop();
    }
  }, 30_000);

  it('threads = carrier parallelism, set on the java command line', async () => {
    const server = await start(javaVirtualThreadsSpec, { threads: 1 });
    try {
      expect(server.knobs).toMatchObject({ threads: 1, carrierParallelism: 1 });
      const [client] = await openClients(server, 1);
      await echoWorks(client!, 1);
      await client!.close();
    } finally {
      await server.stop();
    }
  });
});

/** A WebSocket client at the frame level, for what `ws` will not send (unmasked frames, odd fragmentation). */
class RawClient {
  private buffer: Buffer;
  private wake: (() => void) | null = null;
  private ended = false;

  private constructor(
    private readonly socket: Socket,
    readonly head: string,
    rest: Buffer,
  ) {
    this.buffer = rest;
    socket.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      this.wake?.();
    });
    socket.on('close', () => {
      this.ended = true;
      this.wake?.();
    });
    socket.on('error', () => {});
  }

  static async upgrade(port: number, extraHeaders = ''): Promise<RawClient> {
    const socket = connect(port, '127.0.0.1');
    socket.write(upgradeRequest('/raw', { extra: extraHeaders }));
    let data = Buffer.alloc(0);
    for (;;) {
      const chunk = await new Promise<Buffer>((resolve, reject) => {
        socket.once('data', resolve);
        socket.once('error', reject);
      });
      data = Buffer.concat([data, chunk]);
      const end = data.indexOf('\r\n\r\n');
      if (end >= 0) {
        socket.pause();
        const client = new RawClient(socket, data.subarray(0, end + 4).toString('latin1'), data.subarray(end + 4));
        socket.resume();
        return client;
      }
    }
  }

  write(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  /** The next server frame (servers never mask). */
  async frame(timeoutMs = 5_000): Promise<{ opcode: number; fin: boolean; payload: Buffer }> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const parsed = parseFrame(this.buffer);
      if (parsed !== null) {
        this.buffer = this.buffer.subarray(parsed.size);
        return parsed.frame;
      }
      if (this.ended || Date.now() > deadline) throw new Error('no complete frame from the server');
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        setTimeout(resolve, 50);
      });
    }
  }

  destroy(): void {
    this.socket.destroy();
  }
}

function parseFrame(buffer: Buffer): { frame: { opcode: number; fin: boolean; payload: Buffer }; size: number } | null {
  if (buffer.length < 2) return null;
  let length = buffer[1]! & 0x7f;
  let offset = 2;
  if (length === 126) {
    if (buffer.length < 4) return null;
    length = buffer.readUInt16BE(2);
    offset = 4;
  } else if (length === 127) {
    if (buffer.length < 10) return null;
    length = Number(buffer.readBigUInt64BE(2));
    offset = 10;
  }
  if (buffer.length < offset + length) return null;
  return {
    frame: { opcode: buffer[0]! & 0x0f, fin: (buffer[0]! & 0x80) !== 0, payload: Buffer.from(buffer.subarray(offset, offset + length)) },
    size: offset + length,
  };
}

function clientFrame(opcode: number, payload: Uint8Array, fin = true, masked = true): Buffer {
  const length = payload.length;
  const lengthBytes = length < 126 ? 0 : length < 65536 ? 2 : 8;
  const head = Buffer.alloc(2 + lengthBytes + (masked ? 4 : 0));
  head[0] = (fin ? 0x80 : 0) | opcode;
  head[1] = (masked ? 0x80 : 0) | (lengthBytes === 0 ? length : lengthBytes === 2 ? 126 : 127);
  if (lengthBytes === 2) head.writeUInt16BE(length, 2);
  if (lengthBytes === 8) head.writeBigUInt64BE(BigInt(length), 2);
  if (!masked) return Buffer.concat([head, payload]);
  const mask = randomBytes(4);
  mask.copy(head, 2 + lengthBytes);
  const body = Buffer.from(payload);
  for (let i = 0; i < body.length; i++) body[i]! ^= mask[i & 3]!;
  return Buffer.concat([head, body]);
}

function upgradeRequest(path: string, options: { version?: string; key?: string; extra?: string }): string {
  return (
    `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
    `Sec-WebSocket-Version: ${options.version ?? '13'}\r\nSec-WebSocket-Key: ${options.key ?? randomBytes(16).toString('base64')}\r\n` +
    `${options.extra ?? ''}\r\n`
  );
}

/** Sends a raw HTTP request and returns the status line. */
function httpStatus(port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(request));
    let data = '';
    socket.on('data', (chunk: Buffer) => {
      data += chunk.toString('latin1');
      const end = data.indexOf('\r\n');
      if (end >= 0) {
        socket.destroy();
        resolve(data.slice(0, end));
      }
    });
    socket.on('error', reject);
    socket.on('close', () => resolve(data));
  });
}

function holdPort(): Promise<Server> {
  return new Promise((resolve, reject) => {
    const holder = createServer();
    holder.once('error', reject);
    holder.listen(0, '127.0.0.1', () => resolve(holder));
  });
}

/** The JDK build-java.sh would use, or null. */
async function findJdk(): Promise<string | null> {
  return execFileAsync('bash', ['scripts/build-java.sh', '--find-jdk'], { cwd: PROJECT_ROOT }).then(
    ({ stdout }) => stdout.trim(),
    () => null,
  );
}

/** Outside CI a missing JDK or build is skipped with the reason; in CI (when required) it is a failure. */
function skipOrFail(reason: string, required = true): void {
  if (IN_CI && required) {
    it('is available (required in CI)', () => {
      expect.fail(`unavailable in CI: ${reason}`);
    });
  } else {
    it.skip(`unavailable here: ${reason}`, () => {});
  }
}
