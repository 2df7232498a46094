/**
 * The WebSocket load worker's write path (clients/engine/ws-load.ts), on stub connections: what one burst of
 * open-loop sends writes, and which send time each message is booked with. No socket.
 */
import { describe, expect, it, vi } from 'vitest';

// A clock that moves 100 µs per reading, so every monoUs() call is told apart.
let clockUs = 5_000_000;
vi.mock('../../../clients/clock.js', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../../../clients/clock.js')>()),
  monoUs: () => (clockUs += 100),
}));

const { LoadConn, LoadWorker } = await import('../../../clients/engine/ws-load.js');
const { loadPlan } = await import('../plan-fixture.js');

interface Worker {
  books: { times: unknown };
  conns: InstanceType<typeof LoadConn>[];
  sendScheduled(lc: InstanceType<typeof LoadConn>, dueUs: number): void;
  afterBurst(): void;
}

function stubConnection(writes: number[]): InstanceType<typeof LoadConn>['conn'] {
  return { isOpen: true, socket: { writableLength: 0 }, write: () => writes.push(clockUs) > 0 } as unknown as InstanceType<typeof LoadConn>['conn'];
}

describe('LoadWorker: one open-loop burst', () => {
  it('writes once per connection and books each message with the time of its own write, not of the burst start', () => {
    const plan = loadPlan({ connections: 3, mode: 'open', rateHz: 3000 });
    const worker = new LoadWorker(plan, 0, 1) as unknown as Worker;
    // The plan's 1 s window around the clock, so every message is a window message.
    worker.books.times = { warmupStartUs: 4_800_000, measureStartUs: 4_900_000, measureEndUs: 5_900_000, drainEndUs: 6_000_000 };
    const writes: number[] = [];
    const conns = [0, 1, 2].map((i) => {
      const lc = new LoadConn(i, plan.depth, 1024);
      lc.conn = stubConnection(writes);
      return lc;
    });
    for (const lc of conns) worker.sendScheduled(lc, clockUs);
    worker.afterBurst();

    expect(writes).toHaveLength(3);
    const sentUs = conns.map((lc) => lc.inflight.sentUs[0]!);
    // Each message's send time is read just before its own write: strictly increasing along the burst, and
    // never earlier than the write before it (the wait behind earlier writes is not service time).
    expect(sentUs[0]).toBeLessThan(sentUs[1]!);
    expect(sentUs[1]).toBeLessThan(sentUs[2]!);
    for (let k = 1; k < 3; k++) expect(sentUs[k]).toBeGreaterThanOrEqual(writes[k - 1]!);
  });
});
