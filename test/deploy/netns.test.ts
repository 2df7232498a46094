/**
 * A distributed run on real separate hosts, made here: network namespaces joined by veth pairs to a
 * bridge. The server runs in one namespace; three agents, each in its own with its own address, run one
 * segment each of one plan (`wsarena plan` → `wsarena run --plan --segment i/3 --start-at`), and
 * `wsarena merge` puts them together. All traffic stays inside the namespaces (10.213.0.0/24 exists in
 * none other); they, and every address in them, are removed at the end whatever happens.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { distPath } from '../../protocol/paths.js';
import type { ResultFile } from '../../results/schema.js';
import { runCli } from '../cli/helpers.js';
import { hdrBuckets, summedBuckets } from '../fixtures/hdr-buckets.js';
import { measured } from '../fixtures/results.js';

const AGENTS = 3;
const TAG = `wsa${process.pid % 100_000}`;
const SERVER_NS = `${TAG}-srv`;
const agentNs = (k: number) => `${TAG}-a${k}`;
const SERVER_IP = '10.213.0.1';
const agentIp = (k: number) => `10.213.0.${11 + k}`;
const PORT = 9001;
const TARGET = `ws://${SERVER_IP}:${PORT}/`;

/** Why this machine cannot run the test, or null: it needs root and iproute2 that can make namespaces. */
function skipReason(): string | null {
  if (process.getuid?.() !== 0) return 'needs root to create network namespaces (ip netns add)';
  const probe = `${TAG}-probe`;
  try {
    execFileSync('ip', ['netns', 'add', probe], { stdio: 'pipe' });
    execFileSync('ip', ['netns', 'del', probe], { stdio: 'pipe' });
    return null;
  } catch (err) {
    return `cannot create a network namespace with iproute2: ${(err as Error).message.split('\n')[0]}`;
  }
}
const SKIP = skipReason();

const children: ChildProcess[] = [];

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: 'pipe' });
}

/** Deletes our namespaces (their veths, bridge and addresses go with them); safe to call more than once. */
function cleanUp(): void {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const ns of [SERVER_NS, ...Array.from({ length: AGENTS }, (_, k) => agentNs(k))]) {
    try {
      execFileSync('ip', ['netns', 'del', ns], { stdio: 'pipe' });
    } catch {
      // not created, or already gone
    }
  }
}

/** Namespaces of an earlier run of this test that was killed before its cleanup (its pid is gone). */
function removeStale(): void {
  for (const ns of execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })
    .split('\n')
    .map((l) => l.split(' ')[0]!)) {
    const m = /^wsa(\d+)-(srv|a\d+)$/.exec(ns);
    if (!m || Number(m[1]) === process.pid % 100_000) continue;
    try {
      process.kill(Number(m[1]), 0);
    } catch {
      execFileSync('ip', ['netns', 'del', ns], { stdio: 'pipe' });
    }
  }
}

function onSignal(signal: NodeJS.Signals): void {
  cleanUp();
  process.kill(process.pid, signal);
}

function ourNamespaces(): string[] {
  return execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })
    .split('\n')
    .map((l) => l.split(' ')[0]!)
    .filter((n) => n.startsWith(`${TAG}-`));
}

