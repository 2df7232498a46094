import { describe, expect, it } from 'vitest';
import { runCli } from './helpers.js';

describe('duration caps and soak flags (issue 14)', () => {
  it('run --duration past 24 h: exit 2 naming the flag, no stack trace', async () => {
    const r = await runCli(['run', '--server', 'ws-loop', '--duration', '25h']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--duration: "25h" is too long; allowed: up to 24h');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('soak --duration shorter than its legs or longer than 24 h: exit 2', async () => {
    const short = await runCli(['soak', '--duration', '10s']);
    expect(short.code).toBe(2);
    expect(short.stderr).toContain('--duration: "10s" is too short for the three legs; allowed: 30s to 24h');
    const long = await runCli(['soak', '--duration', '48h']);
    expect(long.code).toBe(2);
    expect(long.stderr).toContain('--duration: "48h" is too long');
    const drop = await runCli(['soak', '--drop-every', '1']);
    expect(drop.code).toBe(2);
    expect(drop.stderr).toContain('--drop-every: 1 is out of range');
  });

  it('soak --help shows the 30-minute default', async () => {
    const r = await runCli(['soak', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/--duration <time>.*\(default: "30m"\)/s);
  });
});
