import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { type RunnerEvents, type RunRequest, runMatrix } from '../bench/runner.js';
import { getWorkload } from '../bench/workloads.js';
import { RunError, type RunErrorCode, UsageError } from '../core/errors.js';
import { isMeasured } from '../results/cell-status.js';
import type { Cell, ResultFile } from '../results/schema.js';
import { writeResultFile } from '../results/writer.js';
import type { LaunchOptions, RunningServer, ServerExit } from '../servers/launch.js';
import { getServer } from '../servers/registry.js';
import type { ServerSpec } from '../servers/spec.js';
import { busyMachineCaveat, measureCpuBusyShare, profileVsProcCaveat } from './caveats.js';
import { CLINIC_STOP_GRACE_MS, clinicWrap, findClinicBin, findClinicOutput } from './clinic.js';
import { readCpuProfile, summarizeCpuProfiles } from './cpuprofile.js';
import {
  type Artifact,
  MANIFEST_FILE,
  type Overhead,
  PROFILE_MANIFEST_VERSION,
  PROFILED_RESULT_FILE,
  type ProfileManifest,
  RESULT_FILE,
  writeProfileManifest,
} from './manifest.js';
import { fetchPprofProfile, parsePprofTop, pprofTop } from './pprof.js';
import type { ProfileSummary } from './summary.js';
import { type ClinicTool, checkToolSupports, type ProfileTool } from './tools.js';

/**
 * `wsarena profile` as an API: runs one cell without a profiler (the numbers), then the same cell with
 * the server under a profiler, and leaves both result files, the artifacts and a manifest in
 * <profilesDir>/<id>/ (profile/manifest.ts). The load is the runner's own (bench/runner.ts), so the
 * profile and the numbers come from the same workload.
 */

export interface ProfileRequest {
  /** One server, one cell: a single connection count, server CPU list and repeat. outPath is ignored. */
  run: RunRequest;
  tool: ProfileTool;
  /** Parent of the profile folders. Default results/profiles. */
  profilesDir: string;
  /** Run the cell without the profiler first, to measure the profiler's overhead. Default true. */
  baseline: boolean;
  /** Functions per summary list (the CLI's default is DEFAULT_TOP, 15). */
  top: number;
  /** Folder name; default "<UTC time>-<server>-<tool>". */
  id?: string;
}

export interface ProfileEvents extends RunnerEvents {
  /** A step of the profile run (e.g. "clinic flame is writing its report"), for progress output. */
  status?(message: string): void;
}

export interface ProfileOutcome {
  dir: string;
  manifestPath: string;
  manifest: ProfileManifest;
  baseline: ResultFile | null;
  /** Null when the run stopped before the profiled cell. */
  profiled: ResultFile | null;
  /** True when Ctrl+C stopped the run; the manifest then says what was kept. */
  interrupted: boolean;
}

/** How long a server under --cpu-prof may take to write its profiles after SIGTERM (many threads write many files). */
const CPUPROF_STOP_GRACE_MS = 30_000;
/** clinic starts its own process first, and bubbleprof slows startup: ready takes longer than bare. */
const CLINIC_READY_TIMEOUT_MS = 60_000;

/** Checks that `run` asks for exactly one cell of one server the tool can profile; returns its spec. */
export function checkProfileRequest(run: RunRequest, tool: ProfileTool): ServerSpec {
  if (run.target !== null)
    throw new UsageError('CONFLICTING_FLAGS', '--target: profile starts the server under the profiler itself; it cannot profile a running server');
  if (run.servers.length !== 1)
    throw new UsageError('CONFLICTING_FLAGS', `--server: profile runs one server at a time, got ${run.servers.length} (${run.servers.join(', ')})`);
  if (run.connections.length !== 1)
    throw new UsageError('CONFLICTING_FLAGS', `--connections: profile runs one cell, got ${run.connections.length} counts (${run.connections.join(', ')})`);
  if (run.serverCpus.length !== 1) throw new UsageError('CONFLICTING_FLAGS', '--server-cpus: profile runs one cell; give one CPU list, not a "/" sweep');
  if (run.repeat !== 1) throw new UsageError('CONFLICTING_FLAGS', `--repeat: profile runs one cell once, got --repeat ${run.repeat}`);
  if (getWorkload(run.workload).sweepsPayload)
    throw new UsageError(
      'CONFLICTING_FLAGS',
      `--workload ${run.workload} sweeps payload sizes (one cell each); profile one size with --workload echo --payload N`,
    );
  const spec = getServer(run.servers[0]!);
  checkToolSupports(tool, spec);
  return spec;
}

