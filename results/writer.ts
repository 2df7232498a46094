import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { resultFileSchema, type ResultFile } from './schema.js';

/**
 * Validates and writes a result file atomically (temp file in the same folder, then rename), so a crash
 * or Ctrl+C mid-write never leaves a truncated file and earlier cells are never lost.
 */
export function writeResultFile(path: string, file: ResultFile): void {
  const checked = resultFileSchema.safeParse(file);
  if (!checked.success) {
    // A bug on our side, not the user's: say which field broke the schema.
    throw new Error(`refusing to write an invalid result file ${path}: ${formatIssues(checked.error.issues)}`);
  }
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(checked.data, null, 1) + '\n');
  renameSync(tmp, path);
}

export function formatIssues(issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }>, max = 5): string {
  const shown = issues.slice(0, max).map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`);
  const more = issues.length > max ? ` (+${issues.length - max} more)` : '';
  return shown.join('; ') + more;
}
