import { WORKLOADS } from '../../bench/workloads.js';
import { errorOf } from '../../results/cell-status.js';
import type { Cell } from '../../results/schema.js';
import { renderCompactTable, renderSummaryTable } from './table.js';
import { renderWorkloadSections } from './workloads.js';

/**
 * What `run` and `suite` print for a set of cells: the throughput/latency table for message workloads
 * and one line per cell for connection workloads (idle, broadcast, storm, …), whose figures do not fit
 * the table's columns.
 */
export function renderCells(
  cells: readonly Cell[],
  { color = false, box = true, wide = false }: { color?: boolean; box?: boolean; wide?: boolean } = {},
): string {
  const messageCells = cells.filter((c) => WORKLOADS[c.params.workload]?.run === undefined);
  const parts: string[] = [];
  if (messageCells.length > 0) parts.push(wide ? renderSummaryTable(messageCells, { color, box }) : renderCompactTable(messageCells, { color, box }));
  const sections = renderWorkloadSections(cells);
  if (sections) parts.push(sections);
  if (parts.length === 0)
    parts.push(cells.map((c) => `  ${c.server} ${c.params.workload} c=${c.params.connections}: ${c.status}${errorOf(c) ? `: ${errorOf(c)}` : ''}`).join('\n'));
  return parts.join('\n');
}