/** Runs the baseline and the profiled cell; throws RunError (PROFILER_FAILED, RUN_FAILED) after writing the manifest. */
export async function runProfile(req: ProfileRequest, events: ProfileEvents = {}, signal?: AbortSignal): Promise<ProfileOutcome> {
  const spec = checkProfileRequest(req.run, req.tool);
  const availability = spec.availability();
  if (!availability.available) {
    throw new RunError('SERVER_UNAVAILABLE', `${spec.name} is unavailable: ${availability.reason}${availability.fix ? ` (fix: ${availability.fix})` : ''}`);
  }
  // Before anything runs: a missing profiler should not cost an unprofiled run first.
  const clinicBin = req.tool === 'cpuprof' ? null : findClinicBin();
  const id = req.id ?? newProfileId(req.profilesDir, spec.name, req.tool);
  const dir = resolve(req.profilesDir, id);
  mkdirSync(dir, { recursive: true });
  const warnings: string[] = [];
  const busy = busyMachineCaveat(await measureCpuBusyShare(), os.cpus().length);
  if (busy !== null) warnings.push(busy);
  const manifest: ProfileManifest = {
    manifestVersion: PROFILE_MANIFEST_VERSION,
    id,
    createdAt: new Date().toISOString(),
    status: 'failed',
    error: null,
    server: spec.name,
    language: spec.language,
    tool: req.tool,
    command: req.run.command,
    cellId: null,
    resultFile: null,
    profiledResultFile: null,
    artifacts: [],
    summary: null,
    overhead: null,
    warnings,
  };
  const fail = (code: RunErrorCode, message: string): never => {
    manifest.status = 'failed';
    manifest.error = message;
    writeProfileManifest(dir, manifest);
    throw new RunError(code, `${message}\n(profile folder: ${dir}; details in ${MANIFEST_FILE})`);
  };
  const label = (prefix: string): RunnerEvents => ({
    ...events,
    cellStart: (info) => events.cellStart?.({ ...info, label: `${prefix} ${info.label}` }),
  });

  let baseline: ResultFile | null = null;
  if (req.baseline) {
    events.status?.(`unprofiled run of ${spec.name} first, for the profiler's overhead`);
    baseline = await runMatrix({ ...req.run, outPath: join(dir, RESULT_FILE) }, label('unprofiled'), signal);
    manifest.resultFile = RESULT_FILE;
    const cell = baseline.cells[0];
    manifest.cellId = cell?.id ?? null;
    markResult(join(dir, RESULT_FILE), baseline, { id, tool: req.tool, profiled: false });
    if (signal?.aborted) return interrupted(dir, manifest, baseline, null);
    if (cell === undefined || cell.status !== 'ok')
      fail('RUN_FAILED', `the unprofiled run of ${spec.name} failed: ${cell?.error ?? cell?.status ?? 'no cell'}`);
  } else {
    warnings.push('--no-baseline: no unprofiled run, so the profiler’s overhead is unknown; do not quote profiled-result.json as a benchmark');
  }

  // What the profiled run needs to be watched for.
  const watch: {
    server: RunningServer | null;
    exit: Promise<ServerExit> | null;
    windowStartUs: number | null;
    windowEndUs: number | null;
    pprof: Promise<number> | null;
  } = {
    server: null,
    exit: null,
    windowStartUs: null,
    windowEndUs: null,
    pprof: null,
  };
  const pprofPath = join(dir, 'cpu.pprof');
  const pprofSeconds = Math.max(1, Math.floor(req.run.durationMs / 1000));
  const profiledEvents: RunnerEvents = {
    ...label(`under ${req.tool === 'cpuprof' ? 'cpuprof' : `clinic ${req.tool}`}`),
    serverStarted(server) {
      watch.server = server;
      watch.exit = server.exited;
      events.serverStarted?.(server);
    },
    load(event) {
      if (event.type === 'phase' && event.phase === 'measuring') {
        watch.windowStartUs = nowUs();
        if (spec.language === 'go' && watch.server !== null) {
          watch.pprof = fetchPprofProfile(watch.server.url, pprofSeconds, pprofPath, signal);
          watch.pprof.catch(() => {}); // awaited below; not an unhandled rejection meanwhile
        }
      } else if (event.type === 'phase' && event.phase === 'draining') {
        watch.windowEndUs = nowUs();
      } else if (event.type === 'phase' && event.phase === 'done' && req.tool !== 'cpuprof') {
        events.status?.(`stopping ${spec.name}; clinic ${req.tool} analyses what it collected and writes its report (this can take a minute)`);
      }
      events.load?.(event);
    },
  };

  const profiled = await runMatrix(
    { ...req.run, outPath: join(dir, PROFILED_RESULT_FILE), serverLaunch: launchFor(req.tool, spec, dir, clinicBin) },
    profiledEvents,
    signal,
  );
  manifest.profiledResultFile = PROFILED_RESULT_FILE;
  markResult(join(dir, PROFILED_RESULT_FILE), profiled, { id, tool: req.tool, profiled: true });
  const cell = profiled.cells[0];
  manifest.cellId ??= cell?.id ?? null;
  manifest.overhead = overheadOf(baseline?.cells[0] ?? null, cell ?? null);
  const exit = watch.exit ? await watch.exit : null;
  const profilerOutput = watch.server?.stderrTail() ?? '';
  if (req.tool !== 'cpuprof' && profilerOutput !== '') {
    manifest.artifacts.push(writeArtifact(dir, 'profiler.log', `${profilerOutput}\n`, 'log', `last lines clinic ${req.tool} and the server printed`));
  }
  // Artifacts, and the summary where the tool gives one; throws RunError when the profiler left nothing usable.
  const collect = async (): Promise<void> => {
    if (req.tool === 'cpuprof' && spec.language === 'go') {
      if (watch.pprof === null) throw new RunError('PROFILER_FAILED', 'the load never reached its measured window, so no pprof CPU profile was requested');
      const bytes = await watch.pprof;
      manifest.artifacts.push({
        path: 'cpu.pprof',
        kind: 'pprof',
        bytes,
        description: `Go CPU profile of the first ${pprofSeconds} s of the measured window (go tool pprof -http=: cpu.pprof)`,
      });
      const top = pprofTop(pprofPath);
      manifest.artifacts.push(writeArtifact(dir, 'pprof-top.txt', top, 'pprof-top', 'go tool pprof -top'));
      manifest.summary = parsePprofTop(top, req.top);
    } else if (req.tool === 'cpuprof') {
      manifest.summary = collectCpuProfiles(dir, manifest.artifacts, watch, req.top, exit);
      if (manifest.summary.window === 'whole')
        warnings.push('no samples fell inside the measured window; the summary covers the whole profile (startup and ramp included)');
      const windowMs = watch.windowStartUs !== null && watch.windowEndUs !== null ? (watch.windowEndUs - watch.windowStartUs) / 1000 : null;
      const disagreement = profileVsProcCaveat(manifest.summary, windowMs, (cell && isMeasured(cell) ? cell.serverResources?.cpuCoreFraction : null) ?? null);
      if (disagreement !== null) warnings.push(disagreement);
    } else {
      collectClinic(req.tool, dir, manifest.artifacts, exit, profilerOutput);
    }
  };

  if (signal?.aborted) {
    try {
      await collect();
    } catch {
      // Stopped early, the profiler may well have written nothing; the manifest says it was interrupted.
    }
    return interrupted(dir, manifest, baseline, profiled);
  }
  if (cell === undefined || cell.status !== 'ok') {
    const what =
      req.tool === 'cpuprof' ? `${spec.name} under ${spec.language === 'go' ? 'pprof' : 'node --cpu-prof'}` : `${spec.name} under clinic ${req.tool}`;
    const error = cell?.error ?? cell?.status ?? 'no cell';
    // clinic that cannot start (or asks a question nobody answers) exits 0 before the server ever runs.
    const hint =
      req.tool !== 'cpuprof' && /before it was ready/.test(error)
        ? `; clinic ${req.tool} ended before the server was ready: check that \`NO_INSIGHT=1 npx clinic ${req.tool} --help\` works`
        : '';
    fail('PROFILER_FAILED', `the profiled run (${what}) failed: ${error}${hint}`);
  }
  try {
    await collect();
  } catch (error) {
    fail(error instanceof RunError ? error.code : 'PROFILER_FAILED', (error as Error).message);
  }

  manifest.status = 'ok';
  const manifestPath = writeProfileManifest(dir, manifest);
  return { dir, manifestPath, manifest, baseline, profiled, interrupted: false };
}

