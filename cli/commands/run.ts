import os from 'node:os';
import { type Command, Option } from 'commander';
import { type RunRequest, runMatrix } from '../../bench/runner.js';
import type { WorkloadParams } from '../../bench/workloads/params.js';
import { getWorkload, WORKLOADS } from '../../bench/workloads.js';
import { cpuListSize } from '../../core/cpu-list.js';
import { ExitCode, UsageError } from '../../core/errors.js';
import { parseBytes, parseCpuList, parseDurationMs, parseInteger, parseIntegerList, parseNumber, splitList } from '../../core/parse.js';
import { readPlanFile } from '../../deploy/plan-file.js';
import { isFailure } from '../../results/cell-status.js';
import { commandExists } from '../../results/environment.js';
import type { ResultFile } from '../../results/schema.js';
import { checkResultPath } from '../../results/writer.js';
import { getServer } from '../../servers/registry.js';
import { MAX_SERVER_THREADS } from '../../servers/spec.js';
import { stdoutStyle } from '../color.js';
import { addExportOptions, checkExportFlags, type ExportFlags, exportsToStdout, writeExports } from '../exports.js';
import { groupOptions } from '../help.js';
import { emitJson } from '../output.js';
import { agentArgs, checkPlanSegment, flagsWithPlan } from '../plan-file.js';
import { progressReporter } from '../reporters/progress.js';
import { renderCells } from '../reporters/summary.js';
import { segmentRequest } from '../segment-flags.js';
import { collectRepeated, parseServerArgFlags } from '../server-args.js';
import { defaultOutPath, interruptSignal } from '../session.js';

/** Raw commander options of `run` (strings until validated). */
export interface RunFlags {
  server: string;
  target?: string;
  targetPid?: string;
  contract?: boolean;
  workload: string;
  connections: string;
  duration: string;
  warmup: string;
  drain: string;
  depth?: string;
  rate?: string;
  payload: string;
  repeat: string;
  serverCpus?: string;
  clientCpus?: string;
  pin: boolean;
  clientWorkers?: string;
  threads?: string;
  /** --server-arg name=value, repeatable (suites: one comma-separated string). */
  serverArg?: string[] | string;
  workIterations: string;
  heavyFraction: string;
  ramp?: string;
  sourceAddresses?: string;
  serverStall?: string;
  port?: string;
  handshakeTimeout?: string;
  steps?: string;
  hold?: string;
  finalHold?: string;
  pingInterval?: string;
  publishRate?: string;
  rounds?: string;
  settle?: string;
  slowFraction?: string;
  slowPayload?: string;
  slowRate?: string;
  resumeWait?: string;
  sizes?: string;
  out?: string;
  json?: string | boolean;
  quiet?: boolean;
  /** run only: `--segment i/N`, `--start-at T`, `--plan FILE` (a distributed run's agent). */
  segment?: string;
  startAt?: string;
  plan?: string;
}

