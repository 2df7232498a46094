import { rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Command } from 'commander';
import { closedLoopRows, defaultEqualRate, type EqualLoad, equalLoadOf, type IoFloor } from '../../bench/calibration.js';
import { CoreWindow } from '../../bench/core-window.js';
import { cpuPerMessage, wholeCoreCost } from '../../bench/cpu-per-message.js';
import { snapshotTree } from '../../bench/proc-tree.js';
import type { RunnerEvents, RunRequest } from '../../bench/request.js';
import { runMatrix } from '../../bench/runner.js';
import { runIoFloor } from '../../clients/baseline/io-floor.js';
import { runWsBaseline, type WsBaselineResult } from '../../clients/baseline/ws-baseline.js';
import type { LoadReport } from '../../clients/types.js';
import { ExitCode, UsageError } from '../../core/errors.js';
import { formatRate } from '../../core/format.js';
import { parseNumber } from '../../core/parse.js';
import { errorOf, isOk } from '../../results/cell-status.js';
import { measuredCores } from '../../results/cores.js';
import type { Cell, OkCell, ResultFile } from '../../results/schema.js';
import { checkResultPath, writeResultFile } from '../../results/writer.js';
import { type RunningServer, startServer } from '../../servers/launch.js';
import { getServer } from '../../servers/registry.js';
import { DEFAULT_SERVER_OPTIONS } from '../../servers/spec.js';
import { stdoutStyle } from '../color.js';
import { emitJson } from '../output.js';
import { describeCpuPerMessage, describeEqualLoad, describeIoFloor, renderClosedLoopTable, renderEqualLoadTable } from '../reporters/calibration.js';
import { progressReporter } from '../reporters/progress.js';
import { interruptSignal } from '../session.js';
import { buildRunRequest, exitCodeFor, type RunFlags, rawArgs } from './run.js';

interface CalibrateFlags {
  server?: string;
  depth: string;
  connections: string;
  duration: string;
  warmup: string;
  payload: string;
  equalRate?: string;
  out?: string;
  json?: string | boolean;
  quiet?: boolean;
}

/** What every step of one calibrate run shares. */
interface Session {
  server: string;
  /** The closed-loop generator run's flags (the open-loop one swaps --depth for --rate). */
  runFlags: RunFlags;
  req: RunRequest;
  /** --equal-rate, or null for the default (bench/calibration.ts defaultEqualRate). */
  equalRateHz: number | null;
  json: string | boolean | undefined;
  quiet: boolean;
  progress: RunnerEvents;
  signal: AbortSignal;
}

/**
 * `wsarena calibrate`: the generator's own ceiling (docs/METHOD.md §1). Runs our generator and a minimal
 * `ws`-package client against the same server, pinned the same way, with the same connections, depth
 * and payload, and compares round trips per second per client core; then runs both open loop at one offered
 * rate and checks that they agree on the achieved rate and the median latency (bench/calibration.ts).
 */
export function registerCalibrate(program: Command): void {
  program
    .command('calibrate')
    .description('measure the load generator against a plain `ws` client and the I/O floor (a client that only moves the frames) on the fastest server')
    .option('--server <name>', 'server to calibrate against (default: uws when available, else ws-loop)')
    .option('--connections <n>', 'connections for both clients', '100')
    .option('--duration <time>', 'measured window for each client', '5s')
    .option('--warmup <time>', 'warmup for each client', '1s')
    .option('--payload <bytes>', 'ECHO payload bytes', '64')
    .option('--depth <n>', 'messages in flight per connection, for both clients', '8')
    .option('--equal-rate <msgs/s>', 'offered rate at which both clients run open loop and must agree (default: a quarter of the lower closed-loop rate)')
    .option('--out <file>', 'result file')
    .option('--json [file]', 'print JSON instead of the table')
    .option('-q, --quiet', 'no progress on stderr')
    .action(async (flags: CalibrateFlags, cmd: Command) => {
      const session = sessionOf(flags, cmd);
      const progress = progressReporter(process.stderr, session.quiet);
      const interrupt = interruptSignal();
      try {
        await calibrate({ ...session, progress, signal: interrupt.signal });
      } finally {
        progress.close();
        interrupt.dispose();
      }
    });
}

