import { transportOf } from '../../servers/spec.js';
import { transportSkipReason } from '../workloads.js';
import type { CellRun } from './cell-run.js';

/**
 * Why this cell cannot run, or null when it can. Skips are results too: they say why a server has no
 * figure (unavailable, an op or transport the workload needs, a --target without the contract).
 */
export function skipReason(run: CellRun): string | null {
  const { spec, workload, req } = run;
  if (spec) {
    const availability = spec.availability();
    if (!availability.available) {
      const why = `${availability.reason}${availability.fix ? ` (fix: ${availability.fix})` : ''}`;
      run.events.warn?.(`${spec.name}: skipped, ${why}`);
      return `unavailable: ${why}`;
    }
    const missing = workload.ops.filter((op) => !spec.ops.includes(op));
    if (missing.length > 0) return `${spec.name} does not implement op(s) ${missing.join(', ')} needed by workload ${workload.name}`;
    return transportSkipReason(workload, spec.name, transportOf(spec));
  }
  if (req.target && !req.target.contract && !workload.plainEcho) {
    return `workload ${workload.name} needs the wsarena contract; --target without --contract only supports echo`;
  }
  return null;
}