/** Adds the flags every load-driving command shares (run, suite cells, profile). */
export function addLoadOptions(cmd: Command): Command {
  return cmd
    .option('--server <names>', 'comma-separated server names (see `wsarena servers`)', 'ws-loop')
    .option('--target <url>', 'drive an already-running server at ws://host:port/path instead of starting one')
    .option('--target-pid <pid>', 'with --target: sample this process tree from /proc for CPU and memory')
    .option('--contract', 'with --target: the server implements the wsarena contract (WORK, BROADCAST, /stats)')
    .option('--workload <name>', Object.keys(WORKLOADS).join(' | '), 'echo')
    .option('--connections <list>', 'connection counts to run, comma-separated', '100')
    .option('--duration <time>', 'measured window per cell (e.g. 10s, 500ms)', '10s')
    .option('--warmup <time>', 'load before the window, excluded from figures', '2s')
    .option('--drain <time>', 'wait for outstanding replies after the window before counting them lost', '2s')
    .option('--depth <n>', 'closed loop: messages in flight per connection (default 1)')
    .option('--rate <msgs/s>', 'open loop: total target rate; latency is corrected for coordinated omission')
    .option('--payload <bytes>', 'ECHO payload after the 16-byte header (e.g. 64, 16KiB)', '64')
    .option('--repeat <n>', 'repeats per cell, interleaved across servers', '1')
    .option('--server-cpus <list>', 'taskset CPU list for the server; sweep several with "/" (e.g. 0/0-1)')
    .option('--client-cpus <list>', 'taskset CPU list for the load generator')
    .option('--no-pin', 'do not pin server or client with taskset')
    .option('--client-workers <n>', 'load generator processes (default: number of client CPUs)')
    .option('--port <n>', 'fixed server port (default: any free port)')
    .option('--threads <n>', 'threads / processes / pool size for multi-threaded server models')
    .option(
      '--server-arg <name=value>',
      "a server's own flag, repeatable, recorded with each cell (e.g. max-threads=200 for java-threads' fixed pool; `wsarena servers` lists them)",
      collectRepeated,
    )
    .option('--work-iterations <n>', 'WORK iterations per heavy message (≈1.9 ns each on this machine)', '50000')
    .option('--heavy-fraction <f>', 'mixed workload: fraction of messages that are WORK', '0.05')
    .option('--ramp <conns/s>', 'connections opened per second (default: as fast as possible)')
    .option('--source-addresses <n>', 'spread client connections over 127.0.0.1 … 127.0.0.N (beyond ~28k connections)')
    .option(
      '--handshake-timeout <time>',
      'TCP connect + upgrade limit per connection (default 10s for echo/work/mixed/sizes, 30s for the connection workloads)',
    )
    .option('--steps <n>', 'idle: ramp to N connections in this many equal steps (default 5)')
    .option('--hold <time>', 'idle: hold after each step before sampling memory (default 2s)')
    .option('--final-hold <time>', 'idle: hold after the last step, e.g. 60s for a ceiling run (default 2s)')
    .option('--ping-interval <time>', 'idle: ping every connection this often to prove it alive; "off" for none (default 1s)')
    .option('--publish-rate <Hz>', 'broadcast: publishes per second by the one publisher (default 10)')
    .option('--rounds <n>', 'storm: open-all / close-all rounds (default 3)')
    .option('--settle <time>', 'storm: after closing, wait up to this for the server fds to return (default 3s)')
    .option('--slow-fraction <f>', 'backpressure: fraction of connections that stop reading (default 0.1)')
    .option('--slow-payload <bytes>', 'backpressure: ECHO payload slow readers send (default 64KiB)')
    .option('--slow-rate <msgs/s>', 'backpressure: ECHO requests per second per slow reader (default 20)')
    .option('--resume-wait <time>', 'backpressure: how long slow readers get to drain after resuming (default 5s)')
    .option('--sizes <list>', 'sizes: ECHO payload sizes to sweep, one cell each (default 16,256,4KiB,64KiB)')
    .addOption(new Option('--server-stall <spec>', 'test mode: server blocks its event loop, e.g. 200ms/1s').hideHelp())
    .option('--out <file>', 'result file (written after every cell)')
    .option('--json', 'print the result JSON to stdout instead of the table (--export-json FILE writes it to a file)')
    .option('-q, --quiet', 'no progress on stderr');
}

