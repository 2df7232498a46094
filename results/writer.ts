import * as nodeFs from 'node:fs';
import { dirname, join } from 'node:path';
import { RunError, UsageError } from '../core/errors.js';
import { resultFileSchema, type ResultFile } from './schema.js';
import { schemaRefFor } from './json-schema.js';

/**
 * Validates and writes a result file atomically (temp file in the same folder, then rename), so a crash
 * or Ctrl+C mid-write never leaves a truncated file and earlier cells are never lost.
 */
/** The file-system calls writeResultFile makes (a test injects a failing one, e.g. a full disk). */
export type WriterFs = Pick<typeof nodeFs, 'mkdirSync' | 'writeFileSync' | 'renameSync' | 'rmSync'>;

export function writeResultFile(path: string, file: ResultFile, fs: WriterFs = nodeFs): void {
  const checked = resultFileSchema.safeParse(file);
  if (!checked.success) {
    // A bug on our side, not the user's: say which field broke the schema.
    throw new Error(`refusing to write an invalid result file ${path}: ${formatIssues(checked.error.issues)}`);
  }
  const tmp = `${path}.${process.pid}.tmp`;
  // `$schema` first, as editors and validators expect: the shipped JSON Schema (results/result.schema.json).
  const { $schema: _previous, ...data } = checked.data;
  try {
    fs.mkdirSync(dirname(path), { recursive: true });
    fs.writeFileSync(tmp, JSON.stringify({ $schema: schemaRefFor(path), ...data }, null, 1) + '\n');
    fs.renameSync(tmp, path);
  } catch (err) {
    // Full disk, folder removed, …: no half-written temp file, and the previous version of the file stays.
    try {
      fs.rmSync(tmp, { force: true });
    } catch {
      // nothing more to clean
    }
    throw new RunError('RESULT_WRITE', `cannot write the result file ${path} (${fsReason(err)}); its previous version, if any, is left in place`);
  }
}

/**
 * Checks before a run that `path` can take a result file: not a folder, and its folder can be created and
 * written (a probe file, removed at once). Names `flag` in the UsageError, so the run never starts.
 */
export function checkResultPath(flag: string, path: string): void {
  let isDir = false;
  try {
    isDir = nodeFs.statSync(path).isDirectory();
  } catch {
    // does not exist yet: fine
  }
  if (isDir) throw new UsageError('BAD_OUT', `${flag}: "${path}" is a folder; give a file path for the result (e.g. ${join(path, 'run.json')})`);
  const probe = `${path}.${process.pid}.probe.tmp`;
  try {
    nodeFs.mkdirSync(dirname(path), { recursive: true });
    nodeFs.writeFileSync(probe, '');
    nodeFs.rmSync(probe, { force: true });
  } catch (err) {
    throw new UsageError('BAD_OUT', `${flag}: cannot write "${path}" (${fsReason(err)})`);
  }
}

/** The same check for a folder of result files (suite --out-dir): a folder, or creatable, and writable. */
export function checkResultDir(flag: string, dir: string): void {
  let exists = false;
  try {
    exists = true;
    if (!nodeFs.statSync(dir).isDirectory()) throw new UsageError('BAD_OUT', `${flag}: "${dir}" is a file; give a folder for the result files`);
  } catch (err) {
    if (err instanceof UsageError) throw err;
    exists = false;
  }
  const probe = join(dir, `.wsarena-${process.pid}.probe.tmp`);
  try {
    if (!exists) nodeFs.mkdirSync(dir, { recursive: true });
    nodeFs.writeFileSync(probe, '');
    nodeFs.rmSync(probe, { force: true });
  } catch (err) {
    throw new UsageError('BAD_OUT', `${flag}: cannot write into "${dir}" (${fsReason(err)})`);
  }
}

const FS_REASONS: Record<string, string> = {
  EEXIST: 'part of the path is a file, not a folder',
  ENOTDIR: 'part of the path is a file, not a folder',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on the device',
  EISDIR: 'it is a folder',
};

/** "ENOSPC: no space left on the device", from a Node fs error. */
export function fsReason(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  return code && FS_REASONS[code] ? `${code}: ${FS_REASONS[code]}` : code ?? (err as Error).message;
}

export function formatIssues(issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }>, max = 5): string {
  const shown = issues.slice(0, max).map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`);
  const more = issues.length > max ? ` (+${issues.length - max} more)` : '';
  return shown.join('; ') + more;
}
