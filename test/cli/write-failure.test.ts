import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { runCli, tempDir } from './helpers.js';

it('the result folder becomes unwritable mid-run: exit 1, the file named, no stack trace', async () => {
  const dir = tempDir();
  const out = join(dir, 'sub', 'out.json');
  let swapped = false;
  // After the first cell is on disk, the folder is moved away and a file takes its name.
  const poll = setInterval(() => {
    if (swapped || !existsSync(out)) return;
    try {
      if ((JSON.parse(readFileSync(out, 'utf8')) as { cells: unknown[] }).cells.length < 1) return;
    } catch {
      return;
    }
    renameSync(join(dir, 'sub'), join(dir, 'moved'));
    writeFileSync(join(dir, 'sub'), 'not a folder');
    swapped = true;
  }, 20);
  try {
    const r = await runCli(
      [
        'run',
        '--server',
        'ws-loop',
        '--connections',
        '2',
        '--duration',
        '1s',
        '--warmup',
        '0',
        '--drain',
        '0',
        '--repeat',
        '3',
        '--no-pin',
        '--out',
        out,
        '--quiet',
      ],
      { timeoutMs: 60_000 },
    );
    expect(swapped).toBe(true);
    expect(r.stderr).toBe(
      `Error: cannot write the result file ${out} (EEXIST: part of the path is a file, not a folder); its previous version, if any, is left in place\n`,
    );
    expect(r.code).toBe(1);
    // The last good version (one cell, state running) is where it was written; no temp file beside it.
    expect(JSON.parse(readFileSync(join(dir, 'moved', 'out.json'), 'utf8')).cells.length).toBeGreaterThanOrEqual(1);
  } finally {
    clearInterval(poll);
  }
}, 90_000);
