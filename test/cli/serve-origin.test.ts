import { spawn } from 'node:child_process';
import { expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { waitFor } from '../contract/wait.js';
import { CLI } from './helpers.js';

/** Status of a ws client's upgrade with this Origin: 101 when it opened, else the HTTP status. */
function upgradeStatus(url: string, origin: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { origin, perMessageDeflate: false });
    ws.once('open', () => {
      ws.terminate();
      resolve(101);
    });
    ws.once('unexpected-response', (_req, res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.once('error', (err) => reject(err));
  });
}

it('serve --allow-origin lets the listed origin in and still refuses others', async () => {
  const child = spawn(process.execPath, [CLI, 'serve', 'ws-loop', '--no-pin', '--allow-origin', 'https://dash.example'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  child.stdout.on('data', (d) => (stdout += d));
  const exited = new Promise((resolve) => child.on('close', resolve));
  try {
    const url = await waitFor(async () => (/^pid\s+\d+$/m.test(stdout) ? stdout.split('\n')[0]! : undefined), 'the URL on stdout', 20_000);
    expect(await upgradeStatus(url, 'https://dash.example')).toBe(101);
    expect(await upgradeStatus(url, 'https://evil.example')).toBe(403);
    expect(await upgradeStatus(url, 'http://localhost:1234')).toBe(101);
  } finally {
    child.kill('SIGINT');
    await exited;
  }
}, 40_000);
