import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { expect, it } from 'vitest';
import { CLI, tempDir } from './helpers.js';

interface InterruptCase {
  name: string;
  /** The stderr line after which Ctrl+C comes, half a second later. */
  trigger: string;
  duration: string;
  interrupted: RegExp;
  cells: number;
}

const CASES: InterruptCase[] = [
  // After the generator's own 3 s window, during the closed-loop baseline.
  {
    name: 'the closed-loop ws baseline',
    trigger: '[baseline]',
    duration: '3s',
    interrupted: /^Ctrl\+C during the ws baseline: no baseline, no ratio$/,
    cells: 1,
  },
  // After both closed-loop runs, during the I/O floor.
  {
    name: 'the I/O floor',
    trigger: '[I/O floor]',
    duration: '2s',
    interrupted: /^Ctrl\+C during the I\/O floor run: no floor$/,
    cells: 1,
  },
  // After both closed-loop runs, the floor and the generator's open loop, during the ws client's open loop.
  {
    name: 'the ws baseline at equal offered load',
    trigger: '[equal load] ws client',
    duration: '2s',
    interrupted: /^Ctrl\+C during the ws baseline at equal offered load/,
    cells: 2,
  },
];

it.each(CASES)(
  'Ctrl+C during calibrate, in $name, stops it: exit 130, the file marked interrupted',
  async (c) => {
    const out = join(tempDir(), 'cal.json');
    const child = spawn(
      process.execPath,
      [CLI, 'calibrate', '--server', 'ws-loop', '--connections', '4', '--duration', c.duration, '--warmup', '200ms', '--equal-rate', '200', '--out', out],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    let sent = false;
    const started = Date.now();
    const code = await new Promise<number | null>((resolve) => {
      child.stderr.on('data', (d) => {
        stderr += d;
        if (stderr.includes(c.trigger) && !sent) {
          sent = true;
          setTimeout(() => child.kill('SIGINT'), 500);
        }
      });
      child.on('close', (code) => resolve(code));
    });
    expect(stderr).toContain(c.trigger);
    expect(code).toBe(130);
    const file = JSON.parse(readFileSync(out, 'utf8')) as { state: string; cells: unknown[]; extra: { calibration: { interrupted: string } } };
    expect(file.state).toBe('interrupted');
    expect(file.extra.calibration.interrupted).toMatch(c.interrupted);
    expect(file.cells).toHaveLength(c.cells);
    expect(readdirSync(dirname(out))).toEqual(['cal.json']);
    expect(Date.now() - started).toBeLessThan(40_000);
  },
  60_000,
);
