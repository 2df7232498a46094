import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../protocol/paths.js';
import { sourceFolders } from './import-graph.js';

/** Layers point down: cli/ uses the rest, nothing outside cli/ imports from cli/. Every source folder tsconfig.json compiles. */
const LAYERS = sourceFolders(PROJECT_ROOT).filter((folder) => folder !== 'cli');

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'node_modules' ? [] : tsFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

describe('layers', () => {
  it('covers every folder the build compiles but cli/, deploy/ included', () => {
    expect(LAYERS).toEqual(expect.arrayContaining(['core', 'bench', 'deploy']));
    expect(LAYERS).not.toContain('cli');
  });

  it('no file outside cli/ imports from cli/', () => {
    const offenders: string[] = [];
    for (const layer of LAYERS) {
      for (const file of tsFiles(join(PROJECT_ROOT, layer))) {
        for (const m of readFileSync(file, 'utf8').matchAll(/from ['"](\.[^'"]+)['"]/g)) {
          const target = relative(PROJECT_ROOT, normalize(join(dirname(file), m[1]!)));
          if (target.startsWith('cli/')) offenders.push(`${relative(PROJECT_ROOT, file)} → ${target}`);
        }
      }
    }
    expect(offenders).toEqual([]);
  });

  it('core/ is the bottom layer: it imports nothing outside core/', () => {
    const offenders: string[] = [];
    for (const file of tsFiles(join(PROJECT_ROOT, 'core'))) {
      for (const m of readFileSync(file, 'utf8').matchAll(/from ['"](\.[^'"]+)['"]/g)) {
        const target = relative(PROJECT_ROOT, normalize(join(dirname(file), m[1]!)));
        if (!target.startsWith('core/')) offenders.push(`${relative(PROJECT_ROOT, file)} → ${target}`);
      }
    }
    expect(offenders).toEqual([]);
  });
});
