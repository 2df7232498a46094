import type { Command } from 'commander';
import { UsageError } from '../../core/errors.js';
import { formatRate } from '../../core/format.js';
import { errorOf, isMeasured } from '../../results/cell-status.js';
import { mergeResults } from '../../results/merge.js';
import { readResultFile } from '../../results/reader.js';
import { checkResultPath, writeResultFile } from '../../results/writer.js';

export interface MergeFlags {
  out?: string;
}

export function registerMerge(program: Command): void {
  program
    .command('merge')
    .description('merge the segment results of one plan (wsarena run --segment i/N on N machines) into one result file')
    .argument('<files...>', 'segment result files, one per segment')
    .option('--out <file>', 'merged result file (required)')
    .addHelpText(
      'after',
      "\nHistograms are added, counts summed, timelines aligned by wall-clock second; each agent's environment and\n" +
        'verdict are kept, and the merged verdict is client-bound if any agent was. Files of different plans are refused.\n\n' +
        'Example:\n  wsarena merge results/seg-*.json --out results/merged.json && wsarena report results/merged.json',
    )
    .action((paths: string[], flags: MergeFlags) => {
      if (flags.out === undefined)
        throw new UsageError('MISSING_FLAG', 'merge: --out is required; allowed: a file path for the merged result, e.g. --out merged.json');
      checkResultPath('--out', flags.out);
      const merged = mergeResults(
        paths.map((path) => ({ path, file: readResultFile(path) })),
        { command: ['merge', ...paths, '--out', flags.out], now: new Date().toISOString() },
      );
      writeResultFile(flags.out, merged);
      for (const w of merged.merge?.warnings ?? []) process.stderr.write(`warning: ${w}\n`);
      for (const c of merged.cells) {
        const l = isMeasured(c) ? c.load : null;
        const figures = l
          ? `sent ${l.counts.sent}, received ${l.counts.received}, lost ${l.counts.lost}, ${formatRate(l.achievedRateHz)} msgs/s`
          : (errorOf(c) ?? c.status);
        process.stdout.write(`${c.id}: ${paths.length} segments, ${figures}, verdict ${(isMeasured(c) ? c.verdict?.verdict : null) ?? 'none'}\n`);
      }
      process.stderr.write(`results: ${flags.out}\n`);
    });
}
