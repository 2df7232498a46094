/**
 * Files that live beside result files in a results folder but are not results: read by the report for what they
 * hold, skipped without a warning by the folder reader (results/reader.ts).
 */

/** `wsarena pool-overhead --json FILE` output (bench/pool-overhead.ts): the dashboard's pool rows quote it (report/pool-overhead-note.ts). */
export const POOL_OVERHEAD_FILE = 'pool-overhead.json';

/** Every companion file name. */
export const COMPANION_FILES: ReadonlySet<string> = new Set([POOL_OVERHEAD_FILE]);
