import type { Cell, CellStatus, FailedCell, InterruptedCell, MeasuredCell, OkCell } from './schema.js';

/**
 * Type guards on a cell's status (results/schema.ts): consumers narrow with these rather than cast, so a
 * field read on a status that cannot have it is a compile error.
 */
export const isOk = (cell: Cell): cell is OkCell => cell.status === 'ok';

/** Started (ok, failed or interrupted): it has the measurement fields, null where nothing was measured. */
export const isMeasured = (cell: Cell): cell is MeasuredCell => cell.status !== 'skipped';

/**
 * Did not finish: failed, or interrupted by Ctrl+C. Version 1 files recorded an interrupted cell as failed,
 * so everything that counted failures (exit code, a file's state, report and compare) counts both.
 */
export const isFailure = (cell: Cell): cell is FailedCell | InterruptedCell => isFailureStatus(cell.status);

/** isFailure on a status alone (report rows keep the status, not the cell). */
export const isFailureStatus = (status: CellStatus): boolean => status === 'failed' || status === 'interrupted';

/** The cell's error: why it failed, was skipped or interrupted; null for an ok cell, which has none. */
export const errorOf = (cell: Cell): string | null => (cell.status === 'ok' ? null : cell.error);
