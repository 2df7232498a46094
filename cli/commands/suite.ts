import { join } from 'node:path';
import type { Command } from 'commander';
import { estimateDurationMs, estimateRequestMs, formatEstimate, plannedCells } from '../../bench/estimate.js';
import { runMatrix } from '../../bench/runner.js';
import { builtInScenarios, loadScenario, type Scenario, type ScenarioEntry, toCamel } from '../../bench/scenario.js';
import { UsageError } from '../../core/errors.js';
import { splitList } from '../../core/parse.js';
import { buildScorecard } from '../../report/scorecard.js';
import type { ResultFile } from '../../results/schema.js';
import { checkResultDir } from '../../results/writer.js';
import { listServers } from '../../servers/registry.js';
import { stdoutStyle } from '../color.js';
import { addExportOptions, checkExportFlags, type ExportFlags, exportsToStdout, writeExports } from '../exports.js';
import { emitJson } from '../output.js';
import { progressReporter } from '../reporters/progress.js';
import { renderScorecard } from '../reporters/scorecard.js';
import { renderCells } from '../reporters/summary.js';
import { interruptSignal, timeStamp } from '../session.js';
import { buildRunRequest, exitCodeFor, type RunFlags } from './run.js';

/** Flags of `wsarena run` a scenario entry may set (camelCase), with the defaults `run` uses. */
export const RUN_DEFAULTS: Omit<RunFlags, 'server'> = {
  workload: 'echo',
  connections: '100',
  duration: '10s',
  warmup: '2s',
  drain: '2s',
  payload: '64',
  repeat: '1',
  pin: true,
  workIterations: '50000',
  heavyFraction: '0.05',
};
const ALLOWED_KEYS = new Set([
  ...Object.keys(RUN_DEFAULTS),
  'depth',
  'rate',
  'serverCpus',
  'clientCpus',
  'clientWorkers',
  'threads',
  'serverArg',
  'ramp',
  'sourceAddresses',
  'port',
  // Connection workloads (idle, broadcast, storm, backpressure, sizes).
  'handshakeTimeout',
  'steps',
  'hold',
  'finalHold',
  'pingInterval',
  'publishRate',
  'rounds',
  'settle',
  'slowFraction',
  'slowPayload',
  'slowRate',
  'resumeWait',
  'sizes',
]);

/** Turns one entry (defaults merged) into the same flags `wsarena run` would get; names the field on error. */
export function entryToFlags(scenarioPath: string, scenario: Scenario, index: number, entry: ScenarioEntry, outPath: string): RunFlags {
  const flags: Record<string, unknown> = { ...RUN_DEFAULTS };
  const merged: Record<string, unknown> = { ...scenario.defaults, ...entry };
  for (const [rawKey, value] of Object.entries(merged)) {
    if (rawKey === 'name' || rawKey === 'description' || rawKey === 'servers') continue;
    const key = toCamel(rawKey);
    if (!ALLOWED_KEYS.has(key)) {
      throw new UsageError(
        'SCENARIO_INVALID',
        `scenario ${scenarioPath}: entries.${index}.${rawKey}: unknown field; allowed: name, description, servers, ${[...ALLOWED_KEYS].sort().join(', ')}`,
      );
    }
    // Booleans are booleans: only `pin` takes one, and it takes nothing else ("false" as a string would pin).
    if (key === 'pin') {
      if (typeof value !== 'boolean')
        throw new UsageError(
          'SCENARIO_INVALID',
          `scenario ${scenarioPath}: entries.${index}.${rawKey}: ${JSON.stringify(value)} is not a boolean; use true or false (without quotes)`,
        );
      flags[key] = value;
      continue;
    }
    if (typeof value === 'boolean')
      throw new UsageError(
        'SCENARIO_INVALID',
        `scenario ${scenarioPath}: entries.${index}.${rawKey}: ${value} is not allowed; give a number or a string as on the command line`,
      );
    flags[key] = String(value);
  }
  const servers = entry.servers === 'all' ? listServers().map((s) => s.name) : entry.servers;
  return { ...(flags as Omit<RunFlags, 'server'>), server: servers.join(','), out: outPath, quiet: true };
}

