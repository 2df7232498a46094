/**
 * `wsarena soak`: one long open-loop cell against ws-loop with faults injected (bench/soak.ts), reporting
 * the client workers' RSS over time and how each fault showed in the result. Exit 1 when a fault did not
 * show or the RSS grew past its bound.
 */
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { DEFAULT_SOAK, MIN_SOAK_MS, runSoak, type SoakReport } from '../../bench/soak.js';
import { ExitCode, UsageError } from '../../core/errors.js';
import { parseDurationMs, parseInteger, parseNumber } from '../../core/parse.js';

export interface SoakFlags {
  duration: string;
  connections: string;
  rate: string;
  dropEvery: string;
  out?: string;
  json?: boolean;
}

export function buildSoakOptions(flags: SoakFlags): { durationMs: number; connections: number; rateHz: number; dropEvery: number } {
  const durationMs = parseDurationMs('--duration', flags.duration);
  if (durationMs < MIN_SOAK_MS) throw new UsageError('OUT_OF_RANGE', `--duration: "${flags.duration}" is too short for the three legs; allowed: 30s to 24h`);
  return {
    durationMs,
    connections: parseInteger('--connections', flags.connections, { min: 1, max: 10_000 }),
    rateHz: parseNumber('--rate', flags.rate, { min: 0, max: 1_000_000, exclusiveMin: true }),
    dropEvery: parseInteger('--drop-every', flags.dropEvery, { min: 2, max: 1_000_000_000 }),
  };
}

const mib = (b: number | null): string => (b === null ? 'n/a' : `${(b / 1048576).toFixed(1)} MiB`);

export function renderSoak(r: SoakReport): string {
  const lines = [
    `soak ${r.durationMs / 1000} s against ${r.server}: steady ${r.legs.steadyMs / 1000} s, fault legs ${r.legs.faultLegMs / 1000} s`,
    `client RSS (all workers): ${mib(r.rss.referenceBytes)} at ${r.rss.referenceAtMs / 1000} s, ${mib(r.rss.endBytes)} at the end` +
      ` (×${r.rss.ratio === null ? 'n/a' : r.rss.ratio.toFixed(2)}; goal ≤ ×${r.rss.bound}: ${r.rss.withinBound ? 'met' : 'NOT met'})`,
  ];
  if (r.steady) {
    const c = r.steady.counts;
    lines.push(
      `steady counts: sent ${c.sent}, received ${c.received}, lost ${c.lost}, late ${c.late ?? 0}, duplicated ${c.duplicated}, corrupted ${c.corrupted}, out of order ${c.outOfOrder}, unexpected ${c.unexpected}, client drops ${c.clientDrops ?? 0}`,
    );
  }
  for (const f of r.faults) lines.push(`${f.shown ? 'shown' : 'NOT SHOWN'}  ${f.fault}: ${f.injected} → ${f.showedAs}`);
  lines.push(r.ok ? 'soak passed' : 'soak FAILED');
  return lines.join('\n');
}

export function registerSoak(program: Command): void {
  program
    .command('soak')
    .description('one long cell against ws-loop with faults injected (dropped replies, server restart, client worker kill); reports client RSS over time')
    .option('--duration <time>', 'whole soak, 30s to 24h', '30m')
    .option('--connections <n>', 'connections', String(DEFAULT_SOAK.connections))
    .option('--rate <msgs/s>', 'open-loop rate over all connections', String(DEFAULT_SOAK.rateHz))
    .option('--drop-every <n>', 'the server leaves 1 reply in n unanswered', String(DEFAULT_SOAK.dropEvery))
    .option('--out <file>', 'write the soak report as JSON')
    .option('--json', 'print the soak report as JSON instead of text')
    .action(async (flags: SoakFlags) => {
      const o = buildSoakOptions(flags);
      const controller = new AbortController();
      const onSigint = (): void => controller.abort(new Error('interrupted'));
      process.once('SIGINT', onSigint);
      try {
        const report = await runSoak({ ...DEFAULT_SOAK, ...o, log: flags.json ? undefined : (l) => process.stderr.write(`${l}\n`), signal: controller.signal });
        if (flags.out) writeFileSync(flags.out, `${JSON.stringify(report, null, 2)}\n`);
        process.stdout.write(flags.json ? `${JSON.stringify(report, null, 2)}\n` : `${renderSoak(report)}\n`);
        process.exitCode = report.ok ? ExitCode.OK : ExitCode.RUN_FAILED;
      } finally {
        process.off('SIGINT', onSigint);
      }
    });
}