/** How the profiled run launches its server. */
function launchFor(tool: ProfileTool, spec: ServerSpec, dir: string, clinicBin: string | null): Partial<Omit<LaunchOptions, 'cpus'>> {
  if (tool === 'cpuprof') {
    if (spec.language === 'go') return {};
    // On the command line, not in NODE_OPTIONS (Node 20 refuses --cpu-prof there): process.execArgv then
    // carries it to cluster workers (cluster.fork's default execArgv) and worker threads (Worker's default).
    return {
      wrap: (command) => ({ ...command, args: ['--cpu-prof', `--cpu-prof-dir=${dir}`, ...command.args] }),
      stopGraceMs: CPUPROF_STOP_GRACE_MS,
    };
  }
  if (clinicBin === null) throw new Error(`bug: clinic ${tool} asked for without clinic's bin.js`);
  return {
    wrap: clinicWrap(tool, dir, clinicBin),
    stopSignal: 'SIGINT',
    stopGraceMs: CLINIC_STOP_GRACE_MS,
    readyTimeoutMs: CLINIC_READY_TIMEOUT_MS,
  };
}

/** Lists the .cpuprofile files the server wrote, adds them as artifacts, and summarises them over the measured window. */
function collectCpuProfiles(
  dir: string,
  artifacts: Artifact[],
  watch: { windowStartUs: number | null; windowEndUs: number | null },
  top: number,
  exit: ServerExit | null,
): ProfileSummary {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .sort();
  if (files.length === 0) {
    const how = exit === null ? 'it never started' : exit.signal !== null ? `it was killed by ${exit.signal}` : `it exited with code ${exit.code ?? 'none'}`;
    throw new RunError('PROFILER_FAILED', `node --cpu-prof wrote no .cpuprofile into ${dir} (${how}); a server that is killed instead of exiting writes none`);
  }
  const profiles = files.map((file) => {
    artifacts.push({
      path: file,
      kind: 'cpuprofile',
      bytes: statSync(join(dir, file)).size,
      description: `${describeCpuProfileName(file)}; opens in Chrome DevTools (Performance → Load profile)`,
    });
    return readCpuProfile(join(dir, file));
  });
  const window = watch.windowStartUs !== null && watch.windowEndUs !== null ? { startUs: watch.windowStartUs, endUs: watch.windowEndUs } : null;
  return summarizeCpuProfiles(profiles, { window, top });
}

