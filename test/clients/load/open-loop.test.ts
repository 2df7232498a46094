/**
 * The pieces every load worker shares besides its books: the open-loop pacer (sends at scheduled instants,
 * never more than due) and the ramp (bounded attempts in progress, progress reported, source addresses).
 */
import { describe, expect, it } from 'vitest';
import { monoUs } from '../../../clients/clock.js';
import { OpenLoopPacer } from '../../../clients/load/open-loop-pacer.js';
import { rampAttempts, sourceAddressFor, sourceEndpointFor } from '../../../clients/ramp.js';

describe('OpenLoopPacer', () => {
  it('sends exactly what is due before the end, round robin by slot, at the scheduled instants', () => {
    const t0Us = monoUs() - 2_000_000; // all of [t0, t0 + 1 s) is already due
    const sent: [number, number][] = [];
    let bursts = 0;
    const pacer = new OpenLoopPacer({
      t0Us,
      endUs: t0Us + 1_000_000,
      rateHz: 10,
      connections: 2,
      indices: [0, 1],
      sendOne: (slot, dueUs) => sent.push([slot, Math.round(dueUs - t0Us)]),
      afterBurst: () => bursts++,
    });
    pacer.pump();
    pacer.sendDueNow(); // nothing more is due: the schedule ends at endUs
    pacer.stop();
    expect(sent).toEqual(Array.from({ length: 10 }, (_, k) => [k % 2, k * 100_000]));
    expect(bursts).toBe(2);
  });

  it('sends nothing once stopped', () => {
    const sent: number[] = [];
    const pacer = new OpenLoopPacer({
      t0Us: monoUs() - 1_000_000,
      endUs: monoUs() + 1_000_000,
      rateHz: 100,
      connections: 1,
      indices: [0],
      sendOne: (slot) => sent.push(slot),
    });
    pacer.stop();
    pacer.pump();
    pacer.sendDueNow();
    expect(sent).toEqual([]);
  });
});

describe('rampAttempts', () => {
  it('keeps at most maxConcurrent attempts in progress, tries every index in order and reports progress at the end', async () => {
    let inProgress = 0;
    let most = 0;
    const tried: number[] = [];
    let progressCalls = 0;
    await rampAttempts({ indices: [3, 5, 7, 9, 11], ratePerSec: null, maxConcurrent: 2, progress: () => progressCalls++ }, async (index) => {
      tried.push(index);
      most = Math.max(most, ++inProgress);
      await new Promise((r) => setTimeout(r, 5));
      inProgress--;
    });
    expect(tried).toEqual([3, 5, 7, 9, 11]);
    expect(most).toBe(2);
    expect(inProgress).toBe(0);
    expect(progressCalls).toBeGreaterThanOrEqual(1);
  });

  it('spaces attempts at the ramp rate from absolute due times', async () => {
    const at: number[] = [];
    const startUs = monoUs();
    await rampAttempts({ indices: [0, 1, 2], ratePerSec: 50, maxConcurrent: 10, progress: () => {} }, async () => void at.push(monoUs() - startUs));
    expect(at[2]!).toBeGreaterThanOrEqual(39_000); // the third is due 40 ms in
  });
});

describe('sourceAddressFor', () => {
  it('rotates the source addresses by connection index, or leaves the choice to the kernel', () => {
    expect(sourceAddressFor(['127.0.0.2', '127.0.0.3'], 5)).toBe('127.0.0.3');
    expect(sourceAddressFor([], 5)).toBeUndefined();
  });
});

describe('sourceEndpointFor', () => {
  const range: [number, number] = [32768, 60999];
  it('plans one source port per connection and address, counted from the bottom of the ephemeral range', () => {
    // Two addresses: indices 0,2,4 share 127.0.0.2 and take its ports 32768, 32769, 32770.
    expect(sourceEndpointFor(['127.0.0.2', '127.0.0.3'], 0, range)).toEqual({ localAddress: '127.0.0.2', localPort: 32768 });
    expect(sourceEndpointFor(['127.0.0.2', '127.0.0.3'], 1, range)).toEqual({ localAddress: '127.0.0.3', localPort: 32768 });
    expect(sourceEndpointFor(['127.0.0.2', '127.0.0.3'], 4, range)).toEqual({ localAddress: '127.0.0.2', localPort: 32770 });
  });
  it('never plans the same address and port twice', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 5000; i++) {
      const e = sourceEndpointFor(['a', 'b', 'c'], i, range);
      seen.add(`${e.localAddress}:${e.localPort}`);
    }
    expect(seen.size).toBe(5000);
  });
  it('leaves the port to the kernel without addresses, past the range, or with no readable range', () => {
    expect(sourceEndpointFor([], 7, range)).toEqual({ localAddress: undefined });
    expect(sourceEndpointFor(['127.0.0.2'], 60999 - 32768 + 1, range)).toEqual({ localAddress: '127.0.0.2' });
    expect(sourceEndpointFor(['127.0.0.2'], 3, null)).toEqual({ localAddress: '127.0.0.2' });
  });
});
