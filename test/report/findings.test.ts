import { describe, expect, it } from 'vitest';
import {
  ceilingFindings,
  computeFindings,
  cpuFindings,
  familyFindings,
  headOfLineFindings,
  idleCeilingFindings,
  latencyFindings,
  memoryFindings,
  qualityFinding,
  throughputFindings,
} from '../../report/findings.js';
import { reachedTargetRate, TARGET_RATE_TOLERANCE } from '../../report/target-rate.js';
import type { Cell } from '../../results/schema.js';
import { idleRun, model, run, runs, summary } from './builders.js';

const CONTEXT = 'echo, closed loop depth 1, 64 B payload, server on CPU 0';

describe('throughput finding', () => {
  it('true: CIs apart, three runs each, server-bound → a ratio with its CI', () => {
    const [f] = throughputFindings(model([...runs('uws', [20_000, 20_200, 19_800]), ...runs('ws-loop', [10_000, 10_100, 9_900])]));
    expect(f!.statement).toBe(
      `At 100 connections (${CONTEXT}), uws (event loop) handled 20.0k msgs/s (95% CI 19.5k–20.5k, n=3) and ws-loop (event loop) 10.0k msgs/s (95% CI 9.8k–10.2k, n=3).`,
    );
    expect(f!.claims).toHaveLength(1);
    expect(f!.claims[0]!.supported).toBe(true);
    expect(f!.claims[0]!.text).toMatch(/^uws was 2\.00× faster than ws-loop \(95% CI 1\.9\d–2\.0\d×\)\.$/);
  });

  it('false: overlapping CIs → says the runs do not show a difference', () => {
    const [f] = throughputFindings(model([...runs('uws', [11_000, 12_000, 9_000]), ...runs('ws-loop', [10_000, 11_000, 9_500])]));
    expect(f!.claims[0]).toMatchObject({ supported: false, blocker: 'overlap' });
    expect(f!.claims[0]!.text).toBe('uws and ws-loop: the 95% CIs of throughput overlap, so these runs do not show a difference.');
  });

  it('false: a single run → no CI, no claim', () => {
    const [f] = throughputFindings(model([...runs('uws', [20_000]), ...runs('ws-loop', [10_000, 10_100])]));
    expect(f!.statement).toContain('uws (event loop) handled 20.0k msgs/s (n=1, no CI)');
    expect(f!.claims[0]).toMatchObject({ supported: false, blocker: 'single-run' });
    expect(f!.claims[0]!.text).toMatch(/^uws has a single run, so there is no confidence interval and no claim about throughput/);
  });

  it('false: the slower server client-bound → no claim (its figure is only a lower bound)', () => {
    const [f] = throughputFindings(model([...runs('uws', [20_000, 20_200, 19_800]), ...runs('ws-loop', [10_000, 10_100, 9_900], { verdict: 'client-bound' })]));
    expect(f!.statement).toContain('n=3, client-bound)');
    expect(f!.claims[0]).toMatchObject({ supported: false, blocker: 'client-bound' });
    expect(f!.claims[0]!.text).toMatch(/^ws-loop’s runs were client-bound .* no claim about throughput between uws and ws-loop/);
  });

  it('true but weaker: the faster server client-bound → "at least"', () => {
    const [f] = throughputFindings(model([...runs('uws', [20_000, 20_200, 19_800], { verdict: 'client-bound' }), ...runs('ws-loop', [10_000, 10_100, 9_900])]));
    expect(f!.claims[0]).toMatchObject({ supported: true, blocker: null });
    expect(f!.claims[0]!.text).toBe('uws’s runs were client-bound, so its figure is only a lower bound: uws was at least 2.00× faster than ws-loop.');
  });

  it('uses the highest connection count both servers ran, and ignores failed runs', () => {
    const cells = [
      ...runs('uws', [20_000, 20_100], { connections: 100 }),
      ...runs('ws-loop', [10_000, 10_100], { connections: 100 }),
      ...runs('uws', [30_000, 30_100], { connections: 1000 }),
      ...runs('ws-loop', [12_000, 12_100], { connections: 1000 }),
      run({ server: 'ws-loop', msgsPerSec: 0, connections: 5000, status: 'failed', error: 'EMFILE' }),
      ...runs('uws', [31_000, 31_100], { connections: 5000 }),
    ];
    const [f] = throughputFindings(model(cells));
    expect(f!.statement).toMatch(/^At 1000 connections/);
  });

  it('none when only one server ran', () => {
    expect(throughputFindings(model(runs('uws', [1, 2, 3])))).toEqual([]);
  });
});

