/**
 * Per-thread counters in a SharedArrayBuffer, so any thread can answer GET /stats with every thread's
 * figures at that moment. Each thread writes only its own slot; Float64 elements hold exact integers up to
 * 2^53 and aligned typed-array accesses never tear. A per-thread Int32 sequence, bumped with Atomics after
 * each write and read with Atomics before the values, orders the plain writes before the reads.
 */
import type { Counters } from '../common/counters.js';

/** Fields of one thread's slot, in order. */
const FIELDS = ['openConnections', 'messagesHandled', 'broadcastDeliveries', 'protocolCloses', 'sendDrops'] as const;
const FIELD_COUNT = FIELDS.length;

/** One thread's figures as /stats reports them. */
export interface ThreadCounters extends Counters {
  thread: number;
  /** ECHO/WORK replies uWS dropped for backpressure in this thread. */
  sendDrops: number;
}

/** The shared memory every thread gets (workerData) and how many threads it covers. */
export interface SharedCounters {
  threads: number;
  values: SharedArrayBuffer;
  sequence: SharedArrayBuffer;
}

export function createSharedCounters(threads: number): SharedCounters {
  return {
    threads,
    values: new SharedArrayBuffer(threads * FIELD_COUNT * Float64Array.BYTES_PER_ELEMENT),
    sequence: new SharedArrayBuffer(threads * Int32Array.BYTES_PER_ELEMENT),
  };
}

/** Views on SharedCounters: publish() from the owning thread, readAll() from any. */
export class CounterSlots {
  private readonly values: Float64Array;
  private readonly sequence: Int32Array;

  constructor(private readonly shared: SharedCounters) {
    this.values = new Float64Array(shared.values);
    this.sequence = new Int32Array(shared.sequence);
  }

  /** Copies thread's counters into its slot. Only that thread may call it. */
  publish(thread: number, counters: Counters, sendDrops: number): void {
    const base = thread * FIELD_COUNT;
    const values = this.values;
    values[base] = counters.openConnections;
    values[base + 1] = counters.messagesHandled;
    values[base + 2] = counters.broadcastDeliveries;
    values[base + 3] = counters.protocolCloses;
    values[base + 4] = sendDrops;
    Atomics.add(this.sequence, thread, 1);
  }

  /** Every thread's counters now. */
  readAll(): ThreadCounters[] {
    const all: ThreadCounters[] = [];
    for (let thread = 0; thread < this.shared.threads; thread++) {
      Atomics.load(this.sequence, thread);
      const base = thread * FIELD_COUNT;
      const values = this.values;
      all.push({
        thread,
        openConnections: values[base]!,
        messagesHandled: values[base + 1]!,
        broadcastDeliveries: values[base + 2]!,
        protocolCloses: values[base + 3]!,
        sendDrops: values[base + 4]!,
      });
    }
    return all;
  }
}
