import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../protocol/paths.js';
import { findCycle, type ImportGraph, importGraph, sourceFolders } from './import-graph.js';

/** Every source folder: no file may reach itself through imports (issue 11: bench/runner → workloads → context → runner was one). */
const SOURCE_FOLDERS = sourceFolders(PROJECT_ROOT);

function projectGraph(): ImportGraph {
  const graph: ImportGraph = new Map();
  for (const folder of SOURCE_FOLDERS) for (const [file, targets] of importGraph(PROJECT_ROOT, folder)) graph.set(file, targets);
  return graph;
}

describe('import circles', () => {
  it('finds a circle in a synthetic graph, and none in a chain', () => {
    const circle: ImportGraph = new Map([
      ['a.ts', ['b.ts']],
      ['b.ts', ['c.ts']],
      ['c.ts', ['a.ts']],
      ['d.ts', ['a.ts']],
    ]);
    expect(findCycle(circle)).toEqual(['a.ts', 'b.ts', 'c.ts', 'a.ts']);
    expect(
      findCycle(
        new Map([
          ['a.ts', ['b.ts']],
          ['b.ts', ['c.ts']],
          ['c.ts', []],
        ]),
      ),
    ).toBeNull();
    expect(findCycle(new Map([['a.ts', ['a.ts']]]))).toEqual(['a.ts', 'a.ts']);
  });

  it('reads the real import graph (runner imports its workloads)', () => {
    expect(importGraph(PROJECT_ROOT, 'bench').get('bench/runner.ts')).toContain('bench/workloads.ts');
  });

  it('no import circle in bench/', () => {
    expect(findCycle(importGraph(PROJECT_ROOT, 'bench'))).toBeNull();
  });

  it('covers every folder the build compiles, deploy/ included', () => {
    expect(SOURCE_FOLDERS).toEqual(expect.arrayContaining(['core', 'bench', 'cli', 'deploy']));
  });

  it('no import circle across the source folders', () => {
    expect(findCycle(projectGraph())).toBeNull();
  });
});
