import type { CellV1, ResultFileV1 } from './schema-v1.js';
import { SCHEMA_VERSION, type Cell, type ResultFile } from './schema.js';

/**
 * The error a version 1 file gave a cell stopped by Ctrl+C (bench/cell/judge.ts failureOf, and the abort
 * reason a workload reports): version 1 had no interrupted status and recorded it as failed.
 */
const V1_INTERRUPTED_ERROR = 'interrupted';

/**
 * A version 1 result file as the current version: every cell becomes its status's variant. Nothing else in
 * the file changed between the versions, so report and compare read old and new files alike.
 */
export function upgradeV1(file: ResultFileV1): ResultFile {
  return { ...file, schemaVersion: SCHEMA_VERSION, cells: file.cells.map(upgradeCellV1) };
}

/**
 * One version 1 cell (a flat bag) as a variant of the union on status:
 * - ok: the same, without its error (always null);
 * - skipped: without the figures (all null, it never ran);
 * - failed whose error is "interrupted": interrupted, with what it had measured;
 * - failed: failed, with what it had measured.
 * A non-ok cell without an error (none was written so) gets an empty one: its status still says it all.
 */
export function upgradeCellV1(cell: CellV1): Cell {
  const { id, server, target, params, repeat, status, error, startedAt, finishedAt, pinning, segment, agents, ...measurement } = cell;
  const identity = { id, server, target, params, repeat };
  const times = { startedAt, finishedAt, pinning };
  const distribution = { ...(segment === undefined ? {} : { segment }), ...(agents === undefined ? {} : { agents }) };
  const why = error ?? '';
  if (status === 'ok') return { ...identity, status, ...times, ...measurement, ...distribution };
  if (status === 'skipped') return { ...identity, status, error: why, ...times, ...distribution };
  const upgraded = why === V1_INTERRUPTED_ERROR ? 'interrupted' : 'failed';
  return { ...identity, status: upgraded, error: why, ...times, ...measurement, ...distribution };
}
