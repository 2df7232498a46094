import type { Cell } from '../../results/schema.js';
import type { CellDraft, CellEnd } from './cell-run.js';

/**
 * The finished cell: the draft given its status, with exactly that status's fields (results/schema.ts).
 * A skipped cell never started, so it drops the measurement fields, all still null; ok has no error.
 * Keys in the order the file has always had them (identity, status, error, times, figures).
 */
export function settle(draft: CellDraft, end: CellEnd): Cell {
  const { id, server, target, params, repeat, startedAt, pinning, segment, agents, ...measurement } = draft;
  const identity = { id, server, target, params, repeat };
  const times = { startedAt, finishedAt: new Date().toISOString(), pinning };
  const distribution = { ...(segment === undefined ? {} : { segment }), ...(agents === undefined ? {} : { agents }) };
  if (end.status === 'ok') return { ...identity, status: 'ok', ...times, ...measurement, ...distribution };
  if (end.status === 'skipped') return { ...identity, status: 'skipped', error: end.error, ...times, ...distribution };
  return { ...identity, status: end.status, error: end.error, ...times, ...measurement, ...distribution };
}
