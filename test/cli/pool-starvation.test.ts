import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadScenario } from '../../bench/scenario.js';
import { readResultFile } from '../../results/reader.js';
import { javaThreadsSpec } from '../../servers/java-threads/spec.js';
import { measured } from '../fixtures/results.js';
import { runCli, tempDir } from './helpers.js';

/**
 * BACKGROUND.md claim C2, end to end: java-threads as a fixed pool (`--server-arg max-threads=N`) given
 * N + k long-lived connections serves N and leaves k accepted but unanswered, counted as starved in the
 * result and named in the table. The full-size case (200 threads, 300 connections) is the
 * threaded-vs-async suite's pool-starvation entry; this one is small so it runs in every test run.
 */
const availability = javaThreadsSpec.availability();
const IN_CI = process.env['CI'] === 'true';

describe('pool starvation through wsarena run', () => {
  it.runIf(availability.available || IN_CI)('a 20-thread pool given 30 idle connections starves 10 of them', async () => {
    expect(availability, 'java-threads must be available in CI').toMatchObject({ available: true });
    const out = join(tempDir(), 'pool.json');
    const r = await runCli(
      [
        'run',
        '--server',
        'java-threads',
        '--server-arg',
        'max-threads=20',
        '--workload',
        'idle',
        '--connections',
        '30',
        '--steps',
        '1',
        '--hold',
        '0',
        '--final-hold',
        '1s',
        '--handshake-timeout',
        '2s',
        '--ping-interval',
        '500ms',
        '--out',
        out,
      ],
      { timeoutMs: 60_000 },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('java-threads idle c=30: starved: 10 of 30 connections (accepted, upgrade never answered)');
    const cell = measured(readResultFile(out).cells[0]);
    expect(cell.params.serverArgs).toEqual({ 'max-threads': 20 });
    expect(cell.id).toContain('/max-threads=20/');
    expect(cell.serverInfo!.knobs).toMatchObject({ maxThreads: 20 });
    expect(cell.idle!.ceiling).toBe(20);
    expect(cell.idle!.errors).toEqual({ unanswered: 10 });
    // The 20 served connections stay alive: every ping answered, none closed.
    expect(cell.idle!.liveness.unexpectedCloses).toBe(0);
    expect(cell.idle!.liveness.pongsReceived).toBeGreaterThan(0);
  });

  it('is an entry of the threaded-vs-async suite at full size: 200 threads, 300 connections', () => {
    const entry = loadScenario('threaded-vs-async').scenario.entries.find((e) => e.name === 'pool-starvation');
    expect(entry).toMatchObject({ servers: ['java-threads'], workload: 'idle', connections: 300, 'server-arg': 'max-threads=200' });
  });

  it('refuses a server arg the server does not take, with exit 2 and no stack trace', async () => {
    const r = await runCli(['run', '--server', 'ws-loop', '--server-arg', 'max-threads=200', '--duration', '1s']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--server-arg: "max-threads=200": server ws-loop has no flag "max-threads"; it takes: none');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
