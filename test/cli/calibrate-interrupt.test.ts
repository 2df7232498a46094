import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { CLI, tempDir } from './helpers.js';

it("Ctrl+C during calibrate's ws baseline stops it: exit 130, the file marked interrupted", async () => {
  const out = join(tempDir(), 'cal.json');
  const child = spawn(
    process.execPath,
    [CLI, 'calibrate', '--server', 'ws-loop', '--connections', '4', '--duration', '3s', '--warmup', '200ms', '--out', out],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  let sent = false;
  // Interrupt half a second into the baseline (after the generator's own 3 s window).
  const started = Date.now();
  const code = await new Promise<number | null>((resolve) => {
    child.stderr.on('data', (d) => {
      stderr += d;
      if (stderr.includes('[baseline]') && !sent) {
        sent = true;
        setTimeout(() => child.kill('SIGINT'), 500);
      }
    });
    child.on('close', (c) => resolve(c));
  });
  expect(stderr).toContain('[baseline]');
  expect(code).toBe(130);
  const file = JSON.parse(readFileSync(out, 'utf8')) as { state: string; extra: { calibration: { interrupted: string } } };
  expect(file.state).toBe('interrupted');
  expect(file.extra.calibration.interrupted).toMatch(/Ctrl\+C during the ws baseline/);
  expect(Date.now() - started).toBeLessThan(30_000);
}, 60_000);
