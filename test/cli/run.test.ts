import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { errorOf } from '../../results/cell-status.js';
import { readResultFile } from '../../results/reader.js';
import type { Cell, OkCell } from '../../results/schema.js';
import { alive, runCli, tempDir } from './helpers.js';

/** Every message sent in the window is either answered or counted lost; none may be corrupt. */
function expectConsistentCounts(cell: Cell): asserts cell is OkCell {
  expect(cell.status, errorOf(cell) ?? '').toBe('ok');
  if (cell.status !== 'ok') throw new Error('unreachable: the expect above failed');
  const load = cell.load!;
  expect(load.connections.established).toBe(cell.params.connections);
  expect(load.counts.sent).toBeGreaterThan(0);
  expect(load.counts.sent).toBe(load.counts.received + load.counts.lost);
  expect(load.counts.corrupted).toBe(0);
  expect(load.counts.duplicated).toBe(0);
  expect(load.service.count).toBe(load.counts.received);
  expect(cell.serverResources!.cpuSeconds).toBeGreaterThan(0);
  // The server's count is read from /stats when the parent sees each phase change, a few ms off the
  // workers' exact window: close to the client's count, not equal.
  expect(cell.serverMessagesHandled).toBeGreaterThan(load.counts.received * 0.9);
  expect(cell.serverMessagesHandled).toBeLessThan(load.counts.received * 1.1 + 1000);
  expect(cell.verdict).not.toBeNull();
}

/** Both servers, 200 connections, 2 s measured: the run both end-to-end loops share. */
const BOTH_SERVERS_2S = ['run', '--server', 'ws-loop,uws', '--connections', '200', '--duration', '2s', '--warmup', '500ms', '--drain', '1s'];

describe('wsarena run end to end', () => {
  it('closed loop: both servers, 200 connections, 2 s; the result file validates', async () => {
    const out = join(tempDir(), 'closed.json');
    const r = await runCli([...BOTH_SERVERS_2S, '--depth', '4', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    const file = readResultFile(out);
    expect(file.state).toBe('complete');
    expect(file.cells.map((c) => c.server)).toEqual(['ws-loop', 'uws']);
    for (const cell of file.cells) {
      expectConsistentCounts(cell);
      expect(cell.load!.corrected).toBeNull();
      expect(cell.pinning).toMatchObject({ serverCpus: '0', clientCpus: '1', applied: true, sharedCores: false });
      expect(cell.serverInfo!.knobs).toMatchObject({ perMessageDeflate: false, tcpNoDelay: true });
    }
    // The table names both servers and a verdict for each.
    expect(r.stdout).toMatch(/ws-loop/);
    expect(r.stdout).toMatch(/uws/);
    expect(r.stdout).toMatch(/server-bound|client-bound|inconclusive/);
    expect(file.environment.cpuCount).toBeGreaterThan(0);
    expect(file.tool.gitCommit === null || /^[0-9a-f]{40}$/.test(file.tool.gitCommit)).toBe(true);
  }, 90_000);

  it('open loop: both servers at a fixed rate report corrected latency and target vs achieved', async () => {
    const out = join(tempDir(), 'open.json');
    const r = await runCli([...BOTH_SERVERS_2S, '--rate', '4000', '--out', out, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const printed = JSON.parse(r.stdout);
    const file = readResultFile(out);
    expect(printed.cells.length).toBe(2);
    for (const cell of file.cells) {
      expectConsistentCounts(cell);
      const load = cell.load!;
      expect(load.targetRateHz).toBe(4000);
      expect(load.achievedRateHz).toBeGreaterThan(4000 * 0.9);
      expect(load.achievedRateHz).toBeLessThan(4000 * 1.1);
      expect(load.corrected!.count).toBe(load.counts.received);
      // Corrected latency counts from the intended send time, which is never after the actual one.
      expect(load.corrected!.p50Us).toBeGreaterThanOrEqual(load.service.p50Us * 0.99);
    }
  }, 90_000);

  it('a server that dies mid-run fails its cell (exit 1) and keeps what was measured', async () => {
    const out = join(tempDir(), 'dies.json');
    let killed = false;
    const r = await runCli(
      ['run', '--server', 'ws-loop', '--connections', '50', '--duration', '4s', '--warmup', '500ms', '--depth', '1', '--repeat', '2', '--out', out, '--quiet'],
      {
        onSpawn: (cliPid) => {
          // Kill the second repeat's server once it is measuring.
          const timer = setInterval(() => {
            if (!existsSync(out)) return;
            const file = readResultFile(out);
            if (file.cells.length !== 1 || killed) return;
            const pids = serverPidsOf(cliPid);
            if (pids.length === 0) return;
            setTimeout(() => {
              for (const p of pids) process.kill(p, 'SIGKILL');
            }, 1500);
            killed = true;
            clearInterval(timer);
          }, 100);
        },
      },
    );
    expect(killed).toBe(true);
    expect(r.code).toBe(1);
    const file = readResultFile(out);
    expect(file.cells).toHaveLength(2);
    expect(file.cells[0]!.status).toBe('ok');
    expect(file.cells[1]!.status).toBe('failed');
    expect(errorOf(file.cells[1]!)).toMatch(/server ws-loop exited during the run \(code none, signal SIGKILL\)/);
  }, 90_000);

  it('Ctrl+C flushes partial results, exits 130 and leaves no server behind', async () => {
    const out = join(tempDir(), 'int.json');
    let serverPid = 0;
    const r = await runCli(['run', '--server', 'ws-loop', '--connections', '20', '--duration', '20s', '--warmup', '200ms', '--out', out, '--quiet'], {
      onSpawn: (cliPid) => {
        const timer = setInterval(() => {
          const pids = serverPidsOf(cliPid);
          if (pids.length === 0) return;
          serverPid = pids[0]!;
          clearInterval(timer);
          setTimeout(() => process.kill(cliPid, 'SIGINT'), 1500);
        }, 100);
      },
    });
    expect(r.code).toBe(130);
    expect(serverPid).toBeGreaterThan(0);
    expect(alive(serverPid)).toBe(false);
    const file = readResultFile(out);
    expect(file.state).toBe('interrupted');
    // The cell Ctrl+C stopped says so (version 1 recorded it as failed): its own status, with what it had.
    expect(file.cells.map((c) => c.status)).toEqual(['interrupted']);
    const [cell] = file.cells;
    if (cell?.status !== 'interrupted') throw new Error('unreachable');
    expect(cell.error).toBe('interrupted');
    expect(cell.serverInfo).not.toBeNull();
  }, 60_000);
});

/** pids of ws-loop server processes started by the CLI process cliPid. */
function serverPidsOf(cliPid: number): number[] {
  try {
    return execFileSync('pgrep', ['-P', String(cliPid), '-f', 'servers/ws-loop/main.js'], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}