/** Turns validated flags into a RunRequest; every bad value is a UsageError naming the flag. */
export function buildRunRequest(flags: RunFlags, argv: string[], kind: RunRequest['kind'] = 'run'): RunRequest {
  const cpuCount = os.cpus().length;
  getWorkload(flags.workload);
  const target = flags.target ? parseTarget(flags.target, flags.targetPid, flags.contract ?? false) : null;
  const servers = target ? [] : splitList('--server', flags.server);
  if (!target) {
    for (const s of servers) {
      try {
        getServer(s);
      } catch (err) {
        throw new UsageError('UNKNOWN_SERVER', `--server: ${(err as Error).message}`);
      }
    }
  }
  if (flags.depth !== undefined && flags.rate !== undefined) {
    throw new UsageError('CONFLICTING_FLAGS', '--depth and --rate exclude each other: --depth is closed loop, --rate is open loop');
  }
  const mode = flags.rate !== undefined ? 'open' : 'closed';

  const pin = flags.pin && commandExists('taskset');
  // Default layout on this 2-core box: server on CPU 0, client on CPU 1 (docs/METHOD.md §4).
  const serverCpus = flags.serverCpus
    ? flags.serverCpus.split('/').map((l) => parseCpuList('--server-cpus', l, cpuCount).list)
    : [pin && cpuCount >= 2 ? '0' : null];
  const clientCpus = flags.clientCpus ? parseCpuList('--client-cpus', flags.clientCpus, cpuCount).list : pin && cpuCount >= 2 ? String(cpuCount - 1) : null;
  if (!flags.pin && (flags.serverCpus || flags.clientCpus))
    throw new UsageError('CONFLICTING_FLAGS', '--no-pin cannot be combined with --server-cpus or --client-cpus');
  if ((flags.serverCpus || flags.clientCpus) && !commandExists('taskset')) {
    throw new UsageError('NO_TASKSET', 'taskset is not installed, so --server-cpus/--client-cpus cannot be applied; install util-linux or pass --no-pin');
  }
  const clientCpuCount = cpuListSize(clientCpus) ?? cpuCount;
  const clientWorkers = flags.clientWorkers ? parseInteger('--client-workers', flags.clientWorkers, { min: 1, max: 64 }) : clientCpuCount;
  const addresses = flags.sourceAddresses ? parseInteger('--source-addresses', flags.sourceAddresses, { min: 1, max: 254 }) : 0;

  return {
    kind,
    servers,
    target,
    workload: flags.workload,
    connections: parseIntegerList('--connections', flags.connections, { min: 1, max: 1_000_000 }),
    mode,
    depth: flags.depth !== undefined ? parseInteger('--depth', flags.depth, { min: 1, max: 10_000 }) : 1,
    rateHz: flags.rate !== undefined ? parseNumber('--rate', flags.rate, { min: 0, exclusiveMin: true, max: 10_000_000 }) : null,
    payloadBytes: parseBytes('--payload', flags.payload),
    durationMs: parseDurationMs('--duration', flags.duration),
    warmupMs: flags.warmup === '0' ? 0 : parseDurationMs('--warmup', flags.warmup),
    drainMs: flags.drain === '0' ? 0 : parseDurationMs('--drain', flags.drain),
    repeat: parseInteger('--repeat', flags.repeat, { min: 1, max: 1000 }),
    clientWorkers,
    serverCpus,
    clientCpus,
    serverThreads: flags.threads ? parseInteger('--threads', flags.threads, { min: 1, max: MAX_SERVER_THREADS }) : null,
    serverArgs: parseServerArgFlags(
      flags.serverArg,
      servers.map((s) => getServer(s)),
    ),
    workIterations: parseInteger('--work-iterations', flags.workIterations, { min: 0, max: 50_000_000 }),
    heavyFraction: parseNumber('--heavy-fraction', flags.heavyFraction, { min: 0, max: 1 }),
    rampPerSec: flags.ramp ? parseNumber('--ramp', flags.ramp, { min: 0, exclusiveMin: true }) : null,
    sourceAddresses: Array.from({ length: addresses }, (_, i) => `127.0.0.${i + 1}`),
    port: flags.port ? parseInteger('--port', flags.port, { min: 1, max: 65535 }) : 0,
    stall: flags.serverStall ? parseStall(flags.serverStall) : null,
    workloadParams: parseWorkloadParams(flags),
    outPath: flags.out ?? (typeof flags.json === 'string' && flags.json !== '-' ? flags.json : defaultOutPath(kind)),
    command: argv,
  };
}

