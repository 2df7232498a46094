import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { collectResults } from '../../cli/commands/report.js';
import { PROJECT_ROOT } from '../../protocol/paths.js';
import { headlineMarkdown, headlineSection, recordedCommand, writeHeadline } from '../../report/readme.js';

/**
 * The README's headline section is generated output: it must equal what `wsarena report … --readme README.md`
 * generates from the folders it names, and those must be the reference set. Regenerate after new reference
 * results with `npm run reference` (it ends with the --readme command), or for a change of the Markdown with
 * `WSARENA_UPDATE_README=1 npx vitest run test/report/readme-headline.test.ts`.
 */
const README = join(PROJECT_ROOT, 'README.md');

describe('README headline section', () => {
  const text = readFileSync(README, 'utf8');
  const { section } = headlineSection(text, README);
  const recorded = recordedCommand(section);

  it('comes right after the Quick start section', () => {
    const headings = [...text.matchAll(/^## .*$/gm)].map((m) => ({ title: m[0], at: m.index }));
    const quick = headings.findIndex((h) => h.title === '## Quick start');
    expect(quick).toBeGreaterThanOrEqual(0);
    const next = headings[quick + 1]!;
    const after = headings[quick + 2]!;
    const marker = text.indexOf('<!-- wsarena:headline:start -->');
    expect(marker).toBeGreaterThan(next.at);
    expect(marker).toBeLessThan(after.at);
  });

  it('names the command that wrote it, reading only the reference set', () => {
    expect(recorded, 'the section must start with the generated-by line').not.toBeNull();
    expect(recorded!.readmePath).toBe('README.md');
    expect(recorded!.dashboardDir).toBe('results/reference/dashboard');
    expect(recorded!.inputs.length).toBeGreaterThan(0);
    for (const input of recorded!.inputs) expect(input).toMatch(/^results\/reference\/[a-z0-9-]+$/);
  });

  it('equals what that command generates from the result files (never typed by hand, never stale)', () => {
    const inputs = recorded!.inputs.map((p) => join(PROJECT_ROOT, p));
    const dashboardDir = join(PROJECT_ROOT, recorded!.dashboardDir);
    const results = collectResults(inputs, dashboardDir);
    const body = headlineMarkdown({ inputs, results, dashboardDir, readmePath: README });
    if (process.env.WSARENA_UPDATE_README === '1') writeHeadline(README, body);
    else expect(section, 'run: WSARENA_UPDATE_README=1 npx vitest run test/report/readme-headline.test.ts').toBe(`\n${body}\n`);
    // The acceptance criterion: the claims table is there, one row per claim.
    expect(body).toContain('| claim | answer | decisive figures | conditions | what would settle it |');
    for (const id of ['C1', 'C2', 'C3', 'C4', 'C5']) expect(body).toContain(`| **${id}** `);
  });
});