export function registerSuite(program: Command): void {
  const suite = program
    .command('suite <name>')
    .description(`run a scenario file (bench/scenarios/<name>.json, or a path): ${builtInScenarios().join(', ')}`)
    .option('--out-dir <dir>', 'folder for the result files (one per entry)')
    .option('--only <entries>', 'run only these entries (comma-separated names)')
    .option('--json', 'print all result files as a JSON array to stdout instead of the tables')
    .option('--wide', 'print every column instead of the 100-column tables')
    .option('-q, --quiet', 'no progress on stderr')
    .option('--dry-run', 'print each entry with its cell count and estimated duration (bench/estimate.ts), and run nothing');
  addExportOptions(suite).action(
    async (
      name: string,
      opts: ExportFlags & { outDir?: string; only?: string; json?: string | boolean; wide?: boolean; quiet?: boolean; dryRun?: boolean },
    ) => {
      checkExportFlags(opts);
      if (opts.json && exportsToStdout(opts))
        throw new UsageError('CONFLICTING_FLAGS', '--json and an --export-… - both print to stdout; give the export a file');
      const tables = !opts.json && !exportsToStdout(opts);
      const { path, scenario } = loadScenario(name);
      const outDir = opts.outDir ?? join('results', 'suites', `${scenario.name}-${timeStamp()}-${process.pid}`);
      const only = opts.only !== undefined ? new Set(splitList('--only', opts.only)) : null;
      if (only) {
        const unknown = [...only].filter((n) => !scenario.entries.some((e) => e.name === n));
        if (unknown.length > 0)
          throw new UsageError(
            'UNKNOWN_ENTRY',
            `--only: no entry named ${unknown.join(', ')} in ${path}; entries: ${scenario.entries.map((e) => e.name).join(', ')}`,
          );
      }
      // Validate every entry before running any, so a typo in the last one does not waste the first ones.
      const requests = scenario.entries
        .map((entry, index) => ({ entry, index }))
        .filter(({ entry }) => !only || only.has(entry.name))
        .map(({ entry, index }) => {
          const flags = entryToFlags(path, scenario, index, entry, join(outDir, `${entry.name}.json`));
          try {
            return { entry, req: buildRunRequest(flags, ['suite', name, '--entry', entry.name], 'suite') };
          } catch (err) {
            if (err instanceof UsageError) throw new UsageError(err.code, `scenario ${path}: entries.${index} (${entry.name}): ${err.message}`);
            throw err;
          }
        });

      const cells = requests.reduce((n, { req }) => n + plannedCells(req), 0);
      const estimate = formatEstimate(estimateDurationMs(requests.map(({ req }) => req)));
      if (opts.dryRun) {
        const width = Math.max(...requests.map(({ entry }) => entry.name.length));
        for (const { entry, req } of requests)
          process.stdout.write(`${entry.name.padEnd(width)}  ${String(plannedCells(req)).padStart(4)} cells  ${formatEstimate(estimateRequestMs(req))}\n`);
        process.stdout.write(`${scenario.name}: ${cells} cells, ${estimate} (estimated from each cell's phases, bench/estimate.ts)\n`);
        return;
      }
      checkResultDir('--out-dir', outDir);
      if (!opts.quiet) process.stderr.write(`== ${scenario.name}: ${cells} cells, ${estimate} (estimated)\n`);
      const progress = progressReporter(process.stderr, opts.quiet ?? false);
      const interrupt = interruptSignal();
      const files: ResultFile[] = [];
      try {
        for (const { entry, req } of requests) {
          if (interrupt.signal.aborted) break;
          if (!opts.quiet) process.stderr.write(`== ${scenario.name} / ${entry.name}: ${entry.description ?? req.workload}\n`);
          const file = await runMatrix(req, progress, interrupt.signal);
          files.push(file);
          if (tables)
            process.stdout.write(`\n## ${scenario.name} / ${entry.name}\n${renderCells(file.cells, { ...stdoutStyle(), wide: opts.wide ?? false })}\n`);
        }
      } finally {
        progress.close();
        interrupt.dispose();
      }
      writeExports(opts, files, files);
      if (opts.json !== undefined && opts.json !== false) emitJson(files, opts.json);
      else if (tables) {
        const card = renderScorecard(buildScorecard(files.flatMap((f) => f.cells)), stdoutStyle());
        if (card !== '') process.stdout.write(`\n## ${scenario.name} / scorecard\n${card}\n`);
      }
      process.stderr.write(`results: ${outDir}\n`);
      const codes = files.map(exitCodeFor);
      process.exitCode = interrupt.signal.aborted ? 130 : Math.max(0, ...codes);
    },
  );
}