/** Flags to a session; every bad value is a UsageError before anything runs. */
function sessionOf(flags: CalibrateFlags, cmd: Command): Omit<Session, 'progress' | 'signal'> {
  const server = flags.server ?? (getServer('uws').availability().available ? 'uws' : 'ws-loop');
  const runFlags: RunFlags = {
    server,
    workload: 'echo',
    connections: flags.connections,
    duration: flags.duration,
    warmup: flags.warmup,
    drain: '1s',
    payload: flags.payload,
    repeat: '1',
    pin: true,
    clientWorkers: '1',
    workIterations: '0',
    heavyFraction: '0',
    depth: flags.depth,
    ...(flags.out ? { out: flags.out } : {}),
    quiet: flags.quiet ?? false,
  };
  const req = buildRunRequest(runFlags, ['calibrate', ...rawArgs(cmd)], 'calibrate');
  if (req.connections.length !== 1)
    throw new UsageError('BAD_CONNECTIONS', `--connections: "${flags.connections}" is a list; calibrate takes one connection count (e.g. 100)`);
  const equalRateHz = flags.equalRate === undefined ? null : parseEqualRate(flags.equalRate);
  checkResultPath('--out', req.outPath);
  return { server, runFlags, req, equalRateHz, json: flags.json, quiet: flags.quiet ?? false };
}

const MAX_RATE_HZ = 10_000_000;

function parseEqualRate(value: string): number {
  return parseNumber('--equal-rate', value, { min: 0, exclusiveMin: true, max: MAX_RATE_HZ, what: 'a total rate in msgs/s', example: '2000' });
}

async function calibrate(s: Session): Promise<void> {
  const file = await runMatrix(s.req, s.progress, s.signal);
  const genCell = file.cells[0];
  if (!genCell || !isOk(genCell) || !genCell.load) {
    process.stderr.write(`Error: the generator run failed: ${(genCell && errorOf(genCell)) ?? 'no result'}\n`);
    process.exitCode = exitCodeFor(file);
    return;
  }
  note(s, `[baseline] ws client against ${s.server}`);
  const baseline = await runBaseline(s, null);
  if (baseline === null) return finishInterrupted(s, file, { server: s.server, interrupted: 'Ctrl+C during the ws baseline: no baseline, no ratio' });
  const calibration = closedLoop(s, file, genCell, genCell.load, baseline);
  note(s, `[I/O floor] a client that only moves the frames, against ${s.server}`);
  const floor = await runFloor(s, file.environment.clockTicksPerSecond);
  if (floor === null) return finishInterrupted(s, file, { ...calibration, interrupted: 'Ctrl+C during the I/O floor run: no floor' });
  calibration.ioFloor = floor;
  save(s, file, calibration, 'running');
  if (!jsonOut(s)) process.stdout.write(lines(describeIoFloor(floor, cpuPerMessage(genCell))));

  const rateHz = s.equalRateHz ?? defaultEqualRate(genCell.load.achievedRateHz, baseline.roundTripsPerSec);
  const outcome: EqualLoadOutcome =
    rateHz > 0 ? await runEqualLoad(s, rateHz) : { cells: [], error: 'a client had no closed-loop round trips to derive the rate from; give --equal-rate' };
  file.cells.push(...outcome.cells);
  if ('interrupted' in outcome) return finishInterrupted(s, file, { ...calibration, interrupted: outcome.interrupted });
  calibration.equalLoad = 'error' in outcome ? { rateHz, rateFrom: rateFrom(s), error: outcome.error } : outcome.record;
  save(s, file, calibration, 'complete');
  if (jsonOut(s)) emitJson(file, s.json!);
  else if ('error' in outcome) process.stdout.write(`equal offered load ${formatRate(rateHz)} msgs/s: not compared (${outcome.error})\n`);
  else process.stdout.write(`${renderEqualLoadTable(outcome.record, stdoutStyle())}\n${describeEqualLoad(outcome.record)}\n`);
  process.stderr.write(`results: ${s.req.outPath}\n`);
  process.exitCode = exitCodeFor(file);
}

