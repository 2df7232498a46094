import { describe, expect, it } from 'vitest';
import { lateMarks, SERVER_WINDOW_TOLERANCE } from '../../bench/mark-lag.js';
import { runMatrix } from '../../bench/runner.js';
import { lateMarksReason } from '../../bench/verdict.js';
import { measured } from '../fixtures/results.js';
import { resultPathIn, runRequest } from '../fixtures/run-request.js';

describe('lateMarks: when the runner read the server too late for the window', () => {
  it('stands up to 10% of the window at either edge, not beyond', () => {
    expect(SERVER_WINDOW_TOLERANCE).toBe(0.1);
    expect(lateMarks({ windowMs: 5000, startLagMs: 500, endLagMs: 13 })).toBeNull();
    expect(lateMarks({ windowMs: 5000, startLagMs: 501, endLagMs: 0 })).toEqual({ windowMs: 5000, startLagMs: 501, endLagMs: 0 });
    expect(lateMarks({ windowMs: 5000, startLagMs: 0, endLagMs: 4990 })).not.toBeNull();
  });

  it('is worded with both lags, the window and what is dropped', () => {
    const text = lateMarksReason({ windowMs: 5000, startLagMs: 4980.4, endLagMs: 12.2 });
    expect(text).toContain('4980 ms late at the start of the 5000 ms window and 12 ms late at its end');
    expect(text).toContain('none is reported; throughput and latency are the client');
  });
});

describe('a run whose runner is blocked at the window start', () => {
  // The runner's event loop blocked for 800 ms just before the measuring edge (as reading 10,000 task
  // status files did under java-threads): its server readings would start 0.8 s into a 2 s window.
  it('keeps the load, drops the server-side figures and says why in the verdict', async () => {
    const blockMs = 800;
    const file = await runMatrix(runRequest({ durationMs: 2000, warmupMs: 300, outPath: resultPathIn('wsarena-late-') }), {
      load: (e) => {
        if (e.type !== 'phase' || e.phase !== 'warmup') return;
        const until = performance.now() + 300 + blockMs;
        while (performance.now() < until) {
          // busy: the runner cannot reach the measuring edge
        }
      },
    });
    const cell = measured(file.cells[0]);
    expect(cell.status).toBe('ok');
    expect(cell.load!.counts.received).toBeGreaterThan(0);
    expect(cell.serverResources).toBeNull();
    expect(cell.serverMessagesHandled).toBeNull();
    expect(cell.cores).toEqual({ unavailable: expect.stringContaining('late') });
    const reason = cell.verdict!.reasons.find((r) => r.startsWith('the runner read the server'));
    expect(reason).toMatch(/read the server (\d+) ms late at the start of the 2000 ms window/);
    expect(Number(/server (\d+) ms late/.exec(reason!)![1])).toBeGreaterThanOrEqual(blockMs - 50);
    expect(cell.verdict!.reasons.join(' ')).not.toContain('server CPU was not measured');
  }, 30_000);

  it('an unblocked run keeps them (the check does not fire on an ordinary run)', async () => {
    // 2 s: the check allows 200 ms, far above an ordinary run's lag (under 15 ms measured here).
    const file = await runMatrix(runRequest({ durationMs: 2000, warmupMs: 200, outPath: resultPathIn('wsarena-late-') }));
    const cell = measured(file.cells[0]);
    expect(cell.serverResources).not.toBeNull();
    expect(cell.serverResources!.cpuUsPerMessage).toBeGreaterThan(0);
    expect(cell.verdict!.reasons.join(' ')).not.toContain('the runner read the server');
  }, 30_000);
});
