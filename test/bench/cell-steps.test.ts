import { describe, expect, it } from 'vitest';
import type { CellRun, PlannedCell } from '../../bench/cell/cell-run.js';
import { newCell } from '../../bench/cell/identity.js';
import { failureOf, judgeLoad, PORT_IN_USE_PREFIX } from '../../bench/cell/judge.js';
import { settle } from '../../bench/cell/settle.js';
import { skipReason } from '../../bench/cell/skip.js';
import type { RunRequest } from '../../bench/request.js';
import { getWorkload } from '../../bench/workloads.js';
import { Op } from '../../protocol/wire.js';
import { ServerLaunchError } from '../../servers/errors.js';
import type { ServerSpec } from '../../servers/spec.js';
import { loadReport } from '../fixtures/results.js';
import { runRequest } from '../fixtures/run-request.js';

/** The runner's cell steps one by one, without a server: the skips, the id, the verdict's inputs, the failure classes. */

const REQ: RunRequest = runRequest({ servers: ['fake'] });

const PLANNED: PlannedCell = { server: 'fake', connections: 10, serverCpus: '0', repeat: 1, payloadBytes: 64 };

function spec(overrides: Partial<ServerSpec> = {}): ServerSpec {
  return {
    name: 'fake',
    description: 'a spec that is never started',
    model: 'event-loop',
    language: 'node',
    ops: [Op.ECHO],
    availability: () => ({ available: true }),
    command: () => ({ command: 'false', args: [] }),
    ...overrides,
  } as ServerSpec;
}

function run(overrides: Partial<CellRun> = {}): CellRun {
  const req = overrides.req ?? REQ;
  const workload = overrides.workload ?? getWorkload(req.workload);
  return {
    req,
    planned: PLANNED,
    workload,
    spec: spec(),
    env: { cpuCount: 2, clockTicksPerSecond: 100 } as CellRun['env'],
    events: {},
    cell: newCell(req, overrides.planned ?? PLANNED, workload),
    abort: new AbortController(),
    server: null,
    serverDied: null,
    ...overrides,
  };
}

describe('cell steps', () => {
  it('skip: an unavailable server (warned), a missing op, a transport the workload cannot drive, a plain --target', () => {
    const warnings: string[] = [];
    const unavailable = spec({ availability: () => ({ available: false, reason: 'no binary', fix: 'npm run setup' }) });
    expect(skipReason(run({ spec: unavailable, events: { warn: (m) => warnings.push(m) } }))).toBe('unavailable: no binary (fix: npm run setup)');
    expect(warnings).toEqual(['fake: skipped, no binary (fix: npm run setup)']);
    expect(skipReason(run({ workload: getWorkload('work') }))).toBe(`fake does not implement op(s) ${Op.WORK} needed by workload work`);
    expect(skipReason(run({ workload: getWorkload('http-echo') }))).toBe('http-echo needs an HTTP server (long-poll); fake serves websocket');
    const target = { ...REQ, target: { url: 'ws://127.0.0.1:1', pid: null, contract: false } };
    expect(skipReason(run({ req: target, spec: null, workload: getWorkload('work') }))).toBe(
      'workload work needs the wsarena contract; --target without --contract only supports echo',
    );
    expect(skipReason(run({ req: target, spec: null }))).toBeNull();
    expect(skipReason(run())).toBeNull();
  });

  it('identity: the id keys every parameter a repeat is matched on', () => {
    const c = newCell({ ...REQ, serverArgs: { backlog: 5 } }, { ...PLANNED, serverCpus: '0,1' }, getWorkload('sizes'));
    expect(c.id).toBe('fake/sizes/c10/p64/cpus0,1/backlog=5/r1');
    expect(c.pinning).toMatchObject({ serverCpus: '0,1', clientCpus: '1', sharedCores: true, applied: false });
    expect(c.params).toMatchObject({ workload: 'sizes', workIterations: 0, heavyFraction: null, serverArgs: { backlog: 5 } });
    expect(newCell(REQ, PLANNED, getWorkload('echo')).id).toBe('fake/echo/c10/cpus0/r1');
    expect(newCell(REQ, { ...PLANNED, serverCpus: null }, getWorkload('echo')).id).toBe('fake/echo/c10/r1');
  });

  it('judge: the unpinned-server reason comes from the verdict; corrupted replies and no connection fail the cell', () => {
    const unpinned = run({ planned: { ...PLANNED, serverCpus: null } });
    unpinned.cell.load = loadReport();
    const end = judgeLoad(unpinned, { url: 'ws://x', pid: 1, contract: true, knobs: {} }, { statsSpan: { spanMs: 100, windowMs: 1000 }, lateMarks: null });
    expect(end).toEqual({ status: 'ok' });
    expect(unpinned.cell.verdict!.numbers.serverCpuCount).toBe(2);
    expect(unpinned.cell.verdict!.reasons.slice(-2)).toEqual([
      'server not pinned: its CPU share is out of 2 cores shared with the client',
      expect.stringContaining("the server's /stats snapshots span 100 ms of its uptime, not the 1000 ms window"),
    ]);
    const corrupted = run();
    corrupted.cell.load = loadReport({ counts: { ...loadReport().counts, corrupted: 3 } });
    expect(judgeLoad(corrupted, { url: 'ws://x', pid: 1, contract: true, knobs: {} }, { statsSpan: null, lateMarks: null })).toEqual({
      status: 'failed',
      error: '3 corrupted replies: the server broke the contract',
    });
    expect(corrupted.cell.verdict!.reasons.join(' ')).not.toMatch(/not pinned/);
  });

  it("settle: each status gets exactly its fields (results/schema.ts), in the file's key order", () => {
    const draft = newCell(REQ, PLANNED, getWorkload('echo'));
    draft.serverInfo = { pid: 7, url: 'ws://x', knobs: {} };
    draft.load = loadReport();
    const ok = settle(draft, { status: 'ok' });
    expect(ok.status).toBe('ok');
    expect('error' in ok).toBe(false);
    expect(Object.keys(ok).slice(0, 9)).toEqual(['id', 'server', 'target', 'params', 'repeat', 'status', 'startedAt', 'finishedAt', 'pinning']);
    const failed = settle(draft, { status: 'failed', error: 'boom' });
    expect(failed).toMatchObject({ status: 'failed', error: 'boom', serverInfo: { pid: 7 }, load: draft.load });
    expect(Object.keys(failed).slice(5, 7)).toEqual(['status', 'error']);
    const interrupted = settle(draft, { status: 'interrupted', error: 'interrupted' });
    expect(interrupted).toMatchObject({ status: 'interrupted', error: 'interrupted', serverInfo: { pid: 7 } });
    const skipped = settle(newCell(REQ, PLANNED, getWorkload('echo')), { status: 'skipped', error: 'unavailable: no binary' });
    expect(Object.keys(skipped)).toEqual(['id', 'server', 'target', 'params', 'repeat', 'status', 'error', 'startedAt', 'finishedAt', 'pinning']);
  });

  it('failure classes: interrupted, a taken --port, the server that died, else the error', () => {
    const r = run();
    expect(failureOf(new Error('x'), r, true)).toBe('interrupted');
    expect(failureOf(new ServerLaunchError('PORT_IN_USE', '8080 is taken'), r, false)).toBe(`${PORT_IN_USE_PREFIX}8080 is taken`);
    expect(failureOf(new Error('socket hang up'), r, false)).toBe('socket hang up');
    r.serverDied = 'server fake exited during the run (code 1, signal none)';
    expect(failureOf(new Error('socket hang up'), r, false)).toBe('server fake exited during the run (code 1, signal none)');
  });
});
