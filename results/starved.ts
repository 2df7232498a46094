/**
 * Starved connections (BACKGROUND.md claim C2, "a bounded thread pool cannot hold long-lived
 * connections"): connections the server's kernel accepted and whose upgrade request was sent, but which
 * got not one byte of answer within the handshake time limit. The client counts them under
 * STARVED_ERROR (clients/rfc6455/connection.ts); this is the one place that turns those counts into the figure
 * tables and reports print.
 */
import { STARVED_ERROR } from '../clients/rfc6455/connection.js';
import type { Cell } from './schema.js';

export interface Starvation {
  /** Connections accepted but never served within the handshake limit. */
  starved: number;
  /** Connections the cell tried to open. */
  of: number;
}

/** The cell's starved connections, or null when it opened none or none starved. */
export function starvationOf(cell: Cell): Starvation | null {
  if (cell.status === 'skipped') return null;
  if (cell.idle) {
    const starved = cell.idle.errors[STARVED_ERROR] ?? 0;
    return starved > 0 ? { starved, of: cell.idle.params.targetConnections } : null;
  }
  if (cell.load) {
    const starved = cell.load.connections.errors[STARVED_ERROR] ?? 0;
    return starved > 0 ? { starved, of: cell.load.connections.attempted } : null;
  }
  return null;
}

/** "starved: 100 of 300 connections" — the wording the tables use. */
export function describeStarvation(s: Starvation): string {
  return `starved: ${s.starved} of ${s.of} connections (accepted, upgrade never answered)`;
}
