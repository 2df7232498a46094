/**
 * Launcher behaviour with stand-in servers (small `node -e` scripts), so each failure mode can be
 * produced on purpose. The lifeline tests use the compiled launcher in dist/: build first.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { distPath } from '../../protocol/paths.js';
import { READY_PREFIX } from '../../protocol/wire.js';
import { startServer } from '../../servers/launch.js';
import { findOnPath } from '../../servers/pinning.js';
import type { ServerSpec } from '../../servers/spec.js';
import { isGone, waitFor, waitGone } from '../contract/wait.js';

/** A spec whose "server" is the given script run by `node -e`. */
function scriptSpec(name: string, script: string): ServerSpec {
  return {
    name,
    description: 'test stand-in',
    model: 'event-loop',
    language: 'node',
    ops: [],
    availability: () => ({ available: true }),
    command: () => ({ file: process.execPath, args: ['-e', script] }),
  };
}

/** Script text that prints a valid ready line (port 1, nothing listens) and stays alive. */
const READY_AND_WAIT = `
process.stdout.write(${JSON.stringify(READY_PREFIX)} + JSON.stringify({ server: 'stub', url: 'ws://127.0.0.1:1/', port: 1, pid: process.pid, knobs: { k: 1 } }) + '\\n');
setInterval(() => {}, 1000);
`;

describe('startServer', () => {
  it('resolves with the ready line and keeps other output in the tail', async () => {
    const server = await startServer(scriptSpec('stub', `console.log('starting up'); console.error('a warning'); ${READY_AND_WAIT}`));
    try {
      expect(server).toMatchObject({ url: 'ws://127.0.0.1:1/', port: 1, knobs: { k: 1 } });
      expect(server.stderrTail()).toContain('starting up');
      // stderr is another pipe: its line may arrive after the ready line.
      await waitFor(async () => (server.stderrTail().includes('a warning') ? true : undefined), 'the stderr line');
    } finally {
      await server.stop();
    }
    expect(isGone(server.pid)).toBe(true);
  });

  it('names the server, the exit code and the stderr tail when the server exits before ready', async () => {
    const attempt = startServer(scriptSpec('crasher', `console.error('cannot find the thing'); process.exit(7);`));
    await expect(attempt).rejects.toMatchObject({
      code: 'SERVER_EXITED',
      message: expect.stringMatching(/^crasher exited with code 7 before it was ready; output:\ncannot find the thing/),
    });
  });

  it('kills a server that never gets ready, then rejects with READY_TIMEOUT', async () => {
    const attempt = startServer(scriptSpec('sleeper', `console.log('pid ' + process.pid); setInterval(() => {}, 1000);`), {}, { readyTimeoutMs: 500 });
    const error = await attempt.then(
      () => expect.unreachable(),
      (e: Error & { code: string }) => e,
    );
    expect(error.code).toBe('READY_TIMEOUT');
    expect(error.message).toMatch(/^sleeper did not print its ready line within 500 ms; it was killed/);
    const pid = Number(/pid (\d+)/.exec(error.message)?.[1]);
    expect(isGone(pid)).toBe(true);
  });

  it('rejects an invalid ready line with BAD_READY_LINE and kills the server', async () => {
    const attempt = startServer(scriptSpec('garbler', `console.log(${JSON.stringify(READY_PREFIX)} + '{not json'); setInterval(() => {}, 1000);`));
    await expect(attempt).rejects.toMatchObject({ code: 'BAD_READY_LINE', message: expect.stringContaining('garbler printed an invalid ready line') });
  });

  it('reports SPAWN_FAILED when the executable does not exist', async () => {
    const spec: ServerSpec = { ...scriptSpec('ghost', ''), command: () => ({ file: '/nonexistent/wsarena-server', args: [] }) };
    await expect(startServer(spec)).rejects.toMatchObject({ code: 'SPAWN_FAILED', message: expect.stringContaining('ENOENT') });
  });

  it('refuses an unavailable spec with its reason and fix', async () => {
    const spec: ServerSpec = { ...scriptSpec('absent', ''), availability: () => ({ available: false, reason: 'no compiler', fix: 'apt-get install gcc' }) };
    await expect(startServer(spec)).rejects.toMatchObject({
      code: 'SERVER_UNAVAILABLE',
      message: 'server "absent" is unavailable: no compiler (fix: apt-get install gcc)',
    });
  });
});

