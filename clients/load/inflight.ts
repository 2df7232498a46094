/**
 * Per-connection table of messages awaiting a reply, keyed by seq.
 *
 * Seqs are handed out in increasing order, so the table is a ring of typed arrays indexed by
 * seq & mask — no Map, no object per message. It grows (doubling) while messages stay unanswered, but
 * never past a bound: the window.
 *
 * The window is counted in sends, not time: a message still unanswered when `window` later messages
 * have been sent on its connection is expired — counted lost (expiredInWindow) — and the window moves
 * on. A count rather than an age because the count alone bounds the memory (ring ≤ 2 × window slots of
 * 18 bytes whatever the rate), it is deterministic (no clock reads on the hot path, same result on a
 * slow and a fast box), and a reply that is `window` sends behind on its own connection is no longer a
 * latency figure anyone can use. The load workers size it with inflightWindowFor(): in open loop ~10 s of
 * one connection's sends (longer than any drain or test stall), so no healthy run ever expires a message
 * and everything inside the window — matching, corruption check, lost / duplicate / out-of-order counts —
 * stays exact; small enough that a lost reply per connection costs at most 2 × window × 18 bytes.
 *
 * The ring keeps at least one more window of history below the oldest pending seq, so a reply to an
 * expired message is told apart from a duplicate: it is LATE (counted as `late`, never matched).
 */

/** take() result: the seq was never sent on this connection. */
export const UNEXPECTED = -1;
/** take() result: the seq was sent and already answered. */
export const DUPLICATE = -2;
/**
 * take() result: the seq was expired (counted lost) before its reply came, or is older than the history
 * the table keeps (two windows), where a late reply and a duplicate can no longer be told apart.
 */
export const LATE = -3;

/** Later sends after which an unanswered message is counted lost (InflightTable's default). */
export const DEFAULT_INFLIGHT_WINDOW = 65_536;
/** Bounds of inflightWindowFor(): 37 KB to 2.4 MB per connection that lost a reply. */
export const MIN_INFLIGHT_WINDOW = 1024;
export const MAX_INFLIGHT_WINDOW = 65_536;
/** Open loop: the window covers this long of one connection's sends. */
export const INFLIGHT_WINDOW_SECONDS = 10;
/** Closed loop: replies overtaken by this many later sends on their connection count as lost. */
export const CLOSED_LOOP_INFLIGHT_WINDOW = 4096;

/**
 * The window for a run: open loop, INFLIGHT_WINDOW_SECONDS of one connection's share of the rate (a 1,000 msg/s
 * run over 50 connections → 1,024; 5k msg/s on one connection → 65,536); closed loop, where at most `depth`
 * are in flight and a lost one at depth 1 stalls its connection anyway, CLOSED_LOOP_INFLIGHT_WINDOW. Sizing
 * it from the rate keeps the memory of a soak flat: a fixed 65,536 would let each connection that lost one
 * reply grow its ring for ~27 minutes at 40 msg/s.
 */
export function inflightWindowFor(plan: { mode: 'closed' | 'open'; rateHz: number | null; connections: number; depth: number }): number {
  const wanted = plan.mode === 'open' && plan.rateHz !== null ? (plan.rateHz / plan.connections) * INFLIGHT_WINDOW_SECONDS : CLOSED_LOOP_INFLIGHT_WINDOW;
  return Math.min(MAX_INFLIGHT_WINDOW, Math.max(MIN_INFLIGHT_WINDOW, plan.depth * 4, Math.ceil(wanted)));
}

const FREE = 0;
const PENDING = 1;
const PENDING_IN_WINDOW = 2;
const EXPIRED = 3;
const EXPIRED_IN_WINDOW = 4;

export class InflightTable {
  private capacity: number;
  private mask: number;
  private readonly maxCapacity: number;
  /** Unanswered messages allowed before the oldest is expired (a power of two). */
  readonly window: number;
  private state: Uint8Array;
  /** Intended send time, µs (open loop; equals sentUs in closed loop). */
  intendedUs: Float64Array;
  /** Actual send time as written into the message, µs. */
  sentUs: Float64Array;
  /** Message class (0 cheap, 1 heavy). */
  cls: Uint8Array;
  /** Lowest seq that may still be pending; every lower seq has been answered or expired. */
  private base = 0;
  /** Next seq to hand out. */
  next = 0;
  /** Pending messages that were sent in the measured window. */
  pendingInWindow = 0;
  /** Window messages expired unanswered: lost (they are never matched, even if a reply comes later). */
  expiredInWindow = 0;