function parseTarget(url: string, pid: string | undefined, contract: boolean): NonNullable<RunRequest['target']> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError('BAD_TARGET', `--target: "${url}" is not a URL; use ws://host:port/path`);
  }
  if (parsed.protocol !== 'ws:') throw new UsageError('BAD_TARGET', `--target: "${url}" must use ws:// (wss is not supported: TLS would be measured too)`);
  return { url, pid: pid ? parseInteger('--target-pid', pid, { min: 1 }) : null, contract };
}

/** The connection-workload and sizes flags the user gave (others take bench/workloads/params.ts defaults). */
export function parseWorkloadParams(flags: RunFlags): Partial<WorkloadParams> {
  const out: Partial<WorkloadParams> = {};
  const zeroOr = (flag: string, v: string) => (v.trim() === '0' ? 0 : parseDurationMs(flag, v));
  if (flags.handshakeTimeout !== undefined) out.handshakeTimeoutMs = parseDurationMs('--handshake-timeout', flags.handshakeTimeout);
  if (flags.steps !== undefined) out.steps = parseInteger('--steps', flags.steps, { min: 1, max: 1000 });
  if (flags.hold !== undefined) out.holdMs = zeroOr('--hold', flags.hold);
  if (flags.finalHold !== undefined) out.finalHoldMs = zeroOr('--final-hold', flags.finalHold);
  if (flags.pingInterval !== undefined) out.pingIntervalMs = flags.pingInterval === 'off' ? null : parseDurationMs('--ping-interval', flags.pingInterval);
  if (flags.publishRate !== undefined) out.publishRateHz = parseNumber('--publish-rate', flags.publishRate, { min: 0, exclusiveMin: true, max: 10_000 });
  if (flags.rounds !== undefined) out.rounds = parseInteger('--rounds', flags.rounds, { min: 1, max: 1000 });
  if (flags.settle !== undefined) out.settleMs = zeroOr('--settle', flags.settle);
  if (flags.slowFraction !== undefined) out.slowFraction = parseNumber('--slow-fraction', flags.slowFraction, { min: 0, max: 1 });
  if (flags.slowPayload !== undefined) out.slowPayloadBytes = parseBytes('--slow-payload', flags.slowPayload);
  if (flags.slowRate !== undefined) out.slowRateHz = parseNumber('--slow-rate', flags.slowRate, { min: 0, exclusiveMin: true, max: 100_000 });
  if (flags.resumeWait !== undefined) out.resumeWaitMs = zeroOr('--resume-wait', flags.resumeWait);
  if (flags.sizes !== undefined) {
    out.sizes = splitList('--sizes', flags.sizes).map((v) => {
      const bytes = parseBytes('--sizes', v);
      if (bytes > 16 * 1024 * 1024 - 16)
        throw new UsageError('OUT_OF_RANGE', `--sizes: ${v} is above the servers' 16 MiB message limit (payload ≤ ${16 * 1024 * 1024 - 16} bytes)`);
      return bytes;
    });
  }
  return out;
}

/** "200ms/1s" → block 200 ms every 1 s. */
export function parseStall(spec: string): { everyMs: number; durationMs: number } {
  const [dur, every] = spec.split('/');
  if (!dur || !every) throw new UsageError('BAD_STALL', `--server-stall: "${spec}" must look like 200ms/1s (stall length / period)`);
  const durationMs = parseDurationMs('--server-stall', dur);
  const everyMs = parseDurationMs('--server-stall', every);
  if (durationMs >= everyMs) throw new UsageError('BAD_STALL', `--server-stall: stall ${durationMs} ms must be shorter than its period ${everyMs} ms`);
  return { everyMs, durationMs };
}

/** Exit code for a finished result: 130 when interrupted, 1 when any cell failed (or was interrupted), else 0. */
export function exitCodeFor(file: ResultFile): number {
  if (file.state === 'interrupted') return ExitCode.INTERRUPTED;
  return file.cells.some(isFailure) ? ExitCode.RUN_FAILED : ExitCode.OK;
}

