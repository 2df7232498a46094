import { describe, expect, it } from 'vitest';
import { runCli } from './helpers.js';

/** Bad input: exit 2 and one `Error:` line naming the input, what was received and what is allowed. */
describe('wsarena run: bad input', () => {
  const cases: Array<[string, string[], RegExp]> = [
    ['unknown server', ['run', '--server', 'nope'], /^Error: --server: unknown server "nope"; known servers: ws-loop, uws/m],
    [
      'a renamed server',
      ['run', '--server', 'ws-thread-per-conn'],
      /^Error: --server: unknown server "ws-thread-per-conn": it was renamed to ws-worker-per-conn; known servers: ws-loop, uws/m,
    ],
    ['unknown workload', ['run', '--workload', 'dance'], /^Error: --workload: unknown workload "dance"; known workloads: echo, work, mixed/m],
    ['malformed duration', ['run', '--duration', '10x'], /^Error: --duration: "10x" is not a duration; use a number with ms, s, m or h/m],
    ['zero connections', ['run', '--connections', '0'], /^Error: --connections: 0 is out of range; allowed: an integer from 1 to 1000000/m],
    ['negative depth', ['run', '--depth', '-1'], /^Error: --depth: -1 is out of range/m],
    ['depth and rate together', ['run', '--depth', '2', '--rate', '100'], /^Error: --depth and --rate exclude each other/m],
    ['a CPU that does not exist', ['run', '--server-cpus', '7'], /^Error: --server-cpus: CPU 7 does not exist; this machine has CPUs 0-1/m],
    [
      'more connections than one server process can hold',
      ['run', '--connections', '19950', '--client-workers', '2'],
      /^Error: --connections 19950 over 1 server process\(es\) is 19950 sockets per process; 19950 \+ 100 headroom = 20050 > open-file limit 20000/m,
    ],
    ['a target that is not ws://', ['run', '--target', 'http://127.0.0.1:1/'], /^Error: --target: "http:\/\/127.0.0.1:1\/" must use ws:\/\//m],
  ];
  it.each(cases)('%s', async (_name, args, message) => {
    const r = await runCli([...args, '--quiet']);
    expect(r.stderr).toMatch(message);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
  });

  it('an unknown option is a usage error', async () => {
    const r = await runCli(['run', '--bogus']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown option '--bogus'/);
  });

  it('help exits 0', async () => {
    const r = await runCli(['run', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/--connections <list>/);
  });
});

describe('wsarena servers', () => {
  it('lists every server with its availability as JSON', async () => {
    const r = await runCli(['servers', '--json']);
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.stdout) as Array<{ name: string; available: boolean; reason: string | null }>;
    expect(rows.map((s) => s.name)).toEqual(expect.arrayContaining(['ws-loop', 'uws']));
    for (const row of rows) if (!row.available) expect(row.reason).toBeTruthy();
    expect(rows.find((s) => s.name === 'ws-loop')!.available).toBe(true);
  });
});
