/**
 * Open-loop schedule arithmetic and the split of connections over workers. Pure functions: no clock.
 *
 * Message i of connection c is due at  t0 + offset(c) + i · interval,  where
 *   interval  = 1 / perConnectionRate = connections / rateHz  (seconds)
 *   offset(c) = c / connections · interval
 * so the connections' sends interleave evenly instead of bursting together, and a send time never depends
 * on when an earlier message actually left (that would re-introduce coordinated omission).
 */

/** Time between two messages of one connection, µs, for rateHz spread over `connections`. */
export function intervalUs(rateHz: number, connections: number): number {
  return (connections * 1e6) / rateHz;
}

/** Start offset of connection c (0-based, over all workers) within one interval, µs. */
export function connectionOffsetUs(c: number, connections: number, interval: number): number {
  return (c * interval) / connections;
}

/** Intended send time of message i of connection c, µs (same clock as t0Us). */
export function intendedSendUs(t0Us: number, i: number, offsetUs: number, interval: number): number {
  // Multiplied out each time rather than accumulated, so rounding error cannot drift over a long run.
  return t0Us + offsetUs + i * interval;
}

/**
 * Global connection indices owned by worker w of `workers`: w, w + workers, w + 2·workers, …
 * Striding (not contiguous blocks) gives each worker offsets spread over the whole interval, so no
 * worker sends all its messages in one slice of it.
 */
export function connectionsOfWorker(total: number, workers: number, w: number): number[] {
  const out: number[] = [];
  for (let c = w; c < total; c += workers) out.push(c);
  return out;
}

/**
 * Walks one worker's sends in time order. With equal intervals and offsets ascending in c, the order is a
 * round robin over the worker's connections — O(1) per message, no heap.
 */
export class RoundRobinSchedule {
  /** Message index of the current round. */
  round = 0;
  /** Position in `offsetsUs` of the next send. */
  slot = 0;

  /**
   * @param offsetsUs ascending start offsets, one per local connection, each in [0, interval)
   */
  constructor(
    readonly t0Us: number,
    readonly interval: number,
    readonly offsetsUs: readonly number[],
  ) {}

  /** Intended time of the next send, µs; Infinity when there are no connections. */
  nextDueUs(): number {
    const offset = this.offsetsUs[this.slot];
    return offset === undefined ? Infinity : intendedSendUs(this.t0Us, this.round, offset, this.interval);
  }

  /** Moves past the next send. */
  advance(): void {
    if (++this.slot === this.offsetsUs.length) {
      this.slot = 0;
      this.round++;
    }
  }
}
