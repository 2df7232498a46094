import type { Command } from 'commander';
import { ExitCode, UsageError } from '../../core/errors.js';
import { parseInteger } from '../../core/parse.js';
import { renderProfileReport } from '../../profile/format.js';
import { type ProfileOutcome, runProfile } from '../../profile/run.js';
import { DEFAULT_TOP } from '../../profile/summary.js';
import { PROFILE_TOOLS, parseTool, TOOLS } from '../../profile/tools.js';
import { emitJson } from '../output.js';
import { progressReporter } from '../reporters/progress.js';
import { interruptSignal } from '../session.js';
import { addLoadOptions, buildRunRequest, type RunFlags, rawArgs } from './run.js';

interface ProfileFlags extends RunFlags {
  tool: string;
  profilesDir: string;
  baseline: boolean;
  top: string;
}

export function registerProfile(program: Command): void {
  addLoadOptions(
    program
      .command('profile')
      .description('run one cell with the server under a profiler; keeps the profile next to the result files of a profiled and an unprofiled run'),
  )
    .option('--tool <name>', `profiler: ${PROFILE_TOOLS.map((t) => `${t} (${TOOLS[t].description})`).join('; ')}`, 'cpuprof')
    .option('--profiles-dir <dir>', 'parent of the profile folder results/profiles/<id>/', 'results/profiles')
    .option('--no-baseline', 'skip the unprofiled run of the same cell (the profiler’s overhead is then unknown)')
    .option('--top <n>', 'functions listed by self time and by total time', String(DEFAULT_TOP))
    .addHelpText(
      'after',
      '\nExamples:\n  wsarena profile --server ws-loop --workload echo --connections 1000 --depth 8 --duration 5s --tool cpuprof\n  wsarena profile --server uws --tool flame --connections 100 --duration 5s\n  wsarena profile --server go-goroutines --tool cpuprof --connections 1000',
    )
    .action(async (flags: ProfileFlags, cmd: Command) => {
      const tool = parseTool(flags.tool);
      if (flags.out !== undefined)
        throw new UsageError('CONFLICTING_FLAGS', '--out: profile writes its result files into <profiles-dir>/<id>/; choose the folder with --profiles-dir');
      const top = parseInteger('--top', flags.top, { min: 1, max: 1000 });
      const run = buildRunRequest(flags, ['profile', ...cmd.args, ...rawArgs(cmd)]);
      const progress = progressReporter(process.stderr, flags.quiet ?? false);
      const interrupt = interruptSignal();
      let outcome: ProfileOutcome;
      try {
        outcome = await runProfile(
          { run, tool, profilesDir: flags.profilesDir, baseline: flags.baseline, top },
          { ...progress, status: (message) => (flags.quiet ? undefined : process.stderr.write(`${message}\n`)) },
          interrupt.signal,
        );
      } finally {
        progress.close();
        interrupt.dispose();
      }
      if (flags.json !== undefined && flags.json !== false) emitJson(outcome.manifest, flags.json);
      else process.stdout.write(`${renderProfileReport(outcome.manifest, outcome.dir, { top })}\n`);
      process.stderr.write(`profile: ${outcome.manifestPath}\n`);
      process.exitCode = outcome.interrupted ? ExitCode.INTERRUPTED : ExitCode.OK;
    });
}