/** The closed-loop figures: recorded (the file stays `running` until the equal-load runs end) and, without --json, printed. */
function closedLoop(s: Session, file: ResultFile, genCell: OkCell, load: LoadReport, baseline: WsBaselineResult): Record<string, unknown> {
  const { req, server } = s;
  const { rows, generatorPerCoreVsBaseline } = closedLoopRows(load, genCell.verdict?.verdict ?? 'none', baseline);
  // The generator's CPU per round trip against the server's per message, from the measured run (issue 12).
  const cost = cpuPerMessage(genCell);
  const calibration: Record<string, unknown> = { server, rows, baseline, generatorPerCoreVsBaseline, cpuPerMessage: cost };
  save(s, file, calibration, 'running');
  if (!jsonOut(s)) {
    process.stdout.write(
      `${renderClosedLoopTable(rows, stdoutStyle())}\nserver ${server} pinned to CPU ${req.serverCpus[0] ?? 'none'}, clients to CPU ${req.clientCpus ?? 'none'}, ${req.connections[0]} connections, ${req.depth} message(s) in flight each\n` +
        `generator per client core: ${generatorPerCoreVsBaseline.toFixed(2)}× the ws client\n` +
        lines(describeCpuPerMessage(cost, { connections: req.connections[0]!, depth: req.depth })),
    );
  }
  return calibration;
}

type EqualLoadOutcome = { cells: Cell[] } & ({ interrupted: string } | { error: string } | { record: EqualLoad & { baselineRun: WsBaselineResult } });

/**
 * Both clients open loop at rateHz, generator first: the generator through the runner exactly as
 * `wsarena run --rate R` (same server, connections, payload, warmup, window, pinning), then the ws client.
 * A disagreement is a finding, not an error; a failed generator run is an error (its cell says why).
 */
async function runEqualLoad(s: Session, rateHz: number): Promise<EqualLoadOutcome> {
  note(s, `[equal load] generator open loop at ${formatRate(rateHz)} msgs/s against ${s.server}`);
  const cells = await runGeneratorOpenLoop(s, rateHz);
  if (s.signal.aborted) return { cells, interrupted: 'Ctrl+C during the generator run at equal offered load: no equal-load comparison' };
  const cell = cells[0];
  if (!cell || !isOk(cell) || !cell.load) return { cells, error: `the generator's open-loop run failed: ${(cell && errorOf(cell)) ?? 'no result'}` };
  note(s, `[equal load] ws client open loop at ${formatRate(rateHz)} msgs/s against ${s.server}`);
  const baseline = await runBaseline(s, rateHz);
  if (baseline === null) return { cells, interrupted: 'Ctrl+C during the ws baseline at equal offered load: no equal-load comparison' };
  return { cells, record: { ...equalLoadOf(rateHz, rateFrom(s), cell.load, baseline), baselineRun: baseline } };
}

/**
 * The generator open loop at rateHz. runMatrix writes its own file, so it runs into a hidden sibling of the
 * result file (removed afterwards) and its cell goes into the result file as the second cell.
 */
async function runGeneratorOpenLoop(s: Session, rateHz: number): Promise<Cell[]> {
  const sibling = join(dirname(s.req.outPath), `.${basename(s.req.outPath)}.equal-load.${process.pid}.json`);
  const { depth: _closedLoop, ...flags } = s.runFlags;
  const req = buildRunRequest({ ...flags, rate: String(rateHz), out: sibling }, s.req.command, 'calibrate');
  try {
    return (await runMatrix(req, s.progress, s.signal)).cells;
  } finally {
    rmSync(sibling, { force: true });
  }
}

/**
 * body against a fresh server pinned like the generator's (one core, the run's server CPU). Null when Ctrl+C
 * stopped it: the server is stopped at once (the client then ends on its own).
 */
async function withFreshServer<T>(s: Session, body: (server: RunningServer) => Promise<T>): Promise<T | null> {
  const { req, signal } = s;
  if (signal.aborted) return null;
  const running = await startServer(
    getServer(s.server),
    { ...DEFAULT_SERVER_OPTIONS, cpuCount: 1 },
    { cpus: req.serverCpus[0] ?? null, readyTimeoutMs: 15_000 },
  );
  const aborted = new Promise<null>((res) => {
    if (signal.aborted) res(null);
    else signal.addEventListener('abort', () => res(null), { once: true });
  });
  try {
    const measuring = body(running);
    measuring.catch(() => undefined);
    const result = await Promise.race([measuring, aborted]);
    return signal.aborted ? null : result;
  } catch (err) {
    if (!signal.aborted) throw err;
    return null;
  } finally {
    await running.stop();
  }
}