/** "CPU.20261124.222740.9758.1.002.cpuprofile" → "pid 9758 thread 1 (worker)". */
export function describeCpuProfileName(file: string): string {
  const m = file.match(/^CPU\.\d+\.\d+\.(\d+)\.(\d+)\.\d+\.cpuprofile$/);
  if (!m) return file;
  return `pid ${m[1]} thread ${m[2]} (${m[2] === '0' ? 'main' : 'worker'})`;
}

function collectClinic(tool: ClinicTool, dir: string, artifacts: Artifact[], exit: ServerExit | null, output: string): void {
  const found = findClinicOutput(tool, dir);
  if (found.html === null) {
    const how = exit === null ? 'it never started' : exit.signal !== null ? `killed by ${exit.signal}` : `exit code ${exit.code ?? 'none'}`;
    const said = output.trim() === '' ? 'it printed nothing' : `its last output:\n${output.trim().split('\n').slice(-12).join('\n')}`;
    throw new RunError('PROFILER_FAILED', `clinic ${tool} wrote no HTML report into ${dir} (${how}); ${said}`);
  }
  artifacts.push({
    path: found.html,
    kind: 'clinic-html',
    bytes: statSync(join(dir, found.html)).size,
    description: `clinic ${tool} report: open in a browser`,
  });
  if (found.data !== null)
    artifacts.push({
      path: found.data,
      kind: 'clinic-data',
      bytes: sizeOf(join(dir, found.data)),
      description: `what clinic ${tool} collected (clinic ${tool} --visualize-only rebuilds the report)`,
    });
}