/** The server namespace holds a bridge at SERVER_IP; agent k's namespace one end of a veth pair whose other end is on the bridge. */
function makeNetwork(): void {
  ip('netns', 'add', SERVER_NS);
  ip('-n', SERVER_NS, 'link', 'set', 'lo', 'up');
  ip('-n', SERVER_NS, 'link', 'add', 'br0', 'type', 'bridge');
  ip('-n', SERVER_NS, 'addr', 'add', `${SERVER_IP}/24`, 'dev', 'br0');
  ip('-n', SERVER_NS, 'link', 'set', 'br0', 'up');
  for (let k = 0; k < AGENTS; k++) {
    ip('netns', 'add', agentNs(k));
    ip('-n', agentNs(k), 'link', 'set', 'lo', 'up');
    // Made inside the server namespace with its peer straight in the agent's: the root namespace never sees either end.
    ip('-n', SERVER_NS, 'link', 'add', `s${k}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', agentNs(k));
    ip('-n', SERVER_NS, 'link', 'set', `s${k}`, 'master', 'br0');
    ip('-n', SERVER_NS, 'link', 'set', `s${k}`, 'up');
    ip('-n', agentNs(k), 'addr', 'add', `${agentIp(k)}/24`, 'dev', 'eth0');
    ip('-n', agentNs(k), 'link', 'set', 'eth0', 'up');
  }
}

/** Starts ws-loop in the server namespace on SERVER_IP; resolves on its ready line. */
function startServer(): Promise<ChildProcess> {
  const child = spawn('ip', ['netns', 'exec', SERVER_NS, process.execPath, distPath('servers/ws-loop/main.js'), '--host', SERVER_IP, '--port', String(PORT)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`server not ready in 15 s: ${out}`)), 15_000);
    child.stdout!.on('data', (d) => {
      out += d;
      if (out.includes('\n')) {
        clearTimeout(timer);
        resolve(child);
      }
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code}: ${out}`)));
  });
}

/** Runs `wsarena …args` in namespace ns. */
function cliIn(ns: string, args: string[]): Promise<{ code: number | null; stderr: string }> {
  const child = spawn('ip', ['netns', 'exec', ns, process.execPath, distPath('cli/main.js'), ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  children.push(child);
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stderr })));
}