/** The ws client: closed loop at the run's depth (rateHz null) or open loop at rateHz. */
function runBaseline(s: Session, rateHz: number | null): Promise<WsBaselineResult | null> {
  const { req } = s;
  return withFreshServer(s, (running) =>
    runWsBaseline({
      url: running.url,
      connections: req.connections[0]!,
      durationMs: req.durationMs,
      warmupMs: req.warmupMs,
      payloadBytes: req.payloadBytes,
      clientCpus: req.clientCpus,
      ...(rateHz === null ? { depth: req.depth } : { rateHz }),
    }),
  );
}

/**
 * The I/O floor closed loop at the run's depth, with the pinned cores (/proc/stat) and the server tree's CPU read at
 * the two edges the floor client reports, so its whole-core cost is judged as the generator's is.
 */
function runFloor(s: Session, clockTicksPerSecond: number): Promise<IoFloor | null> {
  const { req } = s;
  return withFreshServer(s, async (running) => {
    const cores = new CoreWindow({
      serverCpus: running.pinning.cpus,
      clientCpus: req.clientCpus,
      applied: running.pinning.applied,
      reason: running.pinning.reason ?? null,
    });
    const serverCpuSeconds = () => snapshotTree(running.pid, clockTicksPerSecond, false)?.cpuSeconds ?? Number.NaN;
    let serverCpuAtStart = Number.NaN;
    let serverCpuInWindow = Number.NaN;
    const result = await runIoFloor(
      {
        url: running.url,
        connections: req.connections[0]!,
        depth: req.depth,
        payloadBytes: req.payloadBytes,
        warmupMs: req.warmupMs,
        durationMs: req.durationMs,
        clientCpus: req.clientCpus,
      },
      (edge) => {
        if (edge === 'start') {
          cores.markStart();
          serverCpuAtStart = serverCpuSeconds();
        } else {
          serverCpuInWindow = serverCpuSeconds() - serverCpuAtStart;
          cores.markEnd();
        }
      },
    );
    const section = cores.result();
    const serverCpus = measuredCores(section)?.server.cpus.length ?? 1;
    const serverFraction = serverCpuInWindow / (result.measuredMs / 1000) / serverCpus;
    const cost =
      result.roundTripsPerSec > 0 && Number.isFinite(serverFraction)
        ? wholeCoreCost(section, result.roundTripsPerSec, { serverFraction, clientCores: result.cpuCoreFraction })
        : {
            wholeCores: null,
            wholeCoresSplit: null,
            wholeCoresUnavailable: result.roundTripsPerSec > 0 ? "the server's CPU was not readable" : 'no round trips in the window',
          };
    return { result, cores: section, cost };
  });
}

function rateFrom(s: Session): EqualLoad['rateFrom'] {
  return s.equalRateHz === null ? 'default' : 'flag';
}

function jsonOut(s: Session): boolean {
  return s.json !== undefined && s.json !== false;
}

function note(s: Session, line: string): void {
  if (!s.quiet && !s.signal.aborted) process.stderr.write(`${line}\n`);
}

function lines(texts: readonly string[]): string {
  return texts.map((line) => `${line}\n`).join('');
}

function save(s: Session, file: ResultFile, calibration: Record<string, unknown>, state: ResultFile['state']): void {
  file.state = state;
  file.updatedAt = new Date().toISOString();
  file.extra = { calibration };
  writeResultFile(s.req.outPath, file);
}

/** Ctrl+C: the file keeps what was measured, is marked interrupted (never complete), exit 130. */
function finishInterrupted(s: Session, file: ResultFile, calibration: Record<string, unknown>): void {
  save(s, file, calibration, 'interrupted');
  process.stderr.write(`results: ${s.req.outPath} (interrupted)\n`);
  process.exitCode = ExitCode.INTERRUPTED;
}
