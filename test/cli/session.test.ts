import { expect, it } from 'vitest';
import { defaultOutPath } from '../../cli/session.js';

it('default output files of two runs started in the same second do not collide', () => {
  const now = new Date('2026-11-24T22:15:03.100Z');
  const a = defaultOutPath('run', now, 4711);
  const b = defaultOutPath('run', new Date('2026-11-24T22:15:03.900Z'), 4712);
  expect(a).toBe('results/runs/2026-11-24T22-15-03-run-4711.json');
  expect(a).not.toBe(b);
});
