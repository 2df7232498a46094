/**
 * The load generator's clock: CLOCK_MONOTONIC in whole microseconds, as a plain number.
 *
 * Same source and unit as wire.ts nowUs() (so a timestamp taken here can be compared with one taken by
 * another process on this machine), but a number instead of a bigint: the hot path does arithmetic and
 * histogram records on it. µs since boot stay below 2^53 for ~285 years of uptime.
 */
export function monoUs(): number {
  // performance.now() plus a fixed offset would avoid the bigint, but on this machine the two clocks
  // jitter by ±10 µs against each other, and the bigint read costs only ~10 ns more.
  return Number(process.hrtime.bigint() / 1000n);
}

/** Splits a µs timestamp into the two u32 halves of the wire's u64 LE sendTimeUs field. */
export function lowU32(us: number): number {
  return us % 0x1_0000_0000;
}

export function highU32(us: number): number {
  return Math.floor(us / 0x1_0000_0000);
}
