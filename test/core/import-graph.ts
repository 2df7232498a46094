import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';

/**
 * The relative imports of a folder's TypeScript files, as a graph of project-relative paths. Written for
 * the layer and circle tests: a regex over `from '…'` and `import('…')` is enough for this code base (no
 * path aliases, every relative import names its .js), and it keeps the tests free of a parser dependency.
 */
export type ImportGraph = Map<string, string[]>;

export function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'node_modules' ? [] : tsFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

/**
 * The source folders: tsconfig.json's "include", so the layer and circle tests cover every folder the build
 * compiles, and a folder added there (deploy/ was) is covered without editing them.
 */
export function sourceFolders(root: string): string[] {
  const config: unknown = JSON.parse(readFileSync(join(root, 'tsconfig.json'), 'utf8'));
  const include = typeof config === 'object' && config !== null && 'include' in config ? config.include : undefined;
  if (!Array.isArray(include) || !include.every((f): f is string => typeof f === 'string'))
    throw new Error('tsconfig.json: "include" is not a list of folders');
  return include;
}

/** Imports `import type` too: a type-only circle still ties the files' meanings together. */
const IMPORT_SPECIFIER = /(?:from|import)\s*\(?\s*['"](\.[^'"]+)['"]/g;

export function importGraph(root: string, folder: string): ImportGraph {
  const graph: ImportGraph = new Map();
  for (const file of tsFiles(join(root, folder))) {
    const targets: string[] = [];
    for (const m of readFileSync(file, 'utf8').matchAll(IMPORT_SPECIFIER)) {
      const target = normalize(join(dirname(file), m[1]!.replace(/\.js$/, '.ts')));
      if (existsSync(target)) targets.push(relative(root, target));
    }
    graph.set(relative(root, file), targets);
  }
  return graph;
}

/** One import circle as a path that starts and ends on the same file, or null when the graph has none (DFS, three colours). */
export function findCycle(graph: ImportGraph): string[] | null {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string): string[] | null => {
    state.set(node, 'open');
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (!graph.has(next)) continue; // outside the folder under test
      if (state.get(next) === 'open') return [...stack.slice(stack.indexOf(next)), next];
      if (state.get(next) === undefined) {
        const found = visit(next);
        if (found) return found;
      }
    }
    stack.pop();
    state.set(node, 'done');
    return null;
  };
  for (const node of [...graph.keys()].sort()) {
    if (state.get(node) === undefined) {
      const found = visit(node);
      if (found) return found;
    }
  }
  return null;
}