describe('threads-vs-async finding', () => {
  it('true: the fastest event loop against the fastest threaded server', () => {
    const cells = [...runs('uws', [30_000, 30_300, 29_700]), ...runs('ws-loop', [10_000, 10_100, 9_900]), ...runs('ws-piscina', [15_000, 15_100, 14_900])];
    const [f] = familyFindings(model(cells));
    expect(f!.statement).toMatch(
      /^At 100 connections \(.*\), the fastest event-loop server, uws, handled 30\.0k msgs\/s .*; the fastest threaded one, ws-piscina \(thread pool\), 15\.0k msgs\/s/,
    );
    expect(f!.claims[0]!.text).toMatch(/^uws was 2\.00× faster than ws-piscina \(95% CI/);
    expect(f!.claims[0]!.supported).toBe(true);
  });

  it('false: overlapping CIs → no claim either way', () => {
    const [f] = familyFindings(model([...runs('ws-loop', [10_000, 12_000, 8_000]), ...runs('ws-piscina', [10_500, 11_500, 9_000])]));
    expect(f!.claims[0]).toMatchObject({ supported: false, blocker: 'overlap' });
  });

  it('none without a threaded server', () => {
    expect(familyFindings(model([...runs('uws', [2, 2.1]), ...runs('ws-loop', [1, 1.1])]))).toEqual([]);
  });
});

describe('CPU per message finding', () => {
  it('true: CIs apart → how many times the CPU per message', () => {
    const cells = [
      ...[5, 5.1, 4.9].map((cpu, i) => run({ server: 'uws', msgsPerSec: 1000, repeat: i, cpuUsPerMessage: cpu })),
      ...[15, 15.2, 14.8].map((cpu, i) => run({ server: 'ws-loop', msgsPerSec: 1000, repeat: i, cpuUsPerMessage: cpu })),
    ];
    const [f] = cpuFindings(model(cells));
    expect(f!.statement).toBe(
      `Server CPU per message at 100 connections (${CONTEXT}): uws (event loop) used 5.00 µs (95% CI 4.75–5.25, n=3) and ws-loop (event loop) used 15.00 µs (95% CI 14.50–15.50, n=3).`,
    );
    expect(f!.claims[0]!.text).toMatch(/^ws-loop needed 3\.00× the server CPU per message of uws \(95% CI 2\.8\d–3\.1\d×\)\.$/);
    expect(f!.claims[0]!.supported).toBe(true);
  });

  it('client-bound runs still count: CPU per message does not depend on who saturated', () => {
    const cells = [
      ...[5, 5.1, 4.9].map((cpu, i) => run({ server: 'uws', msgsPerSec: 1000, repeat: i, cpuUsPerMessage: cpu, verdict: 'client-bound' })),
      ...[15, 15.2, 14.8].map((cpu, i) => run({ server: 'ws-loop', msgsPerSec: 1000, repeat: i, cpuUsPerMessage: cpu })),
    ];
    expect(cpuFindings(model(cells))[0]!.claims[0]!.supported).toBe(true);
  });

  it('false: overlapping CIs', () => {
    const cells = [
      ...[5, 6, 4].map((cpu, i) => run({ server: 'uws', msgsPerSec: 1000, repeat: i, cpuUsPerMessage: cpu })),
      ...[5.5, 6.5, 4.5].map((cpu, i) => run({ server: 'ws-loop', msgsPerSec: 1000, repeat: i, cpuUsPerMessage: cpu })),
    ];
    expect(cpuFindings(model(cells))[0]!.claims[0]).toMatchObject({ supported: false, blocker: 'overlap' });
  });
});

describe('head-of-line finding (mixed workload)', () => {
  const mixed = (server: string, cheapP99: number[], heavyP50: number, extra: Partial<Parameters<typeof run>[0]> = {}) =>
    cheapP99.map((p99, i) =>
      run({ server, msgsPerSec: 1000, repeat: i, workload: 'mixed', byClass: { cheap: summary(p99), heavy: summary(heavyP50 * 2, heavyP50) }, ...extra }),
    );

  it('true: cheap p99 reaches the heavy median on the event loop, not on the pool', () => {
    const [f] = headOfLineFindings(model([...mixed('ws-loop', [50_000, 52_000, 48_000], 10_000), ...mixed('ws-piscina', [800, 820, 780], 10_000)]));
    expect(f!.statement).toMatch(
      /cheap messages’ p99 was 800 µs \(95% CI 750 µs–850 µs, n=3\) on ws-piscina \(thread pool\) and 50\.00 ms \(95% CI 45\.03 ms–54\.97 ms, n=3\) on ws-loop \(event loop\)\.$/,
    );
    const texts = f!.claims.map((c) => c.text);
    expect(texts[0]).toMatch(/^Cheap messages’ p99 was 62\.50× higher on ws-loop than on ws-piscina \(95% CI/);
    expect(texts).toContain(
      'On ws-loop cheap messages’ p99 (50.00 ms) reaches the heavy messages’ median time (10.00 ms): cheap messages wait behind heavy ones (head-of-line blocking).',
    );
    expect(texts).toContain(
      'On ws-piscina cheap messages’ p99 (800 µs) stays well below the heavy messages’ median time (10.00 ms): no sign of head-of-line blocking.',
    );
    expect(f!.claims.every((c) => c.supported)).toBe(true);
  });

  it('false: no head-of-line blocking when cheap p99 stays far below the heavy time', () => {
    const [f] = headOfLineFindings(model(mixed('ws-loop', [900, 950, 1000], 10_000)));
    expect(f!.claims.map((c) => c.text).join(' ')).toMatch(/no sign of head-of-line blocking/);
    expect(f!.claims.map((c) => c.text).join(' ')).not.toMatch(/wait behind heavy ones/);
  });

  it('false: client-bound latencies support no claim', () => {
    const [f] = headOfLineFindings(model(mixed('ws-loop', [50_000, 52_000, 48_000], 10_000, { verdict: 'client-bound' })));
    expect(f!.claims).toEqual([expect.objectContaining({ supported: false, blocker: 'client-bound' })]);
  });

  it('none without per-class latency', () => {
    expect(headOfLineFindings(model(runs('ws-loop', [1, 2], { workload: 'mixed' })))).toEqual([]);
  });
});

describe('ceiling finding', () => {
  const tpc = (connections: number, status: 'ok' | 'failed', repeat = 0) =>
    run({ server: 'ws-worker-per-conn', msgsPerSec: 1000, connections, status, repeat, error: status === 'failed' ? 'pthread_create: EAGAIN' : undefined });

  it('true: every run above the highest working count failed', () => {
    const [f] = ceilingFindings(model([tpc(100, 'ok'), tpc(1000, 'ok'), tpc(5000, 'failed', 0), tpc(5000, 'failed', 1), tpc(5000, 'failed', 2)]));
    expect(f!.statement).toBe(
      'ws-worker-per-conn (worker per connection) ran at up to 1000 connections; at 5000 connections all 3 runs failed (first error: “pthread_create: EAGAIN”).',
    );
    expect(f!.claims[0]).toEqual({ text: 'Its ceiling under these conditions lies between 1000 and 5000 connections.', supported: true, blocker: null });
  });

  it('false: a single failure is not a ceiling', () => {
    const [f] = ceilingFindings(model([tpc(100, 'ok'), tpc(5000, 'failed')]));
    expect(f!.claims[0]).toMatchObject({ supported: false, blocker: 'single-run' });
  });

  it('none when a higher count also worked', () => {
    expect(ceilingFindings(model([tpc(100, 'ok'), tpc(1000, 'failed'), tpc(5000, 'ok')]))).toEqual([]);
  });
});

describe('memory per connection finding (idle ramp)', () => {
  it('true: slopes apart → how many times the memory per connection', () => {
    const cells = [
      ...[2560, 2600, 2520].map((b, i) => idleRun('uws', b, { repeat: i })),
      ...[9216, 9300, 9132].map((b, i) => idleRun('ws-loop', b, { repeat: i })),
    ];
    const [f] = memoryFindings(model(cells));
    expect(f!.statement).toBe(
      'Memory per open connection in the idle ramp to 5000 connections (idle, server on CPU 0): uws (event loop) 2.50 KiB (95% CI 2.40–2.60, n=3) and ws-loop (event loop) 9.00 KiB (95% CI 8.80–9.20, n=3).',
    );
    expect(f!.claims[0]!.text).toMatch(/^ws-loop needed 3\.60× the memory per connection of uws \(95% CI 3\.4\d–3\.7\d×\)\.$/);
    expect(f!.claims[0]!.supported).toBe(true);
  });

  it('false: a single ramp each → no claim', () => {
    const [f] = memoryFindings(model([idleRun('uws', 2560), idleRun('ws-loop', 9216)]));
    expect(f!.claims[0]).toMatchObject({ supported: false, blocker: 'single-run' });
  });

  it('none without a fitted slope', () => {
    expect(memoryFindings(model([idleRun('uws', null), idleRun('ws-loop', null)]))).toEqual([]);
  });
});

describe('idle ceiling finding', () => {
  const stopped = (repeat: number, ceiling: number) => idleRun('ws-worker-per-conn', 73_000, { repeat, ceiling, stoppedBy: 'handshake ×12' });

  it('true: every ramp stopped short → the ceiling', () => {
    const [f] = idleCeilingFindings(model([stopped(0, 4000), stopped(1, 4100), stopped(2, 4050)]));
    expect(f!.statement).toBe(
      'In the idle ramp to 5000 connections (idle, server on CPU 0), ws-worker-per-conn (worker per connection) held at most 4100 connections at once (3 runs: 4000–4100); the ramp ended with: “handshake ×12”.',
    );
    expect(f!.claims[0]).toEqual({ text: 'Its ceiling under these conditions is about 4050 connections.', supported: true, blocker: null });
  });

  it('false: one ramp is not a ceiling; a ramp that reached its target has none', () => {
    expect(idleCeilingFindings(model([stopped(0, 4000)]))[0]!.claims[0]).toMatchObject({ supported: false, blocker: 'single-run' });
    expect(idleCeilingFindings(model([stopped(0, 4000), idleRun('ws-worker-per-conn', 73_000, { repeat: 1 })]))).toEqual([]);
  });
});

describe('quality finding and the empty case', () => {
  it('counts verdicts and flags cells with a single run', () => {
    const f = qualityFinding(
      model([
        ...runs('uws', [1, 2], { verdict: 'client-bound' }),
        run({ server: 'ws-loop', msgsPerSec: 1 }),
        run({ server: 'ws-loop', msgsPerSec: 0, connections: 9, status: 'failed' }),
      ]),
    );
    expect(f!.statement).toBe('Of 4 runs, 1 server-bound, 2 client-bound (lower bounds on the server, never used as server figures) and 1 failed.');
    expect(f!.claims[0]).toMatchObject({ supported: false, blocker: 'single-run' });
    expect(f!.claims[0]!.text).toBe('1 of 3 cells has a single usable run, so it has no confidence interval and supports no comparison.');
  });

  it('no single-run caveat when every cell repeated', () => {
    expect(qualityFinding(model(runs('uws', [1, 2])))!.claims).toEqual([]);
  });

  it('a throughput paragraph that repeats the threads-vs-async pair is left out', () => {
    const kinds = computeFindings(model([...runs('ws-loop', [10_000, 10_100]), ...runs('ws-piscina', [5_000, 5_100])])).map((f) => f.kind);
    expect(kinds).toEqual(['threads-vs-async', 'cpu', 'quality']);
    const three = computeFindings(model([...runs('ws-loop', [10_000, 10_100]), ...runs('uws', [20_000, 20_100]), ...runs('ws-piscina', [5_000, 5_100])])).map(
      (f) => f.kind,
    );
    expect(three).toEqual(['threads-vs-async', 'throughput', 'cpu', 'quality']);
  });

  it('says there is nothing to compare when no two servers share conditions', () => {
    const all = computeFindings(model(runs('uws', [1, 2])));
    expect(all[0]!.kind).toBe('nothing-to-compare');
    expect(all[0]!.text).toMatch(/^No two servers ran under the same conditions/);
  });
});

describe('memory per connection finding: kernel memory beside it', () => {
  const withKernel = (server: string, bytes: number, kernel: number | null, repeat = 0) => {
    const c = idleRun(server, bytes, { repeat });
    return { ...c, idle: { ...c.idle!, kernelBytesPerConnection: kernel, kernelR2: kernel === null ? null : 0.99 } };
  };
  it('true: sections with kernelBytesPerConnection → the kernel figure per server after the user-memory figures', () => {
    const [f] = memoryFindings(model([withKernel('uws', 2560, 1024), withKernel('uws', 2560, 3072, 1), withKernel('ws-loop', 9216, 20_480)]));
    expect(f!.statement).toMatch(
      /\. Kernel memory per connection, not in RSS \(KernelStack \+ SUnreclaim, machine-wide, mean over runs\): uws 2\.00 KiB and ws-loop 20\.00 KiB\.$/,
    );
  });
  it('false: older sections without it → no kernel sentence', () => {
    const [f] = memoryFindings(model([withKernel('uws', 2560, null), idleRun('ws-loop', 9216)]));
    expect(f!.statement).not.toContain('Kernel memory');
  });
});

/** Open-loop repeats at `rateHz`: one run per achieved rate, with the given p99 (µs). */
function openRuns(server: string, rateHz: number, achieved: number[], p99Us: number[]): Cell[] {
  return achieved.map((a, repeat) => {
    const c = run({ server, msgsPerSec: a, repeat, p99Us: p99Us[repeat]! });
    return { ...c, params: { ...c.params, mode: 'open', rateHz } };
  });
}

describe('open loop at a target rate: latency, not throughput (issue 13)', () => {
  const RATE = 2000;
  // Just inside and just outside the tolerance, so the tests follow the constant rather than a figure.
  const kept = RATE * (1 - TARGET_RATE_TOLERANCE / 2);
  const short = RATE * (1 - TARGET_RATE_TOLERANCE * 2);

  it('reachedTargetRate follows TARGET_RATE_TOLERANCE and is never true in closed loop', () => {
    expect(reachedTargetRate({ mode: 'open', rateHz: RATE, msgsPerSec: kept })).toBe(true);
    expect(reachedTargetRate({ mode: 'open', rateHz: RATE, msgsPerSec: short })).toBe(false);
    expect(reachedTargetRate({ mode: 'closed', rateHz: null, msgsPerSec: RATE })).toBe(false);
  });

  it('servers that all kept up get no throughput finding, and a latency finding instead', () => {
    const m = model([...openRuns('ws-loop', RATE, [kept, kept, kept], [900, 1000, 1100]), ...openRuns('uws', RATE, [kept, kept, kept], [300, 310, 320])]);
    expect(throughputFindings(m)).toEqual([]);
    expect(familyFindings(m)).toEqual([]);
    expect(computeFindings(m).some((f) => f.kind === 'throughput')).toBe(false);
    const lat = latencyFindings(m);
    expect(lat).toHaveLength(1);
    expect(lat[0]!.statement).toMatch(/p99 latency was .* on uws .* on ws-loop/);
    expect(lat[0]!.claims[0]).toMatchObject({ supported: true });
    expect(lat[0]!.claims[0]!.text).toContain('higher on ws-loop than on uws');
  });

  it('servers that fell short of the target still get a throughput finding (their msgs/s is the server)', () => {
    const m = model([
      ...openRuns('ws-loop', RATE, [short, short * 0.99, short * 0.98], [9e5, 9e5, 9e5]),
      ...openRuns('uws', RATE, [short * 0.5, short * 0.51, short * 0.49], [9e5, 9e5, 9e5]),
    ]);
    expect(throughputFindings(m)).toHaveLength(1);
    // No run kept up with the schedule: the context says nothing about latency at a fixed rate.
    expect(latencyFindings(m)).toEqual([]);
  });

  it('the latency finding names a server that fell short, whose latency includes a growing queue', () => {
    const m = model([...openRuns('ws-loop', RATE, [kept, kept], [900, 1000]), ...openRuns('uws', RATE, [short, short], [5e6, 6e6])]);
    const lat = latencyFindings(m);
    expect(lat).toHaveLength(1);
    expect(lat[0]!.statement).toContain('uws fell short of the target rate');
  });
});
