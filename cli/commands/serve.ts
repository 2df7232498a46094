import os from 'node:os';
import type { Command } from 'commander';
import { cpuListSize } from '../../core/cpu-list.js';
import { ExitCode, RunError, UsageError } from '../../core/errors.js';
import { parseCpuList, parseInteger, splitList } from '../../core/parse.js';
import { STATS_PATH } from '../../protocol/wire.js';
import { commandExists } from '../../results/environment.js';
import { ALLOW_ORIGIN_ENV } from '../../servers/common/origin.js';
import { ServerLaunchError } from '../../servers/errors.js';
import { type RunningServer, startServer } from '../../servers/launch.js';
import { getServer } from '../../servers/registry.js';
import { DEFAULT_SERVER_OPTIONS, MAX_SERVER_THREADS } from '../../servers/spec.js';
import { collectRepeated, parseServerArgFlags } from '../server-args.js';

/** Raw commander options of `serve`. */
export interface ServeFlags {
  port?: string;
  cpus?: string;
  pin: boolean;
  threads?: string;
  serverArg?: string[];
}

/** What `serve` starts: the same options `wsarena run` would give the server. */
export interface ServePlan {
  name: string;
  port: number;
  /** taskset CPU list, or null for unpinned. */
  cpus: string | null;
  threads: number | null;
  /** The server's own flags (--server-arg), validated against its spec. */
  serverArgs: Record<string, number>;
}

/** Validates the flags. Default pinning is the runner's: CPU 0 when taskset exists and there are ≥ 2 CPUs. */
export function buildServePlan(name: string, flags: ServeFlags): ServePlan {
  try {
    getServer(name);
  } catch (err) {
    throw new UsageError('UNKNOWN_SERVER', (err as Error).message);
  }
  const cpuCount = os.cpus().length;
  if (!flags.pin && flags.cpus !== undefined) throw new UsageError('CONFLICTING_FLAGS', '--no-pin cannot be combined with --cpus');
  if (flags.cpus !== undefined && !commandExists('taskset')) {
    throw new UsageError('NO_TASKSET', 'taskset is not installed, so --cpus cannot be applied; install util-linux or pass --no-pin');
  }
  const cpus =
    flags.cpus !== undefined ? parseCpuList('--cpus', flags.cpus, cpuCount).list : flags.pin && commandExists('taskset') && cpuCount >= 2 ? '0' : null;
  return {
    name,
    port: flags.port === undefined ? 0 : parseInteger('--port', flags.port, { min: 1, max: 65_535 }),
    cpus,
    threads: flags.threads === undefined ? null : parseInteger('--threads', flags.threads, { min: 1, max: MAX_SERVER_THREADS }),
    serverArgs: parseServerArgFlags(flags.serverArg, [getServer(name)]),
  };
}

/** The lines `serve` prints on stdout: the URL alone first, so `wsarena serve X | head -1` is the URL. */
export function describeRunning(server: RunningServer): string {
  const { host } = new URL(server.url);
  const knobs = Object.entries(server.knobs)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(' ');
  const cpus = server.pinning.applied
    ? `${server.pinning.cpus} (taskset)`
    : `unpinned${server.pinning.cpus === null ? '' : ` (${server.pinning.reason ?? 'not applied'})`}`;
  return [
    server.url,
    `server  ${server.spec.name} (${server.spec.model}, ${server.spec.language})`,
    `pid     ${server.pid}`,
    `stats   http://${host}${STATS_PATH}`,
    `cpus    ${cpus}`,
    `knobs   ${knobs}`,
  ].join('\n');
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('start one server in the foreground, configured as `wsarena run` does, and stop it on Ctrl+C')
    .argument('<name>', 'server name (see `wsarena servers`)')
    .option('--port <n>', 'TCP port (default: any free port)')
    .option('--cpus <list>', 'taskset CPU list for the server (default: 0, as `wsarena run` pins it)')
    .option('--no-pin', 'do not pin the server with taskset')
    .option('--threads <n>', 'threads / processes / pool size for multi-threaded server models')
    .option('--server-arg <name=value>', "a server's own flag, repeatable (e.g. max-threads=200; `wsarena servers` lists them)", collectRepeated)
    .option(
      '--allow-origin <list>',
      'browser origins allowed besides loopback ones, comma-separated, or * for any (sets WSARENA_ALLOW_ORIGIN; docs/PROTOCOL.md)',
    )
    .addHelpText(
      'after',
      '\nExamples:\n  wsarena serve ws-loop --port 9001\n  wsarena serve uws-threads --threads 2 --cpus 0-1\n  wsarena serve java-threads --server-arg max-threads=200',
    )
    .action(async (name: string, flags: ServeFlags & { allowOrigin?: string }) => {
      const plan = buildServePlan(name, flags);
      // Every server reads the same variable (servers/common/origin.ts, Go, Java); the child inherits it.
      if (flags.allowOrigin !== undefined) process.env[ALLOW_ORIGIN_ENV] = splitList('--allow-origin', flags.allowOrigin).join(',');
      const spec = getServer(plan.name);
      let server: RunningServer;
      try {
        server = await startServer(
          spec,
          { ...DEFAULT_SERVER_OPTIONS, port: plan.port, threads: plan.threads, serverArgs: plan.serverArgs, cpuCount: cpuListSize(plan.cpus) },
          { cpus: plan.cpus, readyTimeoutMs: 15_000 },
        );
      } catch (err) {
        if (err instanceof ServerLaunchError && (err.code === 'PORT_IN_USE' || err.code === 'SERVER_UNAVAILABLE')) throw new UsageError(err.code, err.message);
        if (err instanceof ServerLaunchError) throw new RunError(err.code, err.message);
        throw err;
      }
      process.stdout.write(`${describeRunning(server)}\n`);
      process.stderr.write(`${spec.name} is running; Ctrl+C (SIGINT) or SIGTERM stops it\n`);
      process.exitCode = await untilStopped(server);
    });
}

/**
 * Resolves with the exit code once the server is gone: 0 after SIGINT/SIGTERM stopped it, 1 when it
 * exited on its own.
 */
function untilStopped(server: RunningServer): Promise<number> {
  return new Promise((resolve) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals): void => {
      if (stopping) {
        process.stderr.write(`still stopping ${server.spec.name}; it is killed within a few seconds\n`);
        return;
      }
      stopping = true;
      process.stderr.write(`${signal}: stopping ${server.spec.name} (pid ${server.pid})\n`);
      void server.stop().then(() => finish(ExitCode.OK));
    };
    const finish = (code: number): void => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      resolve(code);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    void server.exited.then((exit) => {
      if (stopping) return;
      stopping = true;
      const how = exit.signal !== null ? `was killed by ${exit.signal}` : `exited with code ${exit.code ?? 'none'}`;
      const tail = server.stderrTail();
      process.stderr.write(`Error: ${server.spec.name} ${how}${tail === '' ? '' : `; output:\n${tail}`}\n`);
      // Whatever it left in its process group goes too.
      void server.stop().then(() => finish(ExitCode.RUN_FAILED));
    });
  });
}
