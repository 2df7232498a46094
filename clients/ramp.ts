/**
 * Opening a worker's share of the connections (or long-poll sessions): at its share of the ramp rate,
 * or as fast as a bound on attempts in progress allows, with progress reported while it runs. Shared by
 * every client kind so a ramp means the same thing in every workload.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { portRange } from '../core/port-range.js';
import { monoUs } from './clock.js';

/** How often progress is reported while opening. */
export const PROGRESS_INTERVAL_MS = 200;

export interface RampOptions {
  /** Global connection indices to open, in order. */
  indices: readonly number[];
  /** This worker's attempts per second, or null for as fast as maxConcurrent allows. */
  ratePerSec: number | null;
  /** Attempts in progress at once (keeps SYN backlogs sane). */
  maxConcurrent: number;
  /** Called every PROGRESS_INTERVAL_MS while opening, and once at the end. */
  progress(): void;
}

/** Runs attempt(index) for each index; resolves once every attempt has settled. attempt must not reject. */
export async function rampAttempts(options: RampOptions, attempt: (index: number) => Promise<void>): Promise<void> {
  const { indices, ratePerSec, maxConcurrent } = options;
  const startedUs = monoUs();
  const inProgress = new Set<Promise<void>>();
  const ticker = setInterval(() => options.progress(), PROGRESS_INTERVAL_MS);
  try {
    for (let k = 0; k < indices.length; k++) {
      if (ratePerSec !== null) {
        // Absolute due times: a slow handshake delays one attempt, not all the ones after it.
        const waitMs = (startedUs + (k * 1e6) / ratePerSec - monoUs()) / 1000;
        if (waitMs >= 1) await sleep(waitMs);
      }
      while (inProgress.size >= maxConcurrent) await Promise.race(inProgress);
      const p: Promise<void> = attempt(indices[k]!).finally(() => inProgress.delete(p));
      inProgress.add(p);
    }
    await Promise.all(inProgress);
  } finally {
    clearInterval(ticker);
  }
  options.progress();
}

/** The source address of connection `index`: rotated over the list (docs/METHOD.md §7), or kernel-chosen. */
export function sourceAddressFor(addresses: readonly string[], index: number): string | undefined {
  return addresses.length > 0 ? addresses[index % addresses.length] : undefined;
}

/** Where a WebSocket connection connects from: a source address and, with one, a planned source port. */
export interface SourceEndpoint {
  localAddress?: string;
  localPort?: number;
}

let ephemeralPorts: [number, number] | null | undefined;
/** The ephemeral range, read once per process. */
function ephemeralRange(): [number, number] | null {
  if (ephemeralPorts === undefined) ephemeralPorts = portRange();
  return ephemeralPorts;
}

/**
 * The source address of connection `index` (sourceAddressFor) and, with addresses, an explicit source port:
 * the index-th of its address, counted from the bottom of the ephemeral range. Why a port: binding an address
 * with port 0 makes the kernel search the bind table for a port free for any destination, a scan that grows
 * with the ports already bound (measured here, one connect at a time: ~55 µs per connect with 6,000 ports
 * bound, 3.8 ms with 16,000, nearly all kernel time), so ramps to 100k slowed to ~110 connections/s; an explicit
 * port is one lookup (~50 µs at 18,000). Indices are disjoint across workers and segments, so are the ports.
 * Null range (unreadable) or an index past the range: no port, the kernel chooses.
 */
export function sourceEndpointFor(addresses: readonly string[], index: number, range = ephemeralRange()): SourceEndpoint {
  const localAddress = sourceAddressFor(addresses, index);
  if (localAddress === undefined || range === null) return { localAddress };
  const port = range[0] + Math.floor(index / addresses.length);
  return port <= range[1] ? { localAddress, localPort: port } : { localAddress };
}
