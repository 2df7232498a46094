import { describe, expect, it } from 'vitest';
import { ExitCode, exitCodeOf, RunError, UsageError } from '../../core/errors.js';
import { UnknownServerError } from '../../servers/errors.js';

describe('exit codes (one mapping: core/errors.ts exitCodeOf)', () => {
  it('bad input is 2, a failed run 1, anything else is not ours to map', () => {
    expect(exitCodeOf(new UsageError('BAD_DURATION', 'x'))).toBe(ExitCode.USAGE);
    expect(exitCodeOf(new RunError('RESULT_WRITE', 'x'))).toBe(ExitCode.RUN_FAILED);
    expect(exitCodeOf(new Error('bug'))).toBeNull();
    expect(exitCodeOf('thrown string')).toBeNull();
  });

  it('an unknown server name is bad input, keeping its own class and code', () => {
    const err = new UnknownServerError('nope', ['ws-loop']);
    expect(exitCodeOf(err)).toBe(ExitCode.USAGE);
    expect(err).toBeInstanceOf(UsageError);
    expect(err.name).toBe('UnknownServerError');
    expect(err.code).toBe('UNKNOWN_SERVER');
    expect(err.message).toBe('unknown server "nope"; known servers: ws-loop');
  });
});
