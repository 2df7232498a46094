import { describe, expect, it } from 'vitest';
import { type RunRequest, runMatrix } from '../../bench/runner.js';
import { measured } from '../fixtures/results.js';
import { resultPathIn, runRequest } from '../fixtures/run-request.js';

/**
 * The coordinated-omission correction, proven (METHOD.md §2): a server that blocks its event loop for
 * 200 ms every second. An open-loop run keeps sending on schedule, so messages due during the stall
 * wait and corrected p99 approaches the stall. A closed-loop run stops sending while it waits, records
 * one slow sample per connection per stall, and its p99 stays far below the stall: the stall is hidden.
 */
const STALL_MS = 200;

function request(overrides: Partial<RunRequest>): RunRequest {
  return runRequest({
    durationMs: 3000,
    warmupMs: 500,
    drainMs: 1000,
    stall: { everyMs: 1000, durationMs: STALL_MS },
    outPath: resultPathIn('wsarena-co-'),
    ...overrides,
  });
}

describe('coordinated omission', () => {
  it('open loop: corrected p99 reflects the stall', async () => {
    const file = await runMatrix(request({ mode: 'open', rateHz: 1000 }));
    const load = measured(file.cells[0]).load!;
    expect(file.cells[0]!.status).toBe('ok');
    // ~20% of messages fall due during a stall and wait up to its length.
    expect(load.corrected!.p99Us).toBeGreaterThan(STALL_MS * 1000 * 0.75);
    expect(load.corrected!.p99Us).toBeLessThan(STALL_MS * 1000 * 2);
  }, 60_000);

  it('closed loop: p99 against the same server stays far below the stall', async () => {
    const file = await runMatrix(request({ mode: 'closed', depth: 1 }));
    const load = measured(file.cells[0]).load!;
    expect(file.cells[0]!.status).toBe('ok');
    expect(load.corrected).toBeNull();
    // The stall is still there (max sees it) but the percentiles hide it.
    expect(load.service.maxUs).toBeGreaterThan(STALL_MS * 1000 * 0.5);
    expect(load.service.p99Us).toBeLessThan(STALL_MS * 1000 * 0.25);
  }, 60_000);
});