/** msgs/s of both runs and their ratio; null when either has no load report. */
export function overheadOf(baseline: Cell | null, profiled: Cell | null): Overhead | null {
  if (!baseline || !profiled || !isMeasured(baseline) || !isMeasured(profiled) || baseline.load === null || profiled.load === null) return null;
  const b = baseline.load.achievedRateHz;
  const p = profiled.load.achievedRateHz;
  return { baselineMsgsPerSec: b, profiledMsgsPerSec: p, ratio: b > 0 ? Math.round((p / b) * 1000) / 1000 : null };
}

/** Records in a result file's `extra` that it belongs to a profile, and whether its numbers ran under the profiler. */
function markResult(path: string, file: ResultFile, profile: { id: string; tool: ProfileTool; profiled: boolean }): void {
  file.extra = {
    ...file.extra,
    profile: {
      ...profile,
      manifest: MANIFEST_FILE,
      ...(profile.profiled
        ? { note: `measured with the server under ${profile.tool}: these numbers include the profiler's overhead and are not benchmark figures` }
        : {}),
    },
  };
  writeResultFile(path, file);
}

function interrupted(dir: string, manifest: ProfileManifest, baseline: ResultFile | null, profiled: ResultFile | null): ProfileOutcome {
  manifest.status = 'interrupted';
  manifest.error = 'interrupted by a signal before the profile run finished';
  const manifestPath = writeProfileManifest(dir, manifest);
  return { dir, manifestPath, manifest, baseline, profiled, interrupted: true };
}

function writeArtifact(dir: string, name: string, text: string, kind: Artifact['kind'], description: string): Artifact {
  writeFileSync(join(dir, name), text);
  return { path: name, kind, bytes: Buffer.byteLength(text), description };
}

function sizeOf(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.size;
  return readdirSync(path).reduce((sum, name) => sum + sizeOf(join(path, name)), 0);
}

/** "2026-11-24T22-15-03-ws-loop-cpuprof", with "-2", "-3" … when that folder exists already. */
export function newProfileId(profilesDir: string, server: string, tool: ProfileTool, now = new Date()): string {
  const base = `${now.toISOString().replace(/\..+$/, '').replace(/:/g, '-')}-${server}-${tool}`;
  let id = base;
  for (let n = 2; existsSync(join(profilesDir, id)); n++) id = `${base}-${n}`;
  return id;
}

function nowUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}
