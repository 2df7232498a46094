/**
 * long-poll: the contract's ECHO / WORK / BROADCAST over HTTP long polling (docs/LONG-POLL.md), its
 * /stats, its poll timeout and refusals, autocannon against POST /echo, the suite's long-poll client
 * driver, and `wsarena run --server long-poll`. Spawns dist/: build first (npx tsc -p tsconfig.json).
 */
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAutocannonEcho } from '../../clients/long-poll/autocannon.js';
import { runLongPollLoad } from '../../clients/long-poll/engine.js';
import { buildMessage, buildWorkReply, buildWorkRequest, CloseCode, HEADER_BYTES, MAX_WORK_ITERATIONS, nowUs, Op, work } from '../../protocol/wire.js';
import { errorOf } from '../../results/cell-status.js';
import { readResultFile } from '../../results/reader.js';
import { fetchStats, type RunningServer, startServer } from '../../servers/launch.js';
import { decodeFrames, ECHO_PATH, encodeFrames, httpBase, POLL_END_HEADER, POLL_PATH, SEND_PATH, SESSION_PATH } from '../../servers/long-poll/http-wire.js';
import { SessionStore } from '../../servers/long-poll/sessions.js';
import { DEFAULT_POLL_TIMEOUT_MS, parseLongPollArgs } from '../../servers/long-poll/settings.js';
import { longPollSpec } from '../../servers/long-poll/spec.js';
import { getServer } from '../../servers/registry.js';
import { DEFAULT_SERVER_OPTIONS, type ServerSpec, transportOf } from '../../servers/spec.js';
import { runCli, tempDir } from '../cli/helpers.js';
import { loadPlan } from '../clients/plan-fixture.js';
import { measured } from '../fixtures/results.js';

/** Short, so the timeout case takes well under a second. */
const POLL_TIMEOUT_MS = 400;

/** The registry spec with a short poll timeout appended to its command. */
function withPollTimeout(spec: ServerSpec, ms: number): ServerSpec {
  return {
    ...spec,
    command: (options) => {
      const command = spec.command(options);
      return { ...command, args: [...command.args, '--poll-timeout-ms', String(ms)] };
    },
  };
}

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  ms: number;
}

