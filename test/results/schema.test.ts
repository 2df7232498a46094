import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as hdr from 'hdr-histogram-js';
import { describe, expect, it } from 'vitest';
import { readResultFile, readResults } from '../../results/reader.js';
import { writeResultFile } from '../../results/writer.js';
import { cell, measured, resultFile } from '../fixtures/results.js';

const dir = () => mkdtempSync(join(tmpdir(), 'wsarena-schema-'));

describe('result files', () => {
  it('round-trip through write and read unchanged, histograms included', () => {
    const path = join(dir(), 'r.json');
    const original = resultFile([cell(), cell({ id: 'x', status: 'failed', error: 'server died', load: null })]);
    writeResultFile(path, original);
    const back = readResultFile(path);
    expect(back).toEqual({ ...original, $schema: expect.stringMatching(/result\.schema\.json$/) });
    const h = hdr.decodeFromCompressedBase64(measured(back.cells[0]).load!.service.encoded);
    expect(h.totalCount).toBe(5);
    expect(h.maxValue).toBeGreaterThanOrEqual(899);
  });
  it('writes atomically: no temp file is left behind', () => {
    const d = dir();
    writeResultFile(join(d, 'r.json'), resultFile());
    expect(readdirSync(d)).toEqual(['r.json']);
  });
  it('refuses to write an invalid file and names the field', () => {
    const bad = resultFile([cell({ params: { ...cell().params, connections: -1 } })]);
    expect(() => writeResultFile(join(dir(), 'r.json'), bad)).toThrow(/cells\.0\.params\.connections/);
  });
  it('reading names the file and the field that is wrong', () => {
    const d = dir();
    const path = join(d, 'r.json');
    writeResultFile(path, resultFile());
    const json = JSON.parse(readFileSync(path, 'utf8'));
    json.cells[0].status = 'great';
    writeFileSync(path, JSON.stringify(json));
    expect(() => readResultFile(path)).toThrow(new RegExp(`result file ${path}: cells\\.0\\.status`));
  });
  it('refuses an unknown schema version and non-JSON', () => {
    const d = dir();
    writeFileSync(join(d, 'v.json'), JSON.stringify({ schemaVersion: 99 }));
    expect(() => readResultFile(join(d, 'v.json'))).toThrow('schemaVersion 99 is not supported; this wsarena reads versions 1 and 2');
    writeFileSync(join(d, 'n.json'), '{');
    expect(() => readResultFile(join(d, 'n.json'))).toThrow(/not valid JSON/);
  });
  it('reads folders recursively', () => {
    const d = dir();
    writeResultFile(join(d, 'a', 'one.json'), resultFile());
    writeResultFile(join(d, 'two.json'), resultFile());
    expect(readResults([d]).map((r) => r.path.slice(d.length))).toEqual(['/a/one.json', '/two.json']);
  });
});