describe.skipIf(SKIP !== null)(`three agents on separate network hosts, merged${SKIP ? ` (skipped: ${SKIP})` : ''}`, () => {
  const dir = mkdtempSync(join(tmpdir(), 'wsarena-netns-'));
  let merged: ResultFile;
  let segments: ResultFile[];

  beforeAll(async () => {
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    process.once('exit', cleanUp);
    removeStale();
    cleanUp();
    makeNetwork();
    await startServer();
    // Time for three CLIs to start on a busy two-core box, estimate their clocks and connect.
    const startAt = new Date(Date.now() + 9_000).toISOString();
    const plan = await runCli([
      'plan',
      '--agents',
      String(AGENTS),
      '--target',
      TARGET,
      '--contract',
      '--connections',
      '240',
      '--rate',
      '2400',
      '--warmup',
      '2s',
      '--duration',
      '3s',
      '--drain',
      '1s',
      '--client-workers',
      '1',
      '--no-pin',
      '--start-at',
      startAt,
    ]);
    expect(plan.stderr).toBe('');
    writeFileSync(join(dir, 'plan.json'), plan.stdout);
    const runs = await Promise.all(
      Array.from({ length: AGENTS }, (_, k) =>
        cliIn(agentNs(k), ['run', '--plan', join(dir, 'plan.json'), '--segment', `${k}/${AGENTS}`, '--out', join(dir, `seg-${k}.json`), '--quiet']),
      ),
    );
    runs.forEach((r, k) => {
      expect(r.code, `agent ${k}: ${r.stderr}`).toBe(0);
    });
    const files = Array.from({ length: AGENTS }, (_, k) => join(dir, `seg-${k}.json`));
    const merge = await runCli(['merge', ...files, '--out', join(dir, 'merged.json')]);
    expect(merge.code, merge.stderr).toBe(0);
    segments = files.map((f) => JSON.parse(readFileSync(f, 'utf8')) as ResultFile);
    merged = JSON.parse(readFileSync(join(dir, 'merged.json'), 'utf8')) as ResultFile;
  }, 60_000);

  afterAll(() => {
    cleanUp();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('exit', cleanUp);
    expect(ourNamespaces()).toEqual([]);
  });

  it('keeps every address inside the namespaces: the root namespace has none of them', () => {
    expect(execFileSync('ip', ['-4', 'addr', 'show'], { encoding: 'utf8' })).not.toContain('10.213.0.');
    expect(execFileSync('ip', ['-n', agentNs(1), '-4', 'addr', 'show', 'eth0'], { encoding: 'utf8' })).toContain(`${agentIp(1)}/24`);
  });

  it('each agent ran its own share from its own address, at the agreed time', () => {
    expect(segments.map((s) => s.cells[0]!.segment!.connections)).toEqual([80, 80, 80]);
    expect(segments.map((s) => measured(s.cells[0]).load!.plan.rateHz)).toEqual([800, 800, 800]);
    for (const s of segments) {
      const seg = s.cells[0]!.segment!;
      expect(s.cells[0]!.status).toBe('ok');
      expect(s.cells[0]!.params.connections).toBe(240);
      // The window begins at start-at plus the time to spawn the client worker and connect (~1 s on this busy
      // two-core box); the clock offset is known, and ≈ 0 with one clock for all.
      expect(seg.windowStartMs! - Date.parse(seg.startAt!)).toBeGreaterThanOrEqual(-50);
      expect(seg.windowStartMs! - Date.parse(seg.startAt!)).toBeLessThan(3_000);
      expect(Math.abs(seg.clockOffset.offsetMs!)).toBeLessThan(50 + seg.clockOffset.uncertaintyMs!);
    }
    // Agreed start: the windows began within the warmup of each other, so the merge has nothing to warn of.
    expect(merged.merge!.startSpreadMs).toBeLessThan(2_000);
    expect(merged.merge!.warnings).toEqual([]);
    // The plan's flags, then the agent's own (in run's help order): the command that repeats this segment.
    expect(segments[2]!.command).toEqual([
      'run',
      ...JSON.parse(readFileSync(join(dir, 'plan.json'), 'utf8')).run,
      '--out',
      join(dir, 'seg-2.json'),
      '--quiet',
      '--segment',
      '2/3',
      '--plan',
      join(dir, 'plan.json'),
    ]);
  });

  it('merged sent = received + counted losses, and equals the agents’ sums', () => {
    const load = measured(merged.cells[0]).load!;
    const counts = load.counts;
    expect(counts.sent).toBe(counts.received + counts.lost);
    for (const k of ['sent', 'received', 'lost'] as const) expect(counts[k]).toBe(segments.reduce((n, s) => n + measured(s.cells[0]).load!.counts[k], 0));
    expect(load.connections.established).toBe(240);
  });

  it('merged histograms are exactly the agents’ histograms added', () => {
    const load = measured(merged.cells[0]).load!;
    for (const pick of [(l: NonNullable<typeof load>) => l.service, (l: NonNullable<typeof load>) => l.corrected!]) {
      expect(hdrBuckets(pick(load).encoded)).toEqual(summedBuckets(segments.map((s) => pick(measured(s.cells[0]).load!).encoded)));
      expect(pick(load).count).toBe(segments.reduce((n, s) => n + pick(measured(s.cells[0]).load!).count, 0));
    }
  });

  it('merged rate ≈ the sum of the agents’, and the server counted the same messages within 5%', () => {
    const load = measured(merged.cells[0]).load!;
    const sum = segments.reduce((n, s) => n + measured(s.cells[0]).load!.achievedRateHz, 0);
    expect(load.achievedRateHz).toBeCloseTo(sum, 0);
    expect(load.targetRateHz).toBe(2400);
    expect(load.achievedRateHz).toBeGreaterThan(0.5 * 2400);
    const server = measured(merged.cells[0]).serverMessagesHandled!;
    expect(Math.abs(server - load.counts.sent) / load.counts.sent).toBeLessThan(0.05);
  });

  it('report and compare read the merged file like any other', async () => {
    const report = await runCli(['report', join(dir, 'merged.json'), '--out', join(dir, 'dashboard'), '--quiet']);
    expect(report.code, report.stderr).toBe(0);
    const compare = await runCli(['compare', join(dir, 'merged.json'), join(dir, 'merged.json'), '--json']);
    expect(compare.code, compare.stderr).toBe(0);
    expect((JSON.parse(compare.stdout) as { cells: Array<{ nBase: number; nNew: number }> }).cells).toMatchObject([{ nBase: 1, nNew: 1 }]);
  }, 60_000);
});
