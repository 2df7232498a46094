import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildDashboard } from '../../report/dashboard.js';
import { readResults } from '../../results/reader.js';
import { writeSampleResults } from './sample-results.js';

describe('dashboard rebuild', () => {
  it('a rebuild that fails midway leaves the previous dashboard whole, and no temp folder behind', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wsarena-rebuild-'));
    const results = readResults(writeSampleResults(join(dir, 'in')).slice(0, 2));
    const out = join(dir, 'site');
    await buildDashboard(results, { outDir: out, generatedAt: '2026-11-24T00:00:00Z' });
    writeFileSync(join(out, 'notes.txt'), 'mine');
    const before = readFileSync(join(out, 'index.html'), 'utf8');
    // The first result's source file is gone: copying it fails after the build started.
    const broken = [{ ...results[0]!, path: join(dir, 'gone.json') }, results[1]!];
    await expect(buildDashboard(broken, { outDir: out })).rejects.toThrow(/ENOENT/);
    expect(readFileSync(join(out, 'index.html'), 'utf8')).toBe(before);
    expect(readdirSync(dir).sort()).toEqual(['in', 'site']);
    // A successful rebuild replaces it and keeps the user's own file.
    const again = await buildDashboard(results, { outDir: out, generatedAt: '2026-11-25T00:00:00Z' });
    expect(again.indexPath).toBe(join(out, 'index.html'));
    expect(readFileSync(join(out, 'notes.txt'), 'utf8')).toBe('mine');
    expect(readdirSync(dir).sort()).toEqual(['in', 'site']);
  });
});