/** One HTTP request on a fresh connection. */
function call(base: string, method: string, path: string, body?: Uint8Array): Promise<Reply> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${base}${path}`, { method, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), ms: performance.now() - started }));
      res.on('error', reject);
    });
    req.on('error', reject);
    if (body !== undefined) req.setHeader('Content-Type', 'application/octet-stream');
    req.end(body === undefined ? undefined : Buffer.from(body));
  });
}

const availability = longPollSpec.availability();

describe('long-poll spec and flags', () => {
  it('is registered as the long-poll model with the http-long-poll transport', () => {
    expect(getServer('long-poll')).toBe(longPollSpec);
    expect(longPollSpec).toMatchObject({ model: 'long-poll', language: 'node', transport: 'http-long-poll' });
    expect(transportOf(longPollSpec)).toBe('http-long-poll');
    expect(transportOf(getServer('ws-loop'))).toBe('websocket');
    expect(longPollSpec.ops).toEqual([Op.ECHO, Op.WORK, Op.BROADCAST]);
    const command = longPollSpec.command({ ...DEFAULT_SERVER_OPTIONS, threads: 4 });
    expect(command.args.slice(1)).toEqual(['--host', '127.0.0.1', '--port', '0']);
  });

  it('takes --poll-timeout-ms / --session-ttl-ms out of argv and refuses bad values', () => {
    expect(parseLongPollArgs(['--port', '0', '--poll-timeout-ms', '250', '--session-ttl-ms=900'])).toEqual({
      pollTimeoutMs: 250,
      sessionTtlMs: 900,
      rest: ['--port', '0'],
    });
    expect(parseLongPollArgs([]).pollTimeoutMs).toBe(DEFAULT_POLL_TIMEOUT_MS);
    expect(() => parseLongPollArgs(['--poll-timeout-ms', '0'])).toThrow(/--poll-timeout-ms must be an integer/);
    expect(() => parseLongPollArgs(['--poll-timeout-ms'])).toThrow(/needs a value/);
  });

  it('frames poll bodies as u32 LE length + bytes', () => {
    const a = buildMessage(Op.ECHO, 1, 5n, 3);
    const b = buildMessage(Op.BROADCAST, 2, 6n, 0);
    const body = encodeFrames([a, b]);
    expect(body.length).toBe(4 + a.length + 4 + b.length);
    expect(body.readUInt32LE(0)).toBe(a.length);
    expect(decodeFrames(body)).toEqual([a, b]);
    expect(() => decodeFrames(body.subarray(0, body.length - 1))).toThrow(/runs past/);
  });
});

describe('SessionStore', () => {
  const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
  function sink(alive = true) {
    const got: { delivered: Uint8Array[][]; ended: string[] } = { delivered: [], ended: [] };
    return {
      got,
      sink: {
        deliver: (messages: Uint8Array[]) => {
          if (alive) got.delivered.push(messages);
          return alive;
        },
        end: (why: string) => void got.ended.push(why),
      },
    };
  }

  it('batches the messages of one loop turn into one poll answer, and requeues them when the poll is gone', async () => {
    const store = new SessionStore(60_000, 60_000);
    const session = store.open();
    const dead = sink(false);
    store.poll(session, dead.sink);
    const [a, b] = [buildMessage(Op.ECHO, 1, 0n, 1), buildMessage(Op.ECHO, 2, 0n, 2)];
    store.enqueue(session, a);
    store.enqueue(session, b);
    await tick();
    expect(store.figures()).toMatchObject({ hangingPolls: 0, queuedMessages: 2, pollResponses: 0 });
    const live = sink();
    store.poll(session, live.sink);
    expect(live.got.delivered).toEqual([[a, b]]);
    expect(store.figures()).toMatchObject({ queuedMessages: 0, pollResponses: 1 });
    store.closeAll('shutdown');
  });

  it('expires sessions idle for the TTL, dropping their queues; a hanging poll keeps a session alive', () => {
    const store = new SessionStore(60_000, 1_000);
    const idle = store.open(0);
    const polling = store.open(0);
    store.enqueue(idle, buildMessage(Op.ECHO, 1, 0n, 0));
    const held = sink();
    store.poll(polling, held.sink);
    expect(store.sweep(999)).toBe(0);
    expect(store.sweep(1_000)).toBe(1);
    expect(store.touch(idle.id)).toBeUndefined();
    expect(store.touch(polling.id)).toBe(polling);
    expect(store.figures()).toMatchObject({ sessions: 1, expiredSessions: 1, droppedMessages: 1, queuedMessages: 0 });
    store.closeAll('shutdown');
    expect(held.got.ended).toEqual(['shutdown']);
  });
});

describe.skipIf(!availability.available)('long-poll server', () => {
  let server: RunningServer;
  let base: string;

  beforeAll(async () => {
    server = await startServer(withPollTimeout(longPollSpec, POLL_TIMEOUT_MS), { port: 0 }, { cpus: null });
    base = httpBase(server.url);
  });
  afterAll(async () => {
    await server?.stop();
  });

  async function openSession(): Promise<string> {
    const reply = await call(base, 'POST', SESSION_PATH);
    expect(reply.status).toBe(201);
    return (JSON.parse(reply.body.toString('utf8')) as { session: string }).session;
  }

  const poll = (id: string): Promise<Reply> => call(base, 'GET', `${POLL_PATH}?session=${id}`);
  const send = (id: string, message: Uint8Array): Promise<Reply> => call(base, 'POST', `${SEND_PATH}?session=${id}`, message);

  /**
   * Starts a poll and gives the server time to register it before anything is sent. The reply is
   * wrapped: an async function returning the bare promise would wait for the poll to end.
   */
  async function hangingPoll(id: string): Promise<{ reply: Promise<Reply> }> {
    const reply = poll(id);
    await new Promise((resolve) => setTimeout(resolve, 50));
    return { reply };
  }

  it('announces the same ready line as every server, with the long-poll knobs', () => {
    expect(server.url).toBe(`ws://127.0.0.1:${server.port}/`);
    expect(server.knobs).toMatchObject({
      transport: 'http-long-poll',
      threads: 1,
      tcpNoDelay: true,
      keepAlive: true,
      idleTimeoutSec: 0,
      perMessageDeflate: false,
      pollTimeoutMs: POLL_TIMEOUT_MS,
      stallEveryMs: null,
    });
    expect(String(server.knobs['library'])).toMatch(/^node:http@20\./);
  });

  it('ECHO: send + poll returns exactly the bytes sent', async () => {
    const id = await openSession();
    const pending = await hangingPoll(id);
    const message = buildMessage(Op.ECHO, 7, nowUs(), 100, 0x5a);
    message[2] = 0xab;
    message[3] = 0xcd;
    const sent = await send(id, message);
    expect(sent.status).toBe(204);
    const reply = await pending.reply;
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toBe('application/octet-stream');
    const frames = decodeFrames(reply.body);
    expect(frames).toHaveLength(1);
    expect(Buffer.compare(frames[0]!, message)).toBe(0);
  });

  it('WORK: the reply is the request header + work(iterations, seed)', async () => {
    const id = await openSession();
    const pending = await hangingPoll(id);
    const request = buildWorkRequest(3, nowUs(), 1000, 7, 0x11);
    expect((await send(id, request)).status).toBe(204);
    const [reply] = decodeFrames((await pending.reply).body);
    expect(Buffer.compare(reply!, buildWorkReply(request, work(1000, 7)))).toBe(0);
    expect(reply!.readUInt32LE(HEADER_BYTES)).toBe(2660905124);
  });

  it('messages sent while no poll hangs wait in the queue and leave together in the next poll', async () => {
    const id = await openSession();
    const messages = [1, 2, 3].map((seq) => buildMessage(Op.ECHO, seq, nowUs(), 10 * seq));
    for (const m of messages) expect((await send(id, m)).status).toBe(204);
    const reply = await poll(id);
    expect(reply.status).toBe(200);
    expect(reply.ms).toBeLessThan(POLL_TIMEOUT_MS);
    expect(decodeFrames(reply.body)).toEqual(messages);
  });

  it('BROADCAST reaches every session (3), the sender included', async () => {
    const ids = [await openSession(), await openSession(), await openSession()];
    const pending = await Promise.all(ids.map((id) => hangingPoll(id)));
    const before = await fetchStats(server.url);
    const message = buildMessage(Op.BROADCAST, 42, nowUs(), 200, 0x03);
    expect((await send(ids[0]!, message)).status).toBe(204);
    for (const reply of await Promise.all(pending.map((p) => p.reply))) {
      expect(reply.status).toBe(200);
      const frames = decodeFrames(reply.body);
      expect(frames).toHaveLength(1);
      expect(Buffer.compare(frames[0]!, message)).toBe(0);
    }
    const after = await fetchStats(server.url);
    // Sessions opened by earlier cases are still open and get a copy too.
    expect(after.broadcastDeliveries - before.broadcastDeliveries).toBe(before.openConnections);
    expect(before.openConnections).toBeGreaterThanOrEqual(3);
    expect(after.messagesHandled - before.messagesHandled).toBe(1);
    for (const id of ids) expect((await call(base, 'DELETE', `${SESSION_PATH}?session=${id}`)).status).toBe(204);
  });

  it('GET /stats answers the StatsSnapshot JSON every server answers', async () => {
    const id = await openSession();
    const pending = await hangingPoll(id);
    const raw = await call(base, 'GET', '/stats');
    expect(raw.status).toBe(200);
    expect(raw.headers['content-type']).toBe('application/json');
    const stats = JSON.parse(raw.body.toString('utf8')) as Awaited<ReturnType<typeof fetchStats>>;
    expect(stats).toMatchObject({ server: 'long-poll', pid: server.pid });
    for (const field of ['uptimeMs', 'openConnections', 'messagesHandled', 'broadcastDeliveries', 'protocolCloses'] as const) {
      expect(typeof stats[field]).toBe('number');
    }
    expect(stats.openConnections).toBeGreaterThanOrEqual(1);
    const node = stats.node!;
    for (const value of Object.values(node.eventLoopDelayMs)) expect(Number.isFinite(value)).toBe(true);
    expect(node.eventLoopUtilization).toBeGreaterThanOrEqual(0);
    expect(node.eventLoopUtilization).toBeLessThanOrEqual(1);
    expect(node.rssBytes).toBeGreaterThan(0);
    expect(stats.extra).toMatchObject({ sessions: stats.openConnections });
    expect((stats.extra as { hangingPolls: number }).hangingPolls).toBeGreaterThanOrEqual(1);

    const before = await fetchStats(server.url);
    expect((await send(id, buildMessage(Op.ECHO, 1, nowUs(), 8))).status).toBe(204);
    await pending.reply;
    expect((await call(base, 'POST', ECHO_PATH, buildMessage(Op.ECHO, 2, nowUs(), 8))).status).toBe(200);
    const after = await fetchStats(server.url);
    expect(after.messagesHandled - before.messagesHandled).toBe(2);
  });

  it(`a poll with nothing to deliver is answered 204 after the poll timeout (${POLL_TIMEOUT_MS} ms)`, async () => {
    const id = await openSession();
    const reply = await poll(id);
    expect(reply.status).toBe(204);
    expect(reply.headers[POLL_END_HEADER]).toBe('timeout');
    expect(reply.body.length).toBe(0);
    expect(reply.ms).toBeGreaterThanOrEqual(POLL_TIMEOUT_MS - 20);
    expect(reply.ms).toBeLessThan(POLL_TIMEOUT_MS + 1_000);
  });

  it.each([
    {
      name: 'truncated header',
      message: buildMessage(Op.ECHO, 1, 0n, 0).subarray(0, 8),
      code: CloseCode.TRUNCATED_HEADER,
      reason: /shorter than the 16-byte header/,
    },
    { name: 'empty body', message: new Uint8Array(0), code: CloseCode.TRUNCATED_HEADER, reason: /0 bytes/ },
    { name: 'unknown op 9', message: Object.assign(buildMessage(Op.ECHO, 1, 0n, 4), { 0: 9 }), code: CloseCode.UNKNOWN_OP, reason: /unknown op 9/ },
    { name: 'WORK without payload', message: buildMessage(Op.WORK, 1, 0n, 0), code: CloseCode.TRUNCATED_WORK, reason: /WORK payload/ },
    { name: 'oversized WORK', message: buildWorkRequest(1, 0n, MAX_WORK_ITERATIONS + 1, 1), code: CloseCode.WORK_TOO_LARGE, reason: /iterations/ },
  ])('$name → 400 with the reason; the session carries on', async ({ message, code, reason }) => {
    const id = await openSession();
    const before = await fetchStats(server.url);
    const refused = await send(id, message);
    expect(refused.status).toBe(400);
    expect(refused.body.toString('utf8')).toMatch(reason);
    expect(refused.headers['x-wsarena-violation']).toBe(String(code));
    const after = await fetchStats(server.url);
    expect(after.protocolCloses - before.protocolCloses).toBe(1);
    expect(after.messagesHandled - before.messagesHandled).toBe(0);
    // Nothing was queued for the bad message, and the session still works.
    const pending = await hangingPoll(id);
    const echo = buildMessage(Op.ECHO, 5, nowUs(), 16);
    expect((await send(id, echo)).status).toBe(204);
    expect(decodeFrames((await pending.reply).body)).toEqual([echo]);
  });

  it('refuses unknown sessions (404), a missing id (400), other paths (404) and wrong methods (405)', async () => {
    expect((await poll('nope')).status).toBe(404);
    expect((await send('nope', buildMessage(Op.ECHO, 1, 0n, 0))).status).toBe(404);
    expect((await call(base, 'GET', POLL_PATH)).status).toBe(400);
    expect((await call(base, 'GET', '/nope')).status).toBe(404);
    const wrong = await call(base, 'GET', SEND_PATH);
    expect(wrong.status).toBe(405);
    expect(wrong.headers['allow']).toBe('POST');
  });

  it('DELETE /session answers a hanging poll 410 and forgets the session', async () => {
    const id = await openSession();
    const pending = await hangingPoll(id);
    expect((await call(base, 'DELETE', `${SESSION_PATH}?session=${id}`)).status).toBe(204);
    const ended = await pending.reply;
    expect(ended.status).toBe(410);
    expect(ended.headers[POLL_END_HEADER]).toBe('closed');
    expect((await poll(id)).status).toBe(404);
  });

  it('a newer poll of the same session supersedes the older one (204)', async () => {
    const id = await openSession();
    const first = await hangingPoll(id);
    const second = await hangingPoll(id);
    const old = await first.reply;
    expect(old.status).toBe(204);
    expect(old.headers[POLL_END_HEADER]).toBe('superseded');
    const echo = buildMessage(Op.ECHO, 9, nowUs(), 4);
    expect((await send(id, echo)).status).toBe(204);
    expect(decodeFrames((await second.reply).body)).toEqual([echo]);
  });

  it('POST /echo returns the body unchanged', async () => {
    const body = buildMessage(Op.ECHO, 3, nowUs(), 1000);
    const reply = await call(base, 'POST', ECHO_PATH, body);
    expect(reply.status).toBe(200);
    expect(Buffer.compare(reply.body, body)).toBe(0);
  });

  it('autocannon against POST /echo for ~1 s: requests > 0, no errors', async () => {
    const result = await runAutocannonEcho({ url: server.url, connections: 10, durationMs: 1_000, warmupMs: 0, payloadBytes: 64 });
    expect(result.tool).toMatch(/^autocannon@8\./);
    expect(result.requestsCompleted).toBeGreaterThan(0);
    expect(result.requestsPerSec).toBeGreaterThan(0);
    expect(result.errors).toBe(0);
    expect(result.timeouts).toBe(0);
    expect(result.non2xx).toBe(0);
    expect(result.latencyMs.p50).toBeGreaterThanOrEqual(0);
  }, 20_000);

  it('the long-poll client driver, ~1 s at 20 sessions: sent = received + lost, nothing corrupted', async () => {
    const plan = loadPlan({ url: server.url, connections: 20, clientCpus: null, warmupMs: 200, drainMs: 500, handshakeTimeoutMs: 5_000 });
    const phases: string[] = [];
    const before = await fetchStats(server.url);
    const report = await runLongPollLoad(plan, (e) => {
      if (e.type === 'phase') phases.push(e.phase);
    });
    expect(phases).toEqual(['connecting', 'warmup', 'measuring', 'draining', 'done']);
    expect(report.connections).toMatchObject({ attempted: 20, established: 20, unexpectedCloses: 0, errors: {} });
    expect(report.counts.sent).toBeGreaterThan(0);
    expect(report.counts.sent).toBe(report.counts.received + report.counts.lost);
    expect(report.counts.corrupted).toBe(0);
    expect(report.counts.duplicated).toBe(0);
    expect(report.counts.unexpected).toBe(0);
    expect(report.service.count).toBe(report.counts.received);
    expect(report.service.p50Us).toBeGreaterThan(0);
    expect(report.corrected).toBeNull();
    expect(report.client.workers).toHaveLength(1);
    expect(report.achievedRateHz).toBeGreaterThan(0);
    // The workers closed their sessions on exit.
    const after = await fetchStats(server.url);
    expect(after.openConnections).toBe(before.openConnections);
    expect(after.messagesHandled - before.messagesHandled).toBeGreaterThanOrEqual(report.counts.received);
  }, 30_000);

  it('the driver in open loop: paced sends, corrected latency, target vs achieved rate', async () => {
    const plan = loadPlan({ url: server.url, clientCpus: null, mode: 'open', rateHz: 400, warmupMs: 200, drainMs: 500, handshakeTimeoutMs: 5_000 });
    const report = await runLongPollLoad(plan);
    expect(report.counts.sent).toBe(report.counts.received + report.counts.lost);
    expect(report.counts.corrupted).toBe(0);
    // The schedule, not the replies, decides the sends: 400/s for 1 s is 400 window messages.
    expect(report.counts.sent).toBe(400);
    expect(report.targetRateHz).toBe(400);
    expect(report.achievedRateHz).toBeGreaterThan(400 * 0.8);
    expect(report.corrected!.count).toBe(report.counts.received);
    // Corrected latency counts from the intended send time, which is never after the actual one.
    expect(report.corrected!.p50Us).toBeGreaterThanOrEqual(report.service.p50Us * 0.99);
  }, 30_000);

  it('stall mode delays replies as asked, and reports it', async () => {
    const stalled = await startServer(longPollSpec, { stall: { everyMs: 200, durationMs: 120 } }, { cpus: null });
    try {
      expect(stalled.knobs).toMatchObject({ stallEveryMs: 200, stallMs: 120 });
      const stalledBase = httpBase(stalled.url);
      await fetchStats(stalled.url); // starts a fresh event-loop window
      let slowestMs = 0;
      for (let seq = 0; seq < 40; seq++) {
        const reply = await call(stalledBase, 'POST', ECHO_PATH, buildMessage(Op.ECHO, seq, nowUs(), 8));
        slowestMs = Math.max(slowestMs, reply.ms);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      expect(slowestMs).toBeGreaterThanOrEqual(50);
      expect((await fetchStats(stalled.url)).node!.eventLoopDelayMs.max).toBeGreaterThanOrEqual(100);
    } finally {
      await stalled.stop();
    }
  });

  it('stop() answers hanging polls 503, exits 0 and leaves no process', async () => {
    const own = await startServer(longPollSpec, { port: 0 }, { cpus: null });
    const ownBase = httpBase(own.url);
    const opened = await call(ownBase, 'POST', SESSION_PATH);
    const id = (JSON.parse(opened.body.toString('utf8')) as { session: string }).session;
    const pending = call(ownBase, 'GET', `${POLL_PATH}?session=${id}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await own.stop();
    const ended = await pending;
    expect(ended.status).toBe(503);
    expect(ended.headers[POLL_END_HEADER]).toBe('shutdown');
    expect(await own.exited).toEqual({ code: 0, signal: null });
    expect(() => process.kill(own.pid, 0)).toThrow(expect.objectContaining({ code: 'ESRCH' }));
  });
});

describe.skipIf(!availability.available)('wsarena run --server long-poll', () => {
  it('produces a valid result through the runner, with the long-poll driver (exit 0)', async () => {
    const out = join(tempDir(), 'long-poll.json');
    const r = await runCli(['run', '--server', 'long-poll', '--connections', '20', '--duration', '1s', '--warmup', '200ms', '--drain', '500ms', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    const file = readResultFile(out);
    expect(file.state).toBe('complete');
    const cell = measured(file.cells[0]);
    expect(cell.status, errorOf(cell) ?? '').toBe('ok');
    expect(cell.server).toBe('long-poll');
    const load = cell.load!;
    expect(load.connections.established).toBe(20);
    expect(load.counts.sent).toBeGreaterThan(0);
    expect(load.counts.sent).toBe(load.counts.received + load.counts.lost);
    expect(load.counts.corrupted).toBe(0);
    expect(cell.serverInfo!.knobs).toMatchObject({ transport: 'http-long-poll' });
    expect(cell.serverMessagesHandled).toBeGreaterThan(0);
    expect(cell.verdict).not.toBeNull();
    expect(r.stdout).toMatch(/long-poll/);
  }, 60_000);
});
