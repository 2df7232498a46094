/** `wsarena serve NAME`: one server in the foreground, reachable by any client, stopped cleanly by a signal. */
import { spawn } from 'node:child_process';
import { type AddressInfo, createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { buildMessage, nowUs, Op } from '../../protocol/wire.js';
import { isGone, waitFor, waitGone } from '../contract/wait.js';
import { CLI, runCli } from './helpers.js';

/** Starts `wsarena serve …` and resolves once it has printed its URL and pid. */
function serve(args: string[]) {
  const child = spawn(process.execPath, [CLI, 'serve', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal })),
  );
  const ready = waitFor(
    async () => {
      const pid = /^pid\s+(\d+)$/m.exec(stdout);
      return pid ? { url: stdout.split('\n')[0]!, pid: Number(pid[1]) } : undefined;
    },
    'the URL and pid on stdout',
    20_000,
  );
  return { child, ready, exited, output: () => ({ stdout, stderr }) };
}

/** One contract ECHO round trip through a plain `ws` client. */
async function echoThrough(url: string): Promise<Buffer> {
  const ws = new WebSocket(url, { perMessageDeflate: false });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const message = buildMessage(Op.ECHO, 1, nowUs(), 48);
  const reply = new Promise<Buffer>((resolve) => ws.once('message', (data) => resolve(data as Buffer)));
  ws.send(message, { binary: true });
  const echoed = await reply;
  ws.close();
  expect(echoed.equals(message)).toBe(true);
  return echoed;
}

describe('wsarena serve', () => {
  it('prints a URL a plain ws client can echo through, and exits 0 on SIGINT leaving no process', async () => {
    const s = serve(['ws-loop']);
    const { url, pid } = await s.ready;
    expect(url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/$/);
    expect(s.output().stdout).toMatch(/^server\s+ws-loop \(event-loop, node\)$/m);
    expect(s.output().stdout).toMatch(/^knobs\s+library=ws@/m);
    expect(isGone(pid)).toBe(false);

    await echoThrough(url);

    s.child.kill('SIGINT');
    const exit = await s.exited;
    expect(exit, s.output().stderr).toEqual({ code: 0, signal: null });
    expect(s.output().stderr).toMatch(/SIGINT: stopping ws-loop/);
    await waitGone(pid);
  }, 30_000);

  it('SIGTERM stops it the same way; --port and --no-pin are applied', async () => {
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));

    const s = serve(['ws-loop', '--port', String(port), '--no-pin']);
    const { url, pid } = await s.ready;
    expect(url).toBe(`ws://127.0.0.1:${port}/`);
    expect(s.output().stdout).toMatch(/^cpus\s+unpinned$/m);
    s.child.kill('SIGTERM');
    expect((await s.exited).code).toBe(0);
    await waitGone(pid);
  }, 30_000);

  it('a port in use is a clear error and exit 2', async () => {
    const holder = createServer();
    await new Promise<void>((r) => holder.listen(0, '127.0.0.1', r));
    const port = (holder.address() as AddressInfo).port;
    try {
      const r = await runCli(['serve', 'ws-loop', '--port', String(port)], { timeoutMs: 20_000 });
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(new RegExp(`Error: ws-loop could not start: port ${port} on 127\\.0\\.0\\.1 is already in use`));
      expect(r.stdout).toBe('');
    } finally {
      await new Promise<void>((r) => holder.close(() => r()));
    }
  }, 30_000);

  it('an unknown server or a bad flag is a usage error (exit 2)', async () => {
    const unknown = await runCli(['serve', 'nope']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown server "nope"; known servers: ws-loop/);
    const badPort = await runCli(['serve', 'ws-loop', '--port', '70000']);
    expect(badPort.code).toBe(2);
    expect(badPort.stderr).toMatch(/--port: 70000 is out of range/);
  });
});
