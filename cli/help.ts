import { execFileSync } from 'node:child_process';
import { PROJECT_ROOT } from '../protocol/paths.js';

/** Exit codes, as core/errors.ts ExitCode defines them; printed by `wsarena --help` and listed in README.md. */
export const EXIT_CODES_HELP = `Exit codes:
  0    success
  1    a run failed (a failed cell, a server that died, a result file that could not be written)
  2    bad usage or input (flag, scenario or result file); also bare \`wsarena\`
  3    compare --threshold exceeded outside the noise
  130  interrupted (Ctrl+C); the partial result file is written`;

/** Environment variables wsarena reads (grep process.env); printed by `wsarena --help`, listed in README.md. */
export const ENVIRONMENT_HELP = `Environment:
  NO_COLOR                  any value: no colour (--color overrides it)
  FORCE_COLOR               1: colour even when stdout is not a terminal; 0: none
  WSARENA_CLIENT_NODE_ARGS  extra Node flags for every load-generator process, e.g. "--cpu-prof --cpu-prof-dir=/tmp/gen"
  WSARENA_CHROMIUM          chromium executable for report --png and the browser tests (default /usr/bin/chromium)
  WSARENA_JAVA_HOME         JDK for the java-threads and java-virtual-threads servers (build and run)
  WSARENA_DEBUG             1: print the stack trace of an error (as --debug)`;

/** `wsarena --version`: the package version and, in a git checkout, the commit (+dirty). */
export function versionString(version: string): string {
  const git = (args: string[]) => execFileSync('git', args, { cwd: PROJECT_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 2000 }).trim();
  try {
    const commit = git(['rev-parse', '--short=12', 'HEAD']);
    const dirty = git(['status', '--porcelain', '--untracked-files=no']) !== '';
    return `${version} (git ${commit}${dirty ? ', modified' : ''})`;
  } catch {
    return version;
  }
}

/** `run`'s flags by what they control, in this order; a flag not listed goes to the last group. */
export const RUN_OPTION_GROUPS: ReadonlyArray<readonly [string, readonly string[]]> = [
  ['Servers:', ['--server', '--target', '--target-pid', '--contract', '--threads', '--server-arg', '--port']],
  ['Load:', ['--workload', '--connections', '--depth', '--rate', '--payload', '--work-iterations', '--heavy-fraction', '--ramp']],
  ['Timing:', ['--duration', '--warmup', '--drain', '--repeat', '--handshake-timeout']],
  [
    'Connection workloads (idle, broadcast, storm, backpressure, sizes):',
    [
      '--steps',
      '--hold',
      '--final-hold',
      '--ping-interval',
      '--publish-rate',
      '--rounds',
      '--settle',
      '--slow-fraction',
      '--slow-payload',
      '--slow-rate',
      '--resume-wait',
      '--sizes',
    ],
  ],
  ['Output:', ['--out', '--json', '--wide', '--quiet', '--export-json', '--export-csv', '--export-markdown', '--export-hgrm']],
  ['Several agent machines (see wsarena plan, wsarena merge):', ['--segment', '--start-at', '--plan']],
  ['Advanced (pinning, load generator):', ['--server-cpus', '--client-cpus', '--no-pin', '--client-workers', '--source-addresses']],
];

/** Puts each option of `cmd` under its group heading and orders the options group by group (commander's help groups). */
export function groupOptions<C extends import('commander').Command>(
  cmd: C,
  groups: ReadonlyArray<readonly [string, readonly string[]]> = RUN_OPTION_GROUPS,
): C {
  const last = groups.length - 1;
  const groupOf = (long: string | undefined) => {
    const i = groups.findIndex(([, names]) => long !== undefined && names.includes(long));
    return i === -1 ? last : i;
  };
  const indexed = cmd.options.map((opt, order) => ({ opt, order, group: groupOf(opt.long) }));
  indexed.sort((a, b) => a.group - b.group || a.order - b.order);
  (cmd.options as import('commander').Option[]).splice(0, cmd.options.length, ...indexed.map((x) => x.opt));
  for (const { opt, group } of indexed) opt.helpGroup(groups[group]![0]);
  return cmd;
}
