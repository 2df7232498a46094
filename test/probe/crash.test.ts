/**
 * A server that dies on a probe: the probe reports the crash, the battery restarts the server, and the
 * probes after it run against the new process.
 */
import { describe, expect, it } from 'vitest';
import { runBattery } from '../../probe/battery.js';
import { launchTarget } from '../../probe/target.js';
import { DEFAULT_PROBE_SETTINGS } from '../../probe/types.js';
import { READY_PREFIX } from '../../protocol/wire.js';
import type { ServerSpec } from '../../servers/spec.js';

/** A `ws` echo server that exits as soon as it receives a message over 64 KiB. */
const CRASH_ON_TEXT = `
const { WebSocketServer } = require('ws');
const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
wss.on('connection', (ws) => {
  ws.on('error', () => {});
  ws.on('message', (data, binary) => {
    if (data.length > 64 * 1024) process.exit(3);
    ws.send(data, { binary });
  });
});
wss.on('listening', () => {
  const port = wss.address().port;
  process.stdout.write(${JSON.stringify(READY_PREFIX)} + JSON.stringify({ server: 'crash-on-large', url: 'ws://127.0.0.1:' + port + '/', port, pid: process.pid, knobs: { library: 'ws' } }) + '\\n');
});
`;

const crashOnLarge: ServerSpec = {
  name: 'crash-on-large',
  description: 'test stand-in',
  model: 'event-loop',
  language: 'node',
  ops: [],
  availability: () => ({ available: true }),
  command: () => ({ file: process.execPath, args: ['-e', CRASH_ON_TEXT] }),
};

describe('a probe that crashes the server', () => {
  it('is reported as a crash (differs), and the battery restarts the server for the next probe', async () => {
    const target = await launchTarget(crashOnLarge, {}, {});
    const firstPid = target.pid;
    try {
      // No bisection: the first refusal (128 KiB, the crash) ends the probe.
      const records = await runBattery(target, {
        ...DEFAULT_PROBE_SETTINGS,
        answerTimeoutMs: 1_000,
        maxMessageBudgetMs: 0,
        only: ['max-message', 'ping-pong'],
      });
      const [crash, after] = records;
      expect(crash!.id).toBe('max-message');
      expect(crash!.verdict).toBe('differs');
      expect(crash!.observed).toMatch(/^accepts 64 KiB; 128 KiB → server crashed \(TCP (reset|FIN) without a close frame/);
      expect(crash!.details['refusal']).toMatchObject({ bytes: 128 * 1024, crashed: true, reaction: { kind: 'disconnect' } });
      expect(target.crashes).toBe(1);
      expect(target.pid).not.toBe(firstPid);
      expect(after!.id).toBe('ping-pong');
      expect(after!.verdict, after!.observed).toBe('as-rfc');
    } finally {
      await target.close();
    }
  });
});
