import { readFileSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { COMPANION_FILES } from './companions.js';
import { join } from 'node:path';
import { UsageError } from '../core/errors.js';
import { renamedServer } from '../servers/legacy-names.js';
import { SCHEMA_VERSION, resultFileSchema, type Cell, type ResultFile } from './schema.js';
import { resultFileSchemaV1 } from './schema-v1.js';
import { upgradeV1 } from './upgrade-v1.js';
import { formatIssues } from './writer.js';

/**
 * Reads and validates one result file, of the current schemaVersion or version 1 (upgraded on read,
 * results/upgrade-v1.ts); any problem is a UsageError naming the file and the field. Cells
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
  if (version === 1) {
    // Validated as the version it is, then upgraded: an old file's problems are named in its own terms.
    const parsed = resultFileSchemaV1.safeParse(json);
    if (!parsed.success) throw new UsageError('RESULT_INVALID', `result file ${path}: ${formatIssues(parsed.error.issues)}`);
    return withCurrentServerNames(upgradeV1(parsed.data));
  }
  if (version !== SCHEMA_VERSION) {
    throw new UsageError('RESULT_VERSION', `result file ${path}: schemaVersion ${JSON.stringify(version)} is not supported; this wsarena reads versions 1 and ${SCHEMA_VERSION}`);
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

export interface ReadResultsOptions {
  /** Where "skipped …" warnings go (default: stderr as `warning: …`). */
  warn?: (message: string) => void;
}

/**
 * Expands files and folders (recursively) into validated results. A path given by name must be a result
 * file (any problem is a UsageError). Inside folders, *.json files that are not result files (no
 * schemaVersion, not JSON), dangling symlinks and symlink loops are skipped with a warning; dashboards built
 * by `wsarena report` are skipped silently (their results/ are byte copies: read again they would count as
 * extra repeats).
 */
export function readResults(paths: string[], opts: ReadResultsOptions = {}): Array<{ path: string; file: ResultFile }> {
  const warn = opts.warn ?? ((m: string) => process.stderr.write(`warning: ${m}\n`));
  const found: Array<{ path: string; named: boolean }> = [];
  const seen = new Set<string>();
  for (const p of paths) {
    let st;
    try {
      st = statSync(p);
    } catch {
      throw new UsageError('RESULT_MISSING', `result path ${p} does not exist`);
    }
    if (st.isDirectory()) collect(p, found, seen, warn);
    else if (!seen.has(realpathSync(p))) {
      seen.add(realpathSync(p));
      found.push({ path: p, named: true });
    }
  }
  const out: Array<{ path: string; file: ResultFile }> = [];
  for (const { path, named } of found) {
    if (!named) {
      const why = notAResultFile(path);
      if (why !== null) {
        warn(`skipped ${path}: ${why}`);
        continue;
      }
    }
    out.push({ path, file: readResultFile(path) });
  }
  if (out.length === 0) throw new UsageError('NO_RESULTS', `no result files found in ${paths.join(', ')}`);
  return out;
}

/** Marker file `wsarena report` writes into a dashboard folder (report/dashboard.ts). */
export const DASHBOARD_MARKER = '.wsarena-dashboard';

/** A folder `wsarena report` built: its marker, or index.html beside assets/ and results/ (older builds). */
export function isDashboardFolder(dir: string): boolean {
  const has = (name: string, dirWanted: boolean) => {
    try {
      const st = statSync(join(dir, name));
      return dirWanted ? st.isDirectory() : st.isFile();
    } catch {
      return false;
    }
  };
  return has(DASHBOARD_MARKER, false) || (has('index.html', false) && has('assets', true) && has('results', true));
}

/** Why a *.json found in a folder is not a result file (so it is skipped), or null when it claims to be one. */
function notAResultFile(path: string): string | null {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    return err instanceof SyntaxError ? 'not JSON' : `cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`;
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json) || !('schemaVersion' in json)) return 'not a wsarena result file (no schemaVersion)';
  return null;
}

function collect(dir: string, out: Array<{ path: string; named: boolean }>, seen: Set<string>, warn: (m: string) => void): void {
  const real = realpathSync(dir);
  if (seen.has(real)) {
    warn(`skipped ${dir}: already read (a symlink loop or a second link to ${real})`);
    return;
  }
  seen.add(real);
  // Skipped without a warning: `report results/ --out results/dashboard` meets its own output every time.
  if (isDashboardFolder(dir)) return;
  for (const name of readdirSync(dir).sort()) {
    const child = join(dir, name);
    let st;
    try {
      st = statSync(child);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      warn(`skipped ${child}: ${code === 'ENOENT' ? 'a dangling symlink' : code === 'ELOOP' ? 'a symlink loop' : `cannot read it (${code ?? (err as Error).message})`}`);
      continue;
    }
    if (st.isDirectory()) collect(child, out, seen, warn);
    // A companion (e.g. pool-overhead.json) belongs in the folder; it is read by whoever needs it, not as a result.
    else if (name.endsWith('.json') && !COMPANION_FILES.has(name)) {
      const realChild = realpathSync(child);
      if (seen.has(realChild)) continue;
      seen.add(realChild);
      out.push({ path: child, named: false });
    }
  }
}