describe('stop()', () => {
  it('escalates to SIGKILL when SIGTERM is ignored', async () => {
    const server = await startServer(scriptSpec('stubborn', `process.on('SIGTERM', () => {}); ${READY_AND_WAIT}`));
    await server.stop();
    expect(await server.exited).toEqual({ code: null, signal: 'SIGKILL' });
    expect(isGone(server.pid)).toBe(true);
  });

  it('also kills children left behind in the server process group', async () => {
    // The child ignores SIGTERM and outlives its parent: only the group-wide SIGKILL reaches it.
    const script = `
      const { spawn } = require('node:child_process');
      const child = spawn(process.execPath, ['-e', "process.on('SIGTERM', () => {}); setInterval(() => {}, 1000)"], { stdio: 'ignore' });
      process.stdout.write(${JSON.stringify(READY_PREFIX)} + JSON.stringify({ server: 'parent', url: 'ws://127.0.0.1:1/', port: 1, pid: process.pid, knobs: { childPid: child.pid } }) + '\\n');
      setInterval(() => {}, 1000);
    `;
    const server = await startServer(scriptSpec('parent', script));
    const childPid = server.knobs['childPid'] as number;
    expect(isGone(childPid)).toBe(false);
    await server.stop();
    await waitGone(childPid);
  });
});

describe('pinning', () => {
  it.runIf(findOnPath('taskset') !== null)('runs the server under taskset -c and records it', async () => {
    const server = await startServer(scriptSpec('pinned', READY_AND_WAIT), {}, { cpus: '0' });
    try {
      expect(server.pinning).toEqual({ cpus: '0', applied: true });
      const status = readFileSync(`/proc/${server.pid}/status`, 'utf8');
      expect(/Cpus_allowed_list:\s*(\S+)/.exec(status)?.[1]).toBe('0');
    } finally {
      await server.stop();
    }
  });
});

describe('no orphans when the launcher dies', () => {
  /** Runs a launcher process that starts `specSource`'s server, prints its pid, then does `after`. */
  async function launcherThatStarts(specSource: string, after: string): Promise<number> {
    const launchUrl = pathToFileURL(distPath('servers/launch.js')).href;
    const registryUrl = pathToFileURL(distPath('servers/registry.js')).href;
    const script = `
      import { startServer } from ${JSON.stringify(launchUrl)};
      import { getServer } from ${JSON.stringify(registryUrl)};
      const server = await startServer(${specSource});
      console.log('SERVER_PID ' + server.pid);
      ${after}
    `;
    const launcher = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    return new Promise((resolve, reject) => {
      launcher.stdout.on('data', (chunk: Buffer) => {
        const match = /SERVER_PID (\d+)/.exec(chunk.toString());
        if (match) resolve(Number(match[1]));
      });
      launcher.once('exit', (code) => setTimeout(() => reject(new Error(`launcher exited with ${code} before printing a pid`)), 100));
    });
  }

  it('a SIGKILLed launcher: the server sees its stdin lifeline close and exits', async () => {
    const serverPid = await launcherThatStarts(`getServer('ws-loop')`, `process.kill(process.pid, 'SIGKILL');`);
    await waitGone(serverPid);
  });

  it('a launcher calling process.exit(): the exit hook kills servers that ignore the lifeline', async () => {
    const stub = `{ name: 'deaf', description: '', model: 'event-loop', language: 'node', ops: [],
      availability: () => ({ available: true }),
      command: () => ({ file: process.execPath, args: ['-e', ${JSON.stringify(READY_AND_WAIT)}] }) }`;
    const serverPid = await launcherThatStarts(stub, `process.exit(0);`);
    await waitGone(serverPid);
  });
});
