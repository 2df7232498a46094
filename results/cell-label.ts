import { formatServerArgs } from '../servers/spec.js';
import type { Cell } from './schema.js';

/** The cell's server name, with its own flags when the run set any: java-threads max-threads=200 is another server than java-threads. */
export function serverLabel(cell: Cell): string {
  const args = formatServerArgs(cell.params.serverArgs ?? {});
  return args ? `${cell.server} ${args}` : cell.server;
}
