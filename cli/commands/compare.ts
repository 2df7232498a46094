import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Command } from 'commander';
import { ExitCode, RunError, UsageError } from '../../core/errors.js';
import { type CompareResult, compareResults } from '../../report/compare.js';
import { renderCompareMarkdown, renderCompareTable } from '../../report/compare-output.js';
import { readResults } from '../../results/reader.js';
import { emitJson } from '../output.js';

export interface CompareFlags {
  threshold?: string;
  json?: string | boolean;
  markdown?: boolean;
  exportMarkdown?: string;
}

/** "5%" or "5" → 0.05. A percentage above 0 and below 100. */
export function parseThreshold(value: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*%?$/.exec(value.trim());
  const pct = m ? Number(m[1]) : NaN;
  if (!(pct > 0 && pct < 100)) throw new UsageError('BAD_THRESHOLD', `--threshold: "${value}" is not a percentage; use e.g. 5% (above 0, below 100)`);
  return pct / 100;
}

/** The comparison, or a UsageError when BASE and NEW share no cell. */
export function runCompare(basePath: string, newPath: string, threshold: number | null): CompareResult {
  const result = compareResults(readResults([basePath]), readResults([newPath]), { threshold });
  if (!result.cells.some((c) => c.nBase + c.nNew > 0 && c.status !== 'only-base' && c.status !== 'only-new')) {
    throw new UsageError(
      'NO_MATCHING_CELLS',
      `no cell of ${newPath} matches one of ${basePath}; cells match by server, workload, connections, mode, depth or rate, payload, server CPUs, work iterations, heavy fraction, threads and server args`,
    );
  }
  return result;
}

export function registerCompare(program: Command): void {
  program
    .command('compare')
    .description('compare two result sets cell by cell: ratio NEW/BASE with a 95% CI, changes outside the noise marked')
    .argument('<base>', 'BASE result file or folder')
    .argument('<new>', 'NEW result file or folder')
    .option('--threshold <percent>', 'exit 3 when msgs/s drops or p99 latency rises by more than this (e.g. 5%) and the change is outside the noise')
    .option('--json', 'print the comparison as JSON to stdout (a switch: `compare --json BASE NEW` works)')
    .option('--markdown', 'print a Markdown table for a pull request instead of the table (a switch: `compare --markdown BASE NEW` works)')
    .option('--export-markdown <file>', 'write the Markdown table to file (- = stdout)')
    .addHelpText(
      'after',
      "\nThe CI of a ratio uses Fieller's theorem (independent samples, Welch–Satterthwaite df); cells need 2+ runs\n" +
        'on both sides for a CI. Client-bound cells are shown but never gated: their figures are lower bounds.\n\n' +
        'Examples:\n  wsarena compare results/main/ results/runs/ --threshold 5%\n  wsarena compare base.json new.json --markdown > compare.md',
    )
    .action((basePath: string, newPath: string, flags: CompareFlags) => {
      if (flags.json && flags.markdown)
        throw new UsageError('CONFLICTING_FLAGS', '--json and --markdown both print to stdout; give one, or write Markdown with --export-markdown FILE');
      const threshold = flags.threshold !== undefined ? parseThreshold(flags.threshold) : null;
      const result = runCompare(basePath, newPath, threshold);
      const md = `${renderCompareMarkdown(result)}\n`;
      if (flags.json) emitJson(result, true);
      else if (flags.markdown) process.stdout.write(md);
      else process.stdout.write(`${renderCompareTable(result, { color: Boolean(process.stdout.isTTY) })}\n`);
      if (flags.exportMarkdown !== undefined) {
        if (flags.exportMarkdown === '-') process.stdout.write(md);
        else emitText(md, flags.exportMarkdown);
      }
      if (result.exceeded)
        process.stderr.write(
          `threshold ${(threshold! * 100).toFixed(1)}% exceeded: ${result.cells.filter((c) => c.regressions.length > 0).length} cell(s) regressed outside the noise\n`,
        );
      // An incomplete NEW proves nothing (a missing cell is no regression only because it was not run): exit 1.
      if (result.incomplete.length > 0)
        throw new RunError('INCOMPLETE_NEW', `NEW is incomplete, so the comparison cannot pass: ${result.incomplete.join('; ')}`);
      process.exitCode = result.exceeded ? ExitCode.THRESHOLD : ExitCode.OK;
    });
}

function emitText(text: string, path: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}
