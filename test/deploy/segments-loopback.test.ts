/**
 * Two segments of one plan on this machine's loopback, merged: the same path as the network-namespace
 * test (test/deploy/netns.test.ts) for machines where that one is skipped (not root).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { distPath } from '../../protocol/paths.js';
import type { ResultFile } from '../../results/schema.js';
import { runCli, tempDir } from '../cli/helpers.js';
import { hdrBuckets, summedBuckets } from '../fixtures/hdr-buckets.js';
import { measured } from '../fixtures/results.js';

let server: ChildProcess | null = null;

/** ws-loop on 127.0.0.1, any free port; resolves with its URL from the ready line. */
function startServer(): Promise<string> {
  const child = spawn(process.execPath, [distPath('servers/ws-loop/main.js'), '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  server = child;
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /"url":"(ws:\/\/[^"]+)"/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`ws-loop exited with ${code}: ${out}`)));
  });
}

describe('two segments on loopback, merged', () => {
  const dir = tempDir('wsarena-segments-');
  let segments: ResultFile[];
  let merged: ResultFile;

  beforeAll(async () => {
    const url = await startServer();
    const startAt = new Date(Date.now() + 6_000).toISOString();
    const runs = await Promise.all(
      [0, 1].map((k) =>
        runCli([
          'run',
          '--target',
          url,
          '--contract',
          '--segment',
          `${k}/2`,
          '--start-at',
          startAt,
          '--connections',
          '21',
          '--rate',
          '420',
          '--warmup',
          '1s',
          '--duration',
          '1s',
          '--drain',
          '500ms',
          '--client-workers',
          '1',
          '--no-pin',
          '--quiet',
          '--out',
          join(dir, `seg-${k}.json`),
        ]),
      ),
    );
    runs.forEach((r, k) => {
      expect(r.code, `agent ${k}: ${r.stderr}`).toBe(0);
    });
    const merge = await runCli(['merge', join(dir, 'seg-0.json'), join(dir, 'seg-1.json'), '--out', join(dir, 'merged.json')]);
    expect(merge.code, merge.stderr).toBe(0);
    segments = [0, 1].map((k) => JSON.parse(readFileSync(join(dir, `seg-${k}.json`), 'utf8')) as ResultFile);
    merged = JSON.parse(readFileSync(join(dir, 'merged.json'), 'utf8')) as ResultFile;
  }, 60_000);

  afterAll(() => {
    server?.kill('SIGKILL');
  });

  it('split 21 connections 11 + 10 and the rate in proportion', () => {
    expect(segments.map((s) => measured(s.cells[0]).load!.plan.connections)).toEqual([11, 10]);
    expect(segments.map((s) => measured(s.cells[0]).load!.plan.rateHz)).toEqual([220, 200]);
    expect(measured(merged.cells[0]).load!.plan).toMatchObject({ connections: 21, rateHz: 420 });
  });

  it('merged counts and histograms are exactly the agents’ together', () => {
    const load = measured(merged.cells[0]).load!;
    expect(load.counts.sent).toBe(load.counts.received + load.counts.lost);
    for (const k of ['sent', 'received', 'lost'] as const)
      expect(load.counts[k]).toBe(measured(segments[0]!.cells[0]).load!.counts[k] + measured(segments[1]!.cells[0]).load!.counts[k]);
    expect(hdrBuckets(load.corrected!.encoded)).toEqual(summedBuckets(segments.map((s) => measured(s.cells[0]).load!.corrected!.encoded)));
    expect(load.corrected!.count).toBe(load.counts.received);
  });

  it('compare reads the merged file like any other', async () => {
    const r = await runCli(['compare', join(dir, 'merged.json'), join(dir, 'merged.json'), '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as { cells: unknown[] }).cells).toHaveLength(1);
  });
});
