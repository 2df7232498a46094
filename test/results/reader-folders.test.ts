import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../core/errors.js';
import { readResults } from '../../results/reader.js';
import { writeResultFile } from '../../results/writer.js';
import { resultFile } from '../fixtures/results.js';

const dir = () => mkdtempSync(join(tmpdir(), 'wsarena-reader-'));

describe('readResults over folders', () => {
  it('skips non-result JSON, companions (silently), dashboards (new marker and old layout), dangling symlinks and loops; reads each file once', () => {
    const d = dir();
    writeResultFile(join(d, 'a.json'), resultFile());
    writeFileSync(join(d, 'tsconfig.json'), '{"compilerOptions":{}}');
    writeFileSync(join(d, 'broken.json'), '{');
    // A companion file beside the results (wsarena pool-overhead --json): not a result, and no warning either.
    writeFileSync(join(d, 'pool-overhead.json'), '{"cells":[],"rows":[]}');
    for (const [name, marker] of [
      ['dash-new', true],
      ['dash-old', false],
    ] as const) {
      mkdirSync(join(d, name, 'assets'), { recursive: true });
      writeFileSync(join(d, name, 'index.html'), '');
      if (marker) writeFileSync(join(d, name, '.wsarena-dashboard'), '');
      writeResultFile(join(d, name, 'results', '00-a.json'), resultFile());
    }
    symlinkSync(join(d, 'nowhere.json'), join(d, 'dangling.json'));
    symlinkSync(join(d, 'loop2.json'), join(d, 'loop1.json'));
    symlinkSync(join(d, 'loop1.json'), join(d, 'loop2.json'));
    symlinkSync(d, join(d, 'up'));
    symlinkSync(join(d, 'a.json'), join(d, 'z-link.json'));
    const warnings: string[] = [];
    const read = readResults([d], { warn: (m) => warnings.push(m) });
    expect(read.map((r) => r.path)).toEqual([join(d, 'a.json')]);
    expect(warnings.sort()).toEqual(
      [
        `skipped ${join(d, 'broken.json')}: not JSON`,
        `skipped ${join(d, 'dangling.json')}: a dangling symlink`,
        `skipped ${join(d, 'loop1.json')}: a symlink loop`,
        `skipped ${join(d, 'loop2.json')}: a symlink loop`,
        `skipped ${join(d, 'tsconfig.json')}: not a wsarena result file (no schemaVersion)`,
        `skipped ${join(d, 'up')}: already read (a symlink loop or a second link to ${d})`,
      ].sort(),
    );
  });

  it('a non-result file named on the command line is still an error', () => {
    const d = dir();
    writeFileSync(join(d, 'x.json'), '{}');
    expect(() => readResults([join(d, 'x.json')], { warn: () => undefined })).toThrow(UsageError);
  });
});
