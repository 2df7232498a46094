import { resolve, sep } from 'node:path';
import type { Command } from 'commander';
import { UsageError } from '../../core/errors.js';
import { computeClaims } from '../../report/claims.js';
import { buildDashboard } from '../../report/dashboard.js';
import { FINDING_LABELS } from '../../report/findings.js';
import { claimsMarkdown, scorecardMarkdown } from '../../report/markdown.js';
import { headlineMarkdown, writeHeadline } from '../../report/readme.js';
import { buildScorecard } from '../../report/scorecard.js';
import { VIEWS } from '../../report/views.js';
import { readResults } from '../../results/reader.js';
import { stdoutStyle } from '../color.js';
import { addExportOptions, checkExportFlags, type ExportFlags, writeExports } from '../exports.js';
import { renderClaims } from '../reporters/claims.js';
import { renderScorecard } from '../reporters/scorecard.js';

export interface ReportFlags {
  out: string;
  svg?: boolean;
  png?: boolean;
  quiet?: boolean;
  scorecard?: boolean;
  claims?: boolean;
  markdown?: boolean;
  readme?: string;
}

/**
 * --markdown, --readme and --claims/--scorecard each print or write something instead of the dashboard: one
 * at a time, so a script never gets a mix of text tables and Markdown, or a README rewrite it did not ask for.
 */
export function checkReportModes(flags: ReportFlags & ExportFlags): void {
  const exporting = flags.exportJson !== undefined || flags.exportCsv !== undefined || flags.exportMarkdown !== undefined || flags.exportHgrm !== undefined;
  const modes = [
    ...(flags.markdown ? ['--markdown'] : []),
    ...(flags.readme !== undefined ? ['--readme'] : []),
    ...(flags.claims || flags.scorecard ? [[flags.claims ? '--claims' : '', flags.scorecard ? '--scorecard' : ''].filter(Boolean).join(' ')] : []),
    // Exports already win over --claims/--scorecard (kept as it was); the new modes refuse them instead.
    ...(exporting && (flags.markdown || flags.readme !== undefined) ? ['--export-…'] : []),
  ];
  if (modes.length > 1) {
    throw new UsageError(
      'CONFLICTING_FLAGS',
      `${modes.join(', ')}: give one of --markdown (claims and scorecard as Markdown), --readme FILE (rewrite its marked section), --claims and/or --scorecard (text tables), or an --export-… flag`,
    );
  }
}

/** Result files under `paths`, minus the copies inside the dashboard folder itself (a rebuild must not read its own output). */
export function collectResults(paths: string[], outDir: string) {
  const out = resolve(outDir);
  const seen = new Set<string>();
  const results = readResults(paths).filter(({ path }) => {
    const abs = resolve(path);
    if (abs.startsWith(out + sep) || seen.has(abs)) return false;
    seen.add(abs);
    return true;
  });
  if (results.length === 0) throw new UsageError('NO_RESULTS', `no result files in ${paths.join(', ')} outside the dashboard folder ${outDir}`);
  return results;
}

