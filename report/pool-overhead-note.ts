/**
 * What a pool hand-off costs on its own, for the dashboard's pool rows: figures of `wsarena pool-overhead --json
 * pool-overhead.json` (bench/pool-overhead.ts, `{ cells, rows }`) when such a file lies in a folder of the results
 * being reported (e.g. results/reference/pool/). Read from the file, never typed in; without it the note names the
 * command that measures it.
 */

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { PoolOverheadRow } from '../bench/pool-overhead.js';
import { formatUs } from '../core/format.js';
import { POOL_OVERHEAD_FILE } from '../results/companions.js';

export { POOL_OVERHEAD_FILE };

export interface PoolOverheadFigures {
  /** Where the figures came from (as found). */
  path: string;
  rows: Array<Pick<PoolOverheadRow, 'mode' | 'cpus' | 'threads' | 'cpuUsPerTask' | 'overheadUsPerTask' | 'ratioToInline'>>;
}

/** The first pool-overhead.json in the folders of these result files, or null (a malformed one is ignored). */
export function findPoolOverhead(resultPaths: readonly string[]): PoolOverheadFigures | null {
  for (const dir of [...new Set(resultPaths.map((p) => dirname(p)))]) {
    const path = join(dir, POOL_OVERHEAD_FILE);
    if (!existsSync(path)) continue;
    try {
      const json = JSON.parse(readFileSync(path, 'utf8')) as { rows?: unknown };
      if (!Array.isArray(json.rows)) continue;
      const rows = json.rows.filter(
        (r): r is PoolOverheadFigures['rows'][number] =>
          typeof r === 'object' && r !== null && typeof (r as PoolOverheadRow).mode === 'string' && typeof (r as PoolOverheadRow).cpuUsPerTask === 'number',
      );
      if (rows.length > 0) return { path, rows };
    } catch {}
  }
  return null;
}

/** "A piscina hand-off cost 12 µs of CPU per task over computing it inline (CPUs 0; 1 thread), …", or the command. */
export function poolOverheadText(figures: PoolOverheadFigures | null): string {
  const piscina = (figures?.rows ?? []).filter((r) => r.mode === 'piscina' && r.overheadUsPerTask !== null);
  if (figures === null || piscina.length === 0) {
    return 'A pool hand-off costs CPU of its own on this machine: `wsarena pool-overhead --json pool-overhead.json` measures it apart from any server (put the file beside these results and rebuild).';
  }
  const parts = piscina.map(
    (r) =>
      `${formatUs(r.overheadUsPerTask!)}${r.ratioToInline !== null ? ` (${r.ratioToInline.toFixed(2)}× inline)` : ''} on CPUs ${r.cpus ?? 'unpinned'} with ${r.threads} thread${r.threads === 1 ? '' : 's'}`,
  );
  return `A pool hand-off costs CPU of its own on this machine: a bare piscina pool needed ${parts.join('; ')} more CPU per task than computing it inline (wsarena pool-overhead, ${figures.path}).`;
}
