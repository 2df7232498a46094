import { describe, expect, it } from 'vitest';
import { BAD_INPUT_CASES, withDir } from './bad-input-cases.js';
import { runCli, tempDir } from './helpers.js';

/** Every bad input of the table: its exit code and exact stderr, never a stack trace (docs/RELIABILITY.md is this table). */
describe('bad input: exit code and exact message, no stack trace', () => {
  it.each(BAD_INPUT_CASES.map((c) => [`${c.area}: ${c.tried}`, c] as const))('%s', async (_name, c) => {
    const dir = tempDir('wsarena-bad-');
    c.setup?.(dir);
    const r = await runCli(
      c.args.map((a) => withDir(a, dir)),
      { env: { WSARENA_DEBUG: '' } },
    );
    expect(r.stderr).not.toMatch(/^\s+at /m);
    expect(r.stderr).toBe(c.stderr.map((l) => `${withDir(l, dir)}\n`).join(''));
    expect(r.code).toBe(c.code);
  });

  it('--debug adds the stack trace', async () => {
    const r = await runCli(['calibrate', '--connections', '10,20', '--quiet', '--debug']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^Error: --connections: "10,20" is a list/);
    expect(r.stderr).toMatch(/^\s+at /m);
  });
});
