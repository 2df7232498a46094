import { describe, expect, it } from 'vitest';
import { collectRepeated, parseServerArgFlags } from '../../cli/server-args.js';
import { formatServerArgs, type ServerSpec } from '../../servers/spec.js';
import { usageError } from './helpers.js';

const pool: ServerSpec = {
  name: 'pooled',
  description: 'test spec with a pool flag',
  model: 'thread-per-connection',
  language: 'java',
  ops: [1],
  serverArgs: [{ name: 'max-threads', description: 'fixed pool size', min: 1, max: 20_000 }],
  availability: () => ({ available: true }),
  command: () => ({ file: 'true', args: [] }),
};
const plain: ServerSpec = { ...pool, name: 'plain', serverArgs: undefined };

describe('--server-arg', () => {
  it('collects repeated flags and reads comma-separated suite values', () => {
    expect(collectRepeated('b=2', collectRepeated('a=1', undefined))).toEqual(['a=1', 'b=2']);
    expect(parseServerArgFlags(['max-threads=200'], [pool])).toEqual({ 'max-threads': 200 });
    expect(parseServerArgFlags('max-threads=200', [pool])).toEqual({ 'max-threads': 200 });
    expect(parseServerArgFlags(undefined, [pool, plain])).toEqual({});
  });

  it('refuses a flag a selected server does not take, naming what it takes', () => {
    const err = usageError(() => parseServerArgFlags(['max-threads=200'], [pool, plain]));
    expect(err.code).toBe('UNKNOWN_SERVER_ARG');
    expect(err.message).toBe('--server-arg: "max-threads=200": server plain has no flag "max-threads"; it takes: none');
    expect(usageError(() => parseServerArgFlags(['max-thread=2'], [pool])).message).toContain('it takes: max-threads (1–20000: fixed pool size)');
  });

  it('checks the value against the range the server declares', () => {
    const err = usageError(() => parseServerArgFlags(['max-threads=0'], [pool]));
    expect(err.message).toBe('--server-arg max-threads (pooled): 0 is out of range; allowed: an integer from 1 to 20000');
    expect(usageError(() => parseServerArgFlags(['max-threads=lots'], [pool])).code).toBe('BAD_INTEGER');
    expect(usageError(() => parseServerArgFlags(['max-threads'], [pool])).code).toBe('BAD_SERVER_ARG');
    expect(usageError(() => parseServerArgFlags(['max-threads=1', 'max-threads=2'], [pool])).message).toContain('given twice');
    expect(usageError(() => parseServerArgFlags(['max-threads=1'], [])).message).toContain('not --target');
  });

  it('formats args for labels and cell ids', () => {
    expect(formatServerArgs({ 'max-threads': 200 })).toBe('max-threads=200');
    expect(formatServerArgs({})).toBe('');
  });
});
