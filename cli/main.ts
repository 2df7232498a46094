#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { PROJECT_ROOT } from '../protocol/paths.js';
import { registerCalibrate } from './commands/calibrate.js';
import { registerCompare } from './commands/compare.js';
import { registerProbe } from './commands/probe.js';
import { registerPoolOverhead } from './commands/pool-overhead.js';
import { registerProfile } from './commands/profile.js';
import { registerReport } from './commands/report.js';
import { registerRun } from './commands/run.js';
import { registerServe } from './commands/serve.js';
import { registerServers } from './commands/servers.js';
import { registerSuite } from './commands/suite.js';
import { ExitCode, RunError, UsageError } from './errors.js';
import { UnknownServerError } from '../servers/errors.js';

/** Builds the program; commands parse flags and call the same API a program would (bench/, clients/). */
export function buildProgram(): Command {
  const version = (JSON.parse(readFileSync(`${PROJECT_ROOT}/package.json`, 'utf8')) as { version: string }).version;
  const program = new Command('wsarena')
    .description('WebSocket server architectures, measured: event loops, thread pools, processes, threads and goroutines behind one contract')
    .version(version)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
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
  return program;
}

/** The single place errors become messages and exit codes (hyperfine's main()). */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : ExitCode.OK;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version are not errors; commander already printed its own message otherwise.
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return ExitCode.OK;
      return ExitCode.USAGE;
    }
    if (err instanceof UsageError || err instanceof UnknownServerError) {
      process.stderr.write(`Error: ${err.message}\n`);
      return ExitCode.USAGE;
    }
    if (err instanceof RunError) {
      process.stderr.write(`Error: ${err.message}\n`);
      return ExitCode.RUN_FAILED;
    }
    process.stderr.write(`Error: ${(err as Error).stack ?? String(err)}\n`);
    return ExitCode.RUN_FAILED;
  }
}

const code = await main(process.argv.slice(2));
process.exitCode = code;
