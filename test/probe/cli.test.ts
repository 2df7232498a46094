/** `wsarena probe` end to end: the built binary, its table, its result file, and its usage errors. */

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { probeSectionOf } from '../../probe/run.js';
import { readResultFile } from '../../results/reader.js';
import { runCli, tempDir } from '../cli/helpers.js';

describe('wsarena probe', () => {
  it('probes ws-loop and writes a probe result file; --json prints it', async () => {
    const out = join(tempDir(), 'probe.json');
    const r = await runCli(['probe', '--server', 'ws-loop', '--only', 'handshake,close', '--answer-timeout', '1s', '--out', out, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const printed = JSON.parse(r.stdout);
    const file = readResultFile(out);
    expect(file.kind).toBe('probe');
    expect(file.state).toBe('complete');
    expect(printed.extra.probe).toEqual(file.extra!['probe']);
    const section = probeSectionOf(file);
    expect(section.settings).toMatchObject({ answerTimeoutMs: 1000, only: ['handshake', 'close'] });
    expect(section.servers).toHaveLength(1);
    const [server] = section.servers;
    expect(server).toMatchObject({ server: 'ws-loop', error: null, crashes: 0 });
    expect(server!.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/$/);
    expect(server!.knobs['library']).toMatch(/^ws@/);
    expect(server!.probes.map((p) => p.id)).toEqual([
      'handshake-rfc6455',
      'handshake-hybi-08',
      'handshake-hybi-07',
      'handshake-hixie-76',
      'handshake-hixie-75',
      'close-echo',
      'close-code-1005',
      'close-code-999',
      'close-bad-utf8',
    ]);
    for (const p of server!.probes) {
      expect(p.verdict, p.id).toBe('as-rfc');
      expect(p.expected).not.toBe('');
    }
    // Progress on stderr names each probe.
    expect(r.stderr).toMatch(/= close-echo/);
  }, 60_000);

  it('prints the quirks table without colours when stdout is not a TTY', async () => {
    const r = await runCli(['probe', '--server', 'ws-loop', '--only', 'close-echo', '--out', join(tempDir(), 'p.json'), '--quiet']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).not.toMatch(/\u001b\[/);
    expect(r.stdout).toMatch(/RFC 6455 expects/);
    expect(r.stdout).toMatch(/= echoed: close 1000/);
    expect(r.stdout).toMatch(/^ws-loop: 1 as-rfc in /m);
  }, 60_000);

  it.each([
    [['--only', 'nope'], /--only: unknown probe "nope"/],
    [['--server', 'ws-loop', '--target', 'ws://127.0.0.1:9/'], /--server and --target exclude each other/],
    [['--target', 'ws://example.com:80/'], /not on loopback/],
    [['--target', 'http://127.0.0.1:80/'], /must use ws:\/\//],
    [['--server', 'nope'], /unknown server "nope"/],
    [['--max-message', '12'], /--max-message: 12 bytes is out of range/],
    [['--keepalive-window', 'soon'], /--keepalive-window: "soon" is not a duration/],
  ])('usage error %j exits 2 and says why', async (args, message) => {
    const r = await runCli(['probe', ...args]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe('');
  });

  it('a target that refuses connections is probed as errors and exits 1', async () => {
    const out = join(tempDir(), 'refused.json');
    // Port 9 (discard) is not listening in this sandbox: every connection is refused at once.
    const r = await runCli(['probe', '--target', 'ws://127.0.0.1:9/', '--only', 'close-echo,handshake-rfc6455', '--out', out, '--quiet']);
    expect(r.code).toBe(1);
    const section = probeSectionOf(readResultFile(out));
    expect(section.servers[0]!.probes.map((p) => p.verdict)).toEqual(['error', 'error']);
    expect(section.servers[0]!.probes[0]!.observed).toMatch(/refused/);
  }, 30_000);

  it('Ctrl+C: exits 130 with the finished probes in an interrupted result file', async () => {
    const out = join(tempDir(), 'interrupted.json');
    const r = await runCli(['probe', '--server', 'ws-loop', '--only', 'keepalive', '--keepalive-window', '20s', '--out', out], {
      onSpawn: (pid) => {
        // ping-pong is written first; the 20 s idle observation is then interrupted.
        const timer = setInterval(() => {
          if (!existsSync(out)) return;
          clearInterval(timer);
          setTimeout(() => process.kill(pid, 'SIGINT'), 300);
        }, 50);
      },
    });
    expect(r.code, r.stderr).toBe(130);
    expect(r.stderr).toMatch(/interrupted/);
    const file = readResultFile(out);
    expect(file.state).toBe('interrupted');
    expect(probeSectionOf(file).servers[0]!.probes.map((p) => p.id)).toEqual(['ping-pong']);
  }, 30_000);
});
