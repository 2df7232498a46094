import type { Cell } from './schema.js';

/**
 * The latency a table or chart leads with: corrected latency (from intended send times, open loop) when the
 * cell has it, else service time (closed loop). One rule for every reporter (docs/METHOD.md §2).
 */
export function headlineLatency(cell: Cell) {
  if (cell.status === 'skipped') return null;
  return cell.load?.corrected ?? cell.load?.service ?? null;
}
