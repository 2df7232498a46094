import { describe, expect, it } from 'vitest';
import { parseServerArgs, ServerArgsError, toServerArgs } from '../../servers/common/args.js';
import { DEFAULT_SERVER_OPTIONS } from '../../servers/spec.js';

const single = { supportsThreads: false };
const pooled = { supportsThreads: true };

describe('parseServerArgs', () => {
  it('defaults to 127.0.0.1, port 0, no threads, no stall', () => {
    expect(parseServerArgs([], single)).toEqual({ host: '127.0.0.1', port: 0, threads: null, stall: null });
  });

  it('reads every flag', () => {
    const argv = ['--host', '0.0.0.0', '--port', '9001', '--threads', '4', '--stall-every-ms', '1000', '--stall-ms', '200'];
    expect(parseServerArgs(argv, pooled)).toEqual({ host: '0.0.0.0', port: 9001, threads: 4, stall: { everyMs: 1000, durationMs: 200 } });
  });

  it.each([
    [['--port', 'abc'], /--port must be an integer from 0 to 65535, got "abc"/],
    [['--port', '65536'], /--port must be an integer/],
    [['--port', '-1'], /--port/],
    [['--port', '1.5'], /--port must be an integer/],
    [['--threads', '0'], /--threads must be an integer from 1/],
    [['--stall-ms', '10'], /must be given together/],
    [['--stall-every-ms', '100', '--stall-ms', '100'], /--stall-ms \(100\) must be less than --stall-every-ms \(100\)/],
    [['--stall-every-ms', '0', '--stall-ms', '0'], /--stall-every-ms must be an integer from 1/],
    [['--host', ''], /--host must not be empty/],
    [['--bogus'], /bogus/],
    [['positional'], /positional/],
  ])('rejects %j', (argv, message) => {
    expect(() => parseServerArgs(argv, pooled)).toThrow(message);
    expect(() => parseServerArgs(argv, pooled)).toThrow(ServerArgsError);
  });

  it('refuses --threads for single-event-loop servers instead of ignoring it', () => {
    expect(() => parseServerArgs(['--threads', '2'], single)).toThrow(/--threads is not supported/);
  });

  it('carries the code BAD_SERVER_ARGS', () => {
    try {
      parseServerArgs(['--port', 'x'], single);
      expect.unreachable();
    } catch (error) {
      expect((error as ServerArgsError).code).toBe('BAD_SERVER_ARGS');
    }
  });
});

describe('toServerArgs', () => {
  it('round-trips through parseServerArgs', () => {
    const options = { ...DEFAULT_SERVER_OPTIONS, host: '127.0.0.2', port: 1234, threads: 3, stall: { everyMs: 500, durationMs: 50 } };
    const { cpuCount: _cpuCount, serverArgs: _serverArgs, ...expected } = options;
    expect(parseServerArgs(toServerArgs(options, pooled), pooled)).toEqual(expected);
  });

  it('leaves --threads out for servers that do not support it', () => {
    expect(toServerArgs({ ...DEFAULT_SERVER_OPTIONS, threads: 8 }, single)).not.toContain('--threads');
  });
});
