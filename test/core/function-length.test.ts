import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../protocol/paths.js';
import { tsFiles } from './import-graph.js';

/** Issue 11: a function that does several things (runCell was 211 lines) is cut into named steps, in bench/ and clients/. */
const MAX_FUNCTION_LINES = 80;

/** Every function, method and arrow in `source` longer than `maxLines`, as "name (N lines)". */
function longFunctions(fileName: string, source: string, maxLines: number): string[] {
  const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionDeclaration(node) || ts.isMethodDeclaration(node) || ts.isArrowFunction(node) || ts.isFunctionExpression(node)) {
      const first = file.getLineAndCharacterOfPosition(node.getStart(file)).line;
      const last = file.getLineAndCharacterOfPosition(node.getEnd()).line;
      const lines = last - first + 1;
      if (lines > maxLines) found.push(`${node.name?.getText(file) ?? 'anonymous'} (${lines} lines)`);
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

describe('function length', () => {
  it('finds a long function, and passes a short one', () => {
    const long = `function f() {\n${'  x();\n'.repeat(5)}}\n`;
    expect(longFunctions('a.ts', long, 5)).toEqual(['f (7 lines)']);
    expect(longFunctions('a.ts', long, 7)).toEqual([]);
  });

  it.each(['bench', 'clients'])(`no function in %s/ is over ${MAX_FUNCTION_LINES} lines`, (folder) => {
    const offenders = tsFiles(join(PROJECT_ROOT, folder)).flatMap((path) =>
      longFunctions(path, readFileSync(path, 'utf8'), MAX_FUNCTION_LINES).map((f) => `${relative(PROJECT_ROOT, path)}: ${f}`),
    );
    expect(offenders).toEqual([]);
  });
});