export function registerReport(program: Command): void {
  const report = program
    .command('report')
    .description('build the offline dashboard (a static site: open index.html from disk) from result files or folders')
    .argument('[paths...]', 'result files or folders, searched recursively for *.json', ['results/runs'])
    .option('--out <dir>', 'dashboard folder (created; a previous dashboard there is replaced)', 'results/dashboard')
    .option('--svg', 'also write the main charts as SVG files into <out>/images/')
    .option('--png', 'also write PNG files, screenshots of the SVGs taken with the local chromium')
    .option('-q, --quiet', 'print only the path of index.html')
    .option(
      '--scorecard',
      'print the per-model scorecard (memory per connection, ceiling and its limit, echo by connections) instead of building the dashboard',
    )
    .option(
      '--claims',
      "print the argument's claims (BACKGROUND.md C1–C5): supported / not supported / depends / no data / inconclusive, the decisive figures, conditions and the run that would settle each, instead of building the dashboard",
    )
    .option('--markdown', 'print the claims table, then the scorecard, as Markdown (for a pull request or a README) instead of building the dashboard')
    .option(
      '--readme <file>',
      'rewrite only the text between <!-- wsarena:headline:start --> and <!-- wsarena:headline:end --> in <file> with the provenance, claims, scorecard and links to <out>/images/*.svg, instead of building the dashboard',
    )
    .addHelpText(
      'after',
      '\nWith an --export-… flag, report writes the exports of the result files (one CSV/Markdown row per cell,\n' +
        'the files as a JSON array, .hgrm files) instead of building the dashboard.\n\n' +
        'Examples:\n  wsarena report results/runs --out results/dashboard/\n  wsarena report base.json new.json --svg\n' +
        '  wsarena report results/suites/quick-… --export-csv quick.csv --export-hgrm hgrm/\n' +
        '  wsarena report results/reference/suite --markdown > claims.md\n' +
        '  wsarena report results/reference/suite --out results/reference/dashboard --readme README.md',
    );
  addExportOptions(report).action(async (paths: string[], flags: ReportFlags & ExportFlags) => {
    checkExportFlags(flags);
    checkReportModes(flags);
    const results = collectResults(paths, flags.out);
    if (flags.exportJson !== undefined || flags.exportCsv !== undefined || flags.exportMarkdown !== undefined || flags.exportHgrm !== undefined) {
      const files = results.map(({ file }) => file);
      writeExports(flags, files, files);
      return;
    }
    if (flags.markdown) {
      const cells = results.flatMap(({ file }) => file.cells);
      const card = scorecardMarkdown(buildScorecard(cells));
      process.stdout.write(
        `${claimsMarkdown(computeClaims(cells))}\n\n${card === '' ? 'Scorecard: no idle ramps or closed-loop echo cells (depth 1, one server core) in these results.' : card}\n`,
      );
      return;
    }
    if (flags.readme !== undefined) {
      const body = headlineMarkdown({ inputs: paths, results, dashboardDir: flags.out, readmePath: flags.readme });
      const changed = writeHeadline(flags.readme, body);
      process.stdout.write(`${flags.readme}: headline section ${changed ? 'rewritten' : 'already up to date'}\n`);
      return;
    }
    if (flags.claims) {
      process.stdout.write(`${renderClaims(computeClaims(results.flatMap(({ file }) => file.cells)), stdoutStyle())}\n`);
      if (!flags.scorecard) return;
    }
    if (flags.scorecard) {
      const card = renderScorecard(buildScorecard(results.flatMap(({ file }) => file.cells)), stdoutStyle());
      process.stdout.write(`${card === '' ? 'no idle ramps or closed-loop echo cells (depth 1, one server core) in these results' : card}\n`);
      return;
    }
    const built = await buildDashboard(results, { outDir: flags.out, svg: flags.svg ?? false, png: flags.png ?? false });
    for (const w of built.warnings) process.stderr.write(`warning: ${w}\n`);
    if (flags.quiet) {
      process.stdout.write(`${built.indexPath}\n`);
      return;
    }
    const withData = built.views.filter((v) => v.rows > 0).map((v) => v.id);
    const without = VIEWS.filter((v) => !withData.includes(v.id)).map((v) => v.id);
    const lines = [
      `dashboard: ${built.indexPath}`,
      `  ${results.length} result file(s); views with data: ${withData.join(', ') || 'none'}${without.length > 0 ? `; no data yet: ${without.join(', ')}` : ''}`,
      ...(built.images.length > 0 ? [`  images: ${built.images.length} file(s) in ${resolve(flags.out, 'images')}`] : []),
      '',
      'Findings:',
      ...built.findings.map((f) => `  - ${FINDING_LABELS[f.kind]}: ${f.text}`),
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  });
}
