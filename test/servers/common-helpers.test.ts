/**
 * The helpers every Node server shares (servers/common/): own flags, counters, the admission check,
 * the shutdown close, listen errors and the close/exit codes, tested without starting a server.
 */
import { createServer } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { buildMessage, CloseCode, HEADER_BYTES, Op, READY_PREFIX, ServerCloseCode, SHUTDOWN_CLOSE_REASON } from '../../protocol/wire.js';
import { ServerArgsError } from '../../servers/common/args.js';
import { closeGoingAway, waitForClosed } from '../../servers/common/close-all.js';
import { createCounters, sumCounters } from '../../servers/common/counters.js';
import { ServerExitCode } from '../../servers/common/exit-codes.js';
import { admitRequest, type ContractPeer } from '../../servers/common/handle.js';
import { listenAndAnnounce } from '../../servers/common/listen.js';
import { LISTEN_FAILED_EXIT_CODE, listenErrorMessage, portInUseMessage } from '../../servers/common/listen-errors.js';
import { splitOwnFlags } from '../../servers/common/own-flags.js';
import { parsePoolFlags } from '../../servers/ws-piscina/settings.js';

function recordingPeer(): ContractPeer & { closes: Array<[number, string]> } {
  const closes: Array<[number, string]> = [];
  return { closes, send: () => {}, close: (code, reason) => closes.push([code, reason]) };
}

describe('splitOwnFlags', () => {
  const specs = { '--limit': { min: 1, max: 10 }, '--wait-ms': { min: 1, max: 100, unit: 'ms' } };

  it('takes "--flag N" and "--flag=N" out and keeps the rest in order', () => {
    const { values, rest } = splitOwnFlags(['--host', 'h', '--limit', '3', '--port', '0', '--wait-ms=50'], specs);
    expect(values).toEqual({ '--limit': 3, '--wait-ms': 50 });
    expect(rest).toEqual(['--host', 'h', '--port', '0']);
  });

  it.each([
    [['--limit'], '--limit needs a value'],
    [['--wait-ms'], '--wait-ms needs a value (ms)'],
    [['--limit', '11'], '--limit must be an integer from 1 to 10, got "11"'],
    [['--wait-ms=0'], '--wait-ms must be an integer from 1 to 100 (ms), got "0"'],
    [['--limit', '1.5'], '--limit must be an integer from 1 to 10, got "1.5"'],
  ])('refuses %j with a ServerArgsError naming flag, value and range', (argv, message) => {
    expect(() => splitOwnFlags(argv, specs)).toThrow(ServerArgsError);
    expect(() => splitOwnFlags(argv, specs)).toThrow(message);
  });

  it('reads ws-piscina pool flags in both forms, defaults otherwise', () => {
    expect(parsePoolFlags(['--atomics=2', '--port', '0'])).toEqual({
      pool: { concurrentTasksPerWorker: 4, atomics: 'async', recordTiming: true },
      rest: ['--port', '0'],
    });
    expect(parsePoolFlags(['--record-timing', '0', '--concurrent-tasks-per-worker', '8']).pool).toEqual({
      concurrentTasksPerWorker: 8,
      atomics: 'sync',
      recordTiming: false,
    });
    expect(() => parsePoolFlags(['--atomics', '3'])).toThrow(ServerArgsError);
  });
});

describe('sumCounters', () => {
  it('adds every contract counter over the parts', () => {
    const part = { openConnections: 2, messagesHandled: 10, broadcastDeliveries: 4, protocolCloses: 1 };
    expect(sumCounters([part, part, createCounters()])).toEqual({ openConnections: 4, messagesHandled: 20, broadcastDeliveries: 8, protocolCloses: 2 });
    expect(sumCounters([])).toEqual(createCounters());
  });
});

describe('admitRequest', () => {
  it('counts a valid message as handled and lets it through', () => {
    const counters = createCounters();
    const peer = recordingPeer();
    expect(admitRequest(buildMessage(Op.ECHO, 1, 0n, 4), peer, counters)).toBe(true);
    expect(counters).toMatchObject({ messagesHandled: 1, protocolCloses: 0 });
    expect(peer.closes).toEqual([]);
  });

  it('closes on a violation with its code, counts it, and stops the message', () => {
    const counters = createCounters();
    const peer = recordingPeer();
    expect(admitRequest(new Uint8Array(HEADER_BYTES - 1), peer, counters)).toBe(false);
    expect(counters).toMatchObject({ messagesHandled: 0, protocolCloses: 1 });
    expect(peer.closes[0]?.[0]).toBe(CloseCode.TRUNCATED_HEADER);
  });
});

describe('shutdown close', () => {
  it('is 1001 with the shared reason', () => {
    const peer = recordingPeer();
    closeGoingAway(peer);
    expect(peer.closes).toEqual([[1001, SHUTDOWN_CLOSE_REASON]]);
  });

  it('waitForClosed returns as soon as nothing is open, else after the wait', async () => {
    let open = 1;
    setTimeout(() => (open = 0), 30);
    const startMs = Date.now();
    await waitForClosed(() => open, 5_000);
    expect(Date.now() - startMs).toBeLessThan(2_000);
    const stuckMs = Date.now();
    await waitForClosed(() => 1, 100);
    expect(Date.now() - stuckMs).toBeGreaterThanOrEqual(90);
  });
});

describe('close and exit codes', () => {
  it('server close codes are the RFC 6455 numbers and never a contract close code', () => {
    expect(ServerCloseCode).toEqual({ GOING_AWAY: 1001, INTERNAL_ERROR: 1011, TRY_AGAIN_LATER: 1013 });
    const contractCodes = new Set<number>(Object.values(CloseCode));
    for (const code of Object.values(ServerCloseCode)) expect(contractCodes.has(code)).toBe(false);
  });

  it('a failed listen exits as bad usage (docs/PROTOCOL.md §6)', () => {
    expect(ServerExitCode).toEqual({ STOPPED: 0, FAILED: 1, USAGE: 2 });
    expect(LISTEN_FAILED_EXIT_CODE).toBe(ServerExitCode.USAGE);
  });
});

describe('listen', () => {
  afterEach(() => vi.restoreAllMocks());

  it('listenErrorMessage: the launcher-recognised line for EADDRINUSE, the cause otherwise', () => {
    const inUse = Object.assign(new Error('listen EADDRINUSE'), { code: 'EADDRINUSE' });
    expect(listenErrorMessage('127.0.0.1', 9, inUse)).toBe(portInUseMessage('127.0.0.1', 9));
    const denied = Object.assign(new Error('listen EACCES: permission denied'), { code: 'EACCES' });
    expect(listenErrorMessage('127.0.0.1', 9, denied)).toBe('cannot listen on 127.0.0.1:9: EACCES listen EACCES: permission denied');
  });

  it('listenAndAnnounce prints one ready line with the port actually bound', async () => {
    const lines: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    const server = createServer();
    const listening = new Promise((resolve) => server.once('listening', resolve));
    listenAndAnnounce(server, 'test-server', { host: '127.0.0.1', port: 0 }, { threads: 1 });
    await listening;
    await new Promise((resolve) => setImmediate(resolve));
    const port = (server.address() as { port: number }).port;
    server.close();
    expect(lines).toHaveLength(1);
    expect(lines[0]!.startsWith(READY_PREFIX)).toBe(true);
    expect(JSON.parse(lines[0]!.slice(READY_PREFIX.length))).toMatchObject({
      server: 'test-server',
      port,
      url: `ws://127.0.0.1:${port}/`,
      knobs: { threads: 1 },
    });
  });
});