  constructor(initialCapacity = 16, window = DEFAULT_INFLIGHT_WINDOW) {
    this.window = 1 << Math.ceil(Math.log2(Math.max(2, window)));
    this.maxCapacity = this.window * 2;
    this.capacity = Math.min(this.maxCapacity, 1 << Math.ceil(Math.log2(Math.max(2, initialCapacity))));
    this.mask = this.capacity - 1;
    this.state = new Uint8Array(this.capacity);
    this.intendedUs = new Float64Array(this.capacity);
    this.sentUs = new Float64Array(this.capacity);
    this.cls = new Uint8Array(this.capacity);
  }

  /** Slots allocated now (at most 2 × window). */
  get ringSize(): number {
    return this.capacity;
  }

  /** Registers the next message; returns its seq. */
  add(intendedUs: number, sentUs: number, cls: number, inWindow: boolean): number {
    while (this.next - this.base >= this.window) this.expireOldest();
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
   * or UNEXPECTED / DUPLICATE / LATE.
   */
  take(seq: number): number {
    if (seq >= this.next || seq < 0) return UNEXPECTED;
    if (seq < this.next - this.capacity) {
      // Older than the history kept: unknowable whether it was answered; not matched, and not silent.
      this.lastTakenInWindow = true;
      return LATE;
    }
    const i = seq & this.mask;
    const s = this.state[i]!;
    if (s === FREE) return DUPLICATE;
    if (s === EXPIRED || s === EXPIRED_IN_WINDOW) {
      this.lastTakenInWindow = s === EXPIRED_IN_WINDOW;
      this.state[i] = FREE; // a second copy of it is a duplicate
      return LATE;
    }
    this.state[i] = FREE;
    this.lastTakenInWindow = s === PENDING_IN_WINDOW;
    if (this.lastTakenInWindow) this.pendingInWindow--;
    while (this.base < this.next && this.state[this.base & this.mask] !== PENDING && this.state[this.base & this.mask] !== PENDING_IN_WINDOW) this.base++;
    return i;
  }

  /** Whether the message last returned by take() (or reported LATE) was sent in the measured window. */
  lastTakenInWindow = false;

  /** Messages still pending, inside the window or not. */
  get pending(): number {
    let n = 0;
    for (let seq = this.base; seq < this.next; seq++) {
      const s = this.state[seq & this.mask];
      if (s === PENDING || s === PENDING_IN_WINDOW) n++;
    }
    return n;
  }

  /** The oldest pending message is `window` sends behind: count it lost and move the window on. */
  private expireOldest(): void {
    // Keep a window of history below base from now on, so a late reply is told apart from a duplicate.
    if (this.capacity < this.maxCapacity) this.grow(this.maxCapacity);
    const i = this.base & this.mask;
    const s = this.state[i];
    if (s === PENDING_IN_WINDOW) {
      this.state[i] = EXPIRED_IN_WINDOW;
      this.pendingInWindow--;
      this.expiredInWindow++;
    } else if (s === PENDING) {
      this.state[i] = EXPIRED;
    }
    this.base++;
    while (this.base < this.next && this.state[this.base & this.mask] !== PENDING && this.state[this.base & this.mask] !== PENDING_IN_WINDOW) this.base++;
  }

  private grow(to = this.capacity * 2): void {
    const capacity = Math.min(this.maxCapacity, to);
    if (capacity === this.capacity) return;
    const mask = capacity - 1;
    const state = new Uint8Array(capacity);
    const intendedUs = new Float64Array(capacity);
    const sentUs = new Float64Array(capacity);
    const cls = new Uint8Array(capacity);
    // Everything the old ring still holds, including the history below base (answered or expired).
    for (let seq = Math.max(0, this.next - this.capacity); seq < this.next; seq++) {
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