export function registerRun(program: Command): void {
  groupOptions(
    addExportOptions(addLoadOptions(program.command('run').description('run a workload against one or more servers and write a result file')))
      .option('--wide', 'print every column (p99.9, max, per-class p99, cs/msg, server CPU, RSS) instead of the 100-column table')
      .option(
        '--segment <i/N>',
        'with --target: run the i-th (0-based) of N disjoint shares of the plan, one per agent machine; merge the results with wsarena merge',
      )
      .option('--start-at <time>', 'with --segment: wall-clock start of the measured window agreed by all agents (ISO 8601 with zone, or @epoch-seconds)')
      .option('--plan <file>', 'take the run flags from a plan file written by wsarena plan (with --segment i/N)'),
  )
    .addHelpText(
      'after',
      '\nExamples:\n  wsarena run --server ws-loop,uws --connections 100,1000 --duration 10s --depth 8\n  wsarena run --server uws --rate 20000 --connections 1000\n  wsarena run --target ws://127.0.0.1:9001/ --connections 200\n  wsarena run --server ws-loop,uws --workload idle --connections 5000 --client-workers 2\n  wsarena run --server uws --workload idle --connections 19000 --client-workers 2 --final-hold 60s\n  wsarena run --server ws-loop --workload broadcast --connections 1000 --publish-rate 10\n  wsarena run --server ws-loop --workload sizes --sizes 16,4KiB,64KiB',
    )
    .action(async (cliFlags: RunFlags & ExportFlags & { wide?: boolean }, cmd: Command) => {
      const plan = cliFlags.plan === undefined ? null : readPlanFile(cliFlags.plan);
      const flags = plan === null ? cliFlags : flagsWithPlan<typeof cliFlags>(plan, cliFlags.plan!, cmd, addLoadOptions);
      // With --plan, the plan's flags are part of what ran: recorded before the agent's own.
      const req = buildRunRequest(flags, plan === null ? ['run', ...cmd.args, ...rawArgs(cmd)] : ['run', ...plan.run, ...agentArgs(cmd)]);
      req.segment = segmentRequest(flags, req);
      if (plan !== null) checkPlanSegment(plan, cliFlags.plan!, req.segment);
      checkExportFlags(flags);
      if (flags.json && exportsToStdout(flags))
        throw new UsageError('CONFLICTING_FLAGS', '--json and an --export-… - both print to stdout; give the export a file');
      checkResultPath(outFlag(flags), req.outPath);
      const progress = progressReporter(process.stderr, flags.quiet ?? false);
      const interrupt = interruptSignal();
      let file: ResultFile;
      try {
        file = await runMatrix(req, progress, interrupt.signal);
      } finally {
        progress.close();
        interrupt.dispose();
      }
      writeExports(flags, [file], file);
      if (flags.json !== undefined && flags.json !== false) emitJson(file, flags.json);
      else if (!exportsToStdout(flags)) {
        process.stdout.write(`${renderCells(file.cells, { ...stdoutStyle(), wide: flags.wide ?? false })}\n`);
      }
      process.stderr.write(`results: ${req.outPath}\n`);
      process.exitCode = exitCodeFor(file);
    });
}

/** The flag that chose the result file (for error messages): --out, or --json <file> without --out. */
export function outFlag(flags: Pick<RunFlags, 'out' | 'json'>): string {
  return flags.out === undefined && typeof flags.json === 'string' && flags.json !== '-' ? '--json' : '--out';
}

/** The options as the user typed them, for the result file's provenance. */
export function rawArgs(cmd: Command): string[] {
  const out: string[] = [];
  for (const [key, value] of Object.entries(cmd.opts())) {
    if (value === undefined) continue;
    const flag = `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
    if (value === true) out.push(flag);
    else if (value === false) out.push(`--no-${flag.slice(2)}`);
    else out.push(flag, String(value));
  }
  return out;
}
