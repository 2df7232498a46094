/**
 * Per-connection table of messages awaiting a reply, keyed by seq.
 *
 * Seqs are handed out in increasing order, so the table is a ring of typed arrays indexed by
 * seq & mask — no Map, no object per message. It grows when the oldest unanswered seq falls a full ring
 * behind (a server that loses messages makes it grow; that is bounded by the messages of one run).
 */

/** take() result: the seq was never sent on this connection. */
export const UNEXPECTED = -1;
/** take() result: the seq was sent and already answered. */
export const DUPLICATE = -2;

const FREE = 0;
const PENDING = 1;
const PENDING_IN_WINDOW = 2;

export class InflightTable {
  private capacity: number;
  private mask: number;
  private state: Uint8Array;
  /** Intended send time, µs (open loop; equals sentUs in closed loop). */
  intendedUs: Float64Array;
  /** Actual send time as written into the message, µs. */
  sentUs: Float64Array;
  /** Message class (0 cheap, 1 heavy). */
  cls: Uint8Array;
  /** Lowest seq that may still be pending; every lower seq has been answered. */
  private base = 0;
  /** Next seq to hand out. */
  next = 0;
  /** Pending messages that were sent in the measured window. */
  pendingInWindow = 0;

  constructor(initialCapacity = 16) {
    this.capacity = 1 << Math.ceil(Math.log2(Math.max(2, initialCapacity)));
    this.mask = this.capacity - 1;
    this.state = new Uint8Array(this.capacity);
    this.intendedUs = new Float64Array(this.capacity);
    this.sentUs = new Float64Array(this.capacity);
    this.cls = new Uint8Array(this.capacity);
  }

  /** Registers the next message; returns its seq. */
  add(intendedUs: number, sentUs: number, cls: number, inWindow: boolean): number {
    if (this.next - this.base >= this.capacity) this.grow();
    const seq = this.next++;
    const i = seq & this.mask;
    this.state[i] = inWindow ? PENDING_IN_WINDOW : PENDING;
    this.intendedUs[i] = intendedUs;
    this.sentUs[i] = sentUs;
    this.cls[i] = cls;
    if (inWindow) this.pendingInWindow++;
    return seq;
  }

  /**
   * Marks seq answered. Returns its slot index (read intendedUs/sentUs/cls there, and wasInWindow())
   * or UNEXPECTED / DUPLICATE.
   */
  take(seq: number): number {
    if (seq >= this.next) return UNEXPECTED;
    if (seq < this.base) return DUPLICATE;
    const i = seq & this.mask;
    const s = this.state[i]!;
    if (s === FREE) return DUPLICATE;
    this.state[i] = FREE;
    this.lastTakenInWindow = s === PENDING_IN_WINDOW;
    if (this.lastTakenInWindow) this.pendingInWindow--;
    while (this.base < this.next && this.state[this.base & this.mask] === FREE) this.base++;
    return i;
  }

  /** Whether the message last returned by take() was sent in the measured window. */
  lastTakenInWindow = false;

  /** Messages still pending, inside the window or not. */
  get pending(): number {
    let n = 0;
    for (let seq = this.base; seq < this.next; seq++) if (this.state[seq & this.mask] !== FREE) n++;
    return n;
  }

  private grow(): void {
    const capacity = this.capacity * 2;
    const mask = capacity - 1;
    const state = new Uint8Array(capacity);
    const intendedUs = new Float64Array(capacity);
    const sentUs = new Float64Array(capacity);
    const cls = new Uint8Array(capacity);
    for (let seq = this.base; seq < this.next; seq++) {
      const from = seq & this.mask;
      const to = seq & mask;
      state[to] = this.state[from]!;
      intendedUs[to] = this.intendedUs[from]!;
      sentUs[to] = this.sentUs[from]!;
      cls[to] = this.cls[from]!;
    }
    this.capacity = capacity;
    this.mask = mask;
    this.state = state;
    this.intendedUs = intendedUs;
    this.sentUs = sentUs;
    this.cls = cls;
  }
}
