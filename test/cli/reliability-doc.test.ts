import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../protocol/paths.js';
import { renderReliabilityDoc } from './bad-input-cases.js';

const DOC = join(PROJECT_ROOT, 'docs', 'RELIABILITY.md');

it('docs/RELIABILITY.md is the table of the bad-input tests (WSARENA_UPDATE_DOCS=1 rewrites it)', () => {
  const text = renderReliabilityDoc();
  if (process.env['WSARENA_UPDATE_DOCS'] === '1') writeFileSync(DOC, text);
  expect(readFileSync(DOC, 'utf8')).toBe(text);
});
