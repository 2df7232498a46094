#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { ExitCode, exitCodeOf } from '../core/errors.js';
import { PROJECT_ROOT } from '../protocol/paths.js';
import { COLOR_MODES, type ColorMode, setColorMode } from './color.js';
import { registerCalibrate } from './commands/calibrate.js';
import { registerCompare } from './commands/compare.js';
import { registerMerge } from './commands/merge.js';
import { registerPlan } from './commands/plan.js';
import { registerPoolOverhead } from './commands/pool-overhead.js';
import { registerProbe } from './commands/probe.js';
import { registerProfile } from './commands/profile.js';
import { registerReport } from './commands/report.js';
import { registerRun } from './commands/run.js';
import { registerServe } from './commands/serve.js';
import { registerServers } from './commands/servers.js';
import { registerSoak } from './commands/soak.js';
import { registerSuite } from './commands/suite.js';
import { ENVIRONMENT_HELP, EXIT_CODES_HELP, versionString } from './help.js';

/** Builds the program; commands parse flags and call the same API a program would (bench/, clients/). */
export function buildProgram(): Command {
  const version = (JSON.parse(readFileSync(`${PROJECT_ROOT}/package.json`, 'utf8')) as { version: string }).version;
  const program = new Command('wsarena')
    .description('WebSocket server architectures, measured: event loops, thread pools, processes, threads and goroutines behind one contract')
    .version(versionString(version), '-V, --version', 'print the version (and the git commit when known)')
    .addOption(new Option('--color <when>', 'colour on stdout; auto: on a terminal, unless NO_COLOR is set').choices(COLOR_MODES))
    .option('--no-color', 'no colour (same as --color never)')
    .option('--debug', 'print the stack trace of an error (for bug reports)')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .addHelpText(
      'after',
      `\n${EXIT_CODES_HELP}\n\n${ENVIRONMENT_HELP}\n\nThe method behind every figure: docs/METHOD.md. Result files: results/result.schema.json.`,
    )
    .hook('preAction', () => {
      const color = program.opts().color as ColorMode | false | true | undefined;
      setColorMode(color === false ? 'never' : typeof color === 'string' ? color : 'auto');
    });
  registerRun(program);
  registerServers(program);
  registerCalibrate(program);
  registerSuite(program);
  registerReport(program);
  registerCompare(program);
  registerProbe(program);
  registerProfile(program);
  registerPoolOverhead(program);
  registerServe(program);
  registerSoak(program);
  registerMerge(program);
  registerPlan(program);
  return program;
}

/** The single place errors become messages and exit codes (hyperfine's main()). */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  // A stack trace only on request: errors are messages for users, stacks are for bug reports.
  const debug = argv.includes('--debug') || process.env.WSARENA_DEBUG === '1';
  const stack = (err: unknown) => (debug && err instanceof Error && err.stack ? `${err.stack}\n` : '');
  if (argv.length === 0) {
    // Bare `wsarena` is a usage error (as git and cargo do): the help on stderr, exit 2.
    program.outputHelp({ error: true });
    return ExitCode.USAGE;
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : ExitCode.OK;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version are not errors; commander already printed its own message otherwise.
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return ExitCode.OK;
      return ExitCode.USAGE;
    }
    // Bad input (UsageError, UnknownServerError among them) and failed runs (RunError): core/errors.ts exitCodeOf.
    const code = exitCodeOf(err);
    if (code !== null) {
      process.stderr.write(`Error: ${(err as Error).message}\n${stack(err)}`);
      return code;
    }
    // Not an error we expected: still one line, and the way to get the stack.
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`Error: ${message}\n${debug ? stack(err) : '(an unexpected error: run again with --debug for the stack trace and report it)\n'}`);
    return ExitCode.RUN_FAILED;
  }
}

// `wsarena … | head`: a reader that goes away is not an error (as for cat or git): stop quietly.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
  throw err;
});
const code = await main(process.argv.slice(2));
process.exitCode = code;
