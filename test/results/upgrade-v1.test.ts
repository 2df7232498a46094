import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../protocol/paths.js';
import { readResultFile } from '../../results/reader.js';
import { resultFileSchema, SCHEMA_VERSION } from '../../results/schema.js';
import { type CellV1, resultFileSchemaV1 } from '../../results/schema-v1.js';
import { upgradeCellV1, upgradeV1 } from '../../results/upgrade-v1.js';
import { writeResultFile } from '../../results/writer.js';
import { defaultCell, loadReport } from '../fixtures/results.js';

/** A version 1 cell as version 1 wrote it (no server knobs). */
function v1Cell(overrides: Partial<CellV1> = {}): CellV1 {
  const base = defaultCell();
  return { ...base, serverInfo: { ...base.serverInfo!, knobs: {} }, ...overrides };
}

const NO_FIGURES = { serverInfo: null, load: null, serverResources: null, serverStats: null, serverMessagesHandled: null, verdict: null };

/** Version 1 files as the reference set shipped them (commit 8a6b65a), frozen: the reference set itself is rewritten in the current version. */
const V1_FIXTURES = join(PROJECT_ROOT, 'test', 'fixtures', 'v1');

describe('reading version 1 result files (results/upgrade-v1.ts)', () => {
  it('an ok cell keeps every figure and loses its (null) error', () => {
    const v1 = v1Cell();
    const cell = upgradeCellV1(v1);
    expect(cell.status).toBe('ok');
    expect('error' in cell).toBe(false);
    const { error: _error, ...rest } = v1;
    expect(cell).toEqual(rest);
  });

  it('a skipped cell keeps its reason and drops the figures it never had', () => {
    const cell = upgradeCellV1(v1Cell({ status: 'skipped', error: 'unavailable: no Go toolchain', ...NO_FIGURES }));
    expect(cell).toEqual({
      id: 'ws-loop/echo/c100/r0',
      server: 'ws-loop',
      target: null,
      params: v1Cell().params,
      repeat: 0,
      status: 'skipped',
      error: 'unavailable: no Go toolchain',
      startedAt: '2026-11-24T00:00:00.000Z',
      finishedAt: '2026-11-24T00:00:05.000Z',
      pinning: v1Cell().pinning,
    });
  });

  it('a failed cell stays failed with what it measured (a partial load, its serverInfo)', () => {
    const cell = upgradeCellV1(v1Cell({ status: 'failed', error: '3 corrupted replies: the server broke the contract' }));
    expect(cell.status).toBe('failed');
    if (cell.status !== 'failed') throw new Error('unreachable');
    expect(cell.error).toBe('3 corrupted replies: the server broke the contract');
    expect(cell.load).toEqual(loadReport());
    expect(cell.serverInfo?.pid).toBe(123);
  });

  it('a failed cell whose error is "interrupted" (Ctrl+C, version 1 had no status for it) becomes interrupted', () => {
    const cell = upgradeCellV1(v1Cell({ status: 'failed', error: 'interrupted', load: null }));
    expect(cell.status).toBe('interrupted');
    if (cell.status !== 'interrupted') throw new Error('unreachable');
    expect(cell.error).toBe('interrupted');
    expect(cell.serverInfo?.pid).toBe(123);
  });

  it('keeps the segment and the sections only when present', () => {
    const plain = upgradeCellV1(v1Cell());
    expect(Object.keys(plain)).not.toContain('segment');
    expect(Object.keys(plain)).not.toContain('idle');
    const segment = {
      index: 1,
      count: 2,
      connections: 50,
      rateHz: null,
      startAt: null,
      windowStartMs: null,
      clockOffset: { offsetMs: null, uncertaintyMs: null, method: 'not estimated' },
    };
    expect(upgradeCellV1(v1Cell({ segment })).segment).toEqual(segment);
  });

  it('a failed idle ramp (a former reference file, kept as a v1 fixture) keeps its idle section: its ceiling', () => {
    const path = join(V1_FIXTURES, 'idle-worker-per-conn.json');
    const raw = JSON.parse(readFileSync(path, 'utf8')) as { schemaVersion: number };
    expect(raw.schemaVersion).toBe(1);
    const v1 = resultFileSchemaV1.parse(raw);
    const file = upgradeV1(v1);
    expect(file.schemaVersion).toBe(SCHEMA_VERSION);
    expect(resultFileSchema.safeParse(file).success).toBe(true);
    const [cell] = file.cells;
    expect(cell!.status).toBe('failed');
    if (cell!.status !== 'failed') throw new Error('unreachable');
    expect(cell!.error).toBe(v1.cells[0]!.error);
    expect(cell!.idle?.ceiling).toBe(v1.cells[0]!.idle?.ceiling);
    expect(cell!.idle?.ceiling).toBeGreaterThan(0);
  });

  it('the reader upgrades a version 1 file, and a file written back is version 2 and reads the same', () => {
    const d = mkdtempSync(join(tmpdir(), 'wsarena-v1-'));
    const v1Path = join(d, 'v1.json');
    const file = { ...resultFileSchemaV1.parse(JSON.parse(readFileSync(join(V1_FIXTURES, 'echo.json'), 'utf8'))) };
    file.cells = [
      file.cells[0]!,
      { ...v1Cell({ id: 'go-goroutines/echo/c100/r0', server: 'go-goroutines', status: 'skipped', error: 'unavailable: no Go', ...NO_FIGURES }) },
    ];
    writeFileSync(v1Path, JSON.stringify(file));
    const read = readResultFile(v1Path);
    expect(read.schemaVersion).toBe(2);
    expect(read.cells.map((c) => c.status)).toEqual(['ok', 'skipped']);
    expect('load' in read.cells[1]!).toBe(false);
    const v2Path = join(d, 'v2.json');
    writeResultFile(v2Path, read);
    expect((JSON.parse(readFileSync(v2Path, 'utf8')) as { schemaVersion: number }).schemaVersion).toBe(2);
    expect(readResultFile(v2Path).cells).toEqual(read.cells);
  });

  it('refuses a version 1 file that was never valid, in its own terms', () => {
    const d = mkdtempSync(join(tmpdir(), 'wsarena-v1-'));
    const path = join(d, 'bad.json');
    const file = resultFileSchemaV1.parse(JSON.parse(readFileSync(join(V1_FIXTURES, 'echo.json'), 'utf8')));
    writeFileSync(path, JSON.stringify({ ...file, cells: [{ ...file.cells[0], status: 'interrupted' }] }));
    expect(() => readResultFile(path)).toThrow(/result file .*bad\.json: cells\.0\.status/);
  });
});
