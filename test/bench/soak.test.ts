/**
 * Issue 14: the 60-second soak. Every injected fault must show in the result, and the client workers'
 * RSS must not grow (loosely: the real goal, ≤ 1.2×, is for the 30-minute soak).
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { clientWorkerPids, DEFAULT_SOAK, runSoak, soakLegs } from '../../bench/soak.js';
import { renderSoak } from '../../cli/commands/soak.js';
import { distPath } from '../../protocol/paths.js';

describe('soak (60 s)', () => {
  it('shows the dropped replies, the server restart and the killed worker; client RSS stays flat', async () => {
    const r = await runSoak({ ...DEFAULT_SOAK, durationMs: 60_000, rssIntervalMs: 2000 });
    process.stderr.write(`${renderSoak(r)}\n`);
    expect(soakLegs(60_000)).toEqual({ steadyMs: 40_000, faultLegMs: 10_000 });
    const [drops, restart, kill] = r.faults;
    expect(drops!.fault).toBe('dropped-replies');
    expect(drops!.shown).toBe(true);
    expect(r.serverKnobs.dropEvery).toBe(10_000);
    expect(r.steady!.counts.lost).toBeGreaterThanOrEqual(1);
    expect(r.steady!.counts.sent).toBe(r.steady!.counts.received + r.steady!.counts.lost);
    expect(restart!.shown).toBe(true);
    expect(restart!.showedAs).toMatch(/closed unexpectedly/);
    expect(kill!.shown).toBe(true);
    expect(kill!.showedAs).toMatch(/client worker \d \(pid \d+\) was killed by SIGKILL/);
    expect(r.rss.samples.length).toBeGreaterThan(10);
    expect(r.rss.ratio).not.toBeNull();
    expect(r.rss.ratio!).toBeLessThan(1.5);
    expect(clientWorkerPids()).toEqual([]);
  }, 120_000);

  it('ws-loop refuses a bad --drop-every with exit 2 and the flag named', () => {
    const r = spawnSync(process.execPath, [distPath('servers/ws-loop/main.js'), '--drop-every', '1'], { encoding: 'utf8', timeout: 10_000 });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('ws-loop: --drop-every: "1" must be an integer from 2 to 1000000000');
  });
});
