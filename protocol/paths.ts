import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Root of the wsarena checkout (the folder holding package.json). Child processes and workers always
 * run compiled JS from dist/, also when the caller is TypeScript loaded by vitest.
 */
export const PROJECT_ROOT: string = findRoot(dirname(fileURLToPath(import.meta.url)));

function findRoot(from: string): string {
  let dir = from;
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'tsconfig.json'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error(`wsarena: cannot find the project root above ${from}`);
    dir = up;
  }
}

/** Absolute path of a compiled file, e.g. distPath('clients/engine/ws-load-child.js'). */
export function distPath(relative: string): string {
  return join(PROJECT_ROOT, 'dist', relative);
}
