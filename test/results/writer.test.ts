import * as fs from 'node:fs';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RunError, UsageError } from '../../core/errors.js';
import { checkResultPath, type WriterFs, writeResultFile } from '../../results/writer.js';
import { resultFile } from '../fixtures/results.js';

const dir = () => mkdtempSync(join(tmpdir(), 'wsarena-writer-'));

/** A disk that fills up: the temp file is half written, then ENOSPC. */
function fullDisk(): WriterFs {
  return {
    ...fs,
    writeFileSync: ((path: fs.PathOrFileDescriptor, data: string) => {
      fs.writeFileSync(path, data.slice(0, 10));
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    }) as WriterFs['writeFileSync'],
  };
}

describe('writeResultFile on a write failure', () => {
  it('full disk mid-run: RunError naming the file, temp file removed, previous good file left in place', () => {
    const d = dir();
    const path = join(d, 'run.json');
    writeResultFile(path, resultFile());
    const good = readFileSync(path, 'utf8');
    let err: unknown;
    try {
      writeResultFile(path, { ...resultFile(), state: 'complete' }, fullDisk());
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(RunError);
    expect((err as Error).message).toBe(
      `cannot write the result file ${path} (ENOSPC: no space left on the device); its previous version, if any, is left in place`,
    );
    expect(readdirSync(d)).toEqual(['run.json']);
    expect(readFileSync(path, 'utf8')).toBe(good);
  });

  it('the folder turned into a file mid-run: RunError, nothing left behind', () => {
    const d = dir();
    const path = join(d, 'sub', 'run.json');
    writeResultFile(path, resultFile());
    fs.rmSync(join(d, 'sub'), { recursive: true });
    fs.writeFileSync(join(d, 'sub'), 'now a file');
    expect(() => writeResultFile(path, resultFile())).toThrow(RunError);
    expect(readdirSync(d)).toEqual(['sub']);
  });
});

describe('checkResultPath (before a run starts)', () => {
  it('refuses a folder and an unwritable path with the flag named; accepts a new file', () => {
    const d = dir();
    expect(() => checkResultPath('--out', d)).toThrow(UsageError);
    expect(() => checkResultPath('--out', d)).toThrow(`--out: "${d}" is a folder`);
    fs.writeFileSync(join(d, 'f'), '');
    expect(() => checkResultPath('--json', join(d, 'f', 'x.json'))).toThrow(/^--json: cannot write/);
    checkResultPath('--out', join(d, 'new', 'x.json'));
    expect(existsSync(join(d, 'new'))).toBe(true);
    expect(readdirSync(join(d, 'new'))).toEqual([]);
  });
});
