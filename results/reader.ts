import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../cli/errors.js';
import { renamedServer } from '../servers/legacy-names.js';
import { SCHEMA_VERSION, resultFileSchema, type Cell, type ResultFile } from './schema.js';
import { formatIssues } from './writer.js';

/**
 * Reads and validates one result file; any problem is a UsageError naming the file and the field. Cells
 * of a server that was renamed are read under its current name (withCurrentServerNames).
 */
export function readResultFile(path: string): ResultFile {
  let raw: string;
  try {
    raw = readFileSync(path, 'utf8');
  } catch (err) {
    throw new UsageError('RESULT_UNREADABLE', `result file ${path}: cannot read it (${(err as Error).message})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (err) {
    throw new UsageError('RESULT_NOT_JSON', `result file ${path}: not valid JSON (${(err as Error).message})`);
  }
  const version = (json as { schemaVersion?: unknown } | null)?.schemaVersion;
  if (version !== SCHEMA_VERSION) {
    throw new UsageError('RESULT_VERSION', `result file ${path}: schemaVersion ${JSON.stringify(version)} is not supported; this wsarena reads version ${SCHEMA_VERSION}`);
  }
  const parsed = resultFileSchema.safeParse(json);
  if (!parsed.success) throw new UsageError('RESULT_INVALID', `result file ${path}: ${formatIssues(parsed.error.issues)}`);
  return withCurrentServerNames(parsed.data);
}

/**
 * Cells of a renamed server (servers/legacy-names.ts) under its current name: `server`, and the id's
 * leading `<server>/`. So a file written before a rename pools with one written after it in report and
 * compare. Everything else (command, knobs, stats) stays as it was recorded.
 */
export function withCurrentServerNames(file: ResultFile): ResultFile {
  if (!file.cells.some((cell) => renamedServer(cell.server) !== null)) return file;
  return { ...file, cells: file.cells.map(renameCell) };
}

function renameCell(cell: Cell): Cell {
  const current = renamedServer(cell.server);
  if (current === null) return cell;
  const prefix = `${cell.server}/`;
  return { ...cell, server: current, id: cell.id.startsWith(prefix) ? `${current}/${cell.id.slice(prefix.length)}` : cell.id };
}

/** Expands files and folders (recursively, *.json that look like result files) into validated results. */
export function readResults(paths: string[]): Array<{ path: string; file: ResultFile }> {
  const files: string[] = [];
  for (const p of paths) collect(p, files);
  if (files.length === 0) throw new UsageError('NO_RESULTS', `no result files found in ${paths.join(', ')}`);
  return files.map((path) => ({ path, file: readResultFile(path) }));
}

function collect(path: string, out: string[]): void {
  let st;
  try {
    st = statSync(path);
  } catch {
    throw new UsageError('RESULT_MISSING', `result path ${path} does not exist`);
  }
  if (st.isDirectory()) {
    for (const name of readdirSync(path).sort()) {
      const child = join(path, name);
      if (statSync(child).isDirectory()) collect(child, out);
      else if (name.endsWith('.json') && !name.endsWith('.tmp')) out.push(child);
    }
  } else {
    out.push(path);
  }
}
