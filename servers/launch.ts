/**
 * Starts a server from its ServerSpec, waits for its ready line, and stops it without leaving orphans.
 * Every server runs in its own process group (detached), so stop() reaches cluster workers and other
 * children too.
 */
import { type ChildProcessByStdio, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { READY_PREFIX, type ReadyAnnouncement } from '../protocol/wire.js';
import { findPortInUseMessage } from './common/listen-errors.js';
import { LIFELINE_ENV } from './common/shutdown.js';
import { ServerLaunchError } from './errors.js';
import { type Pinning, planPinning } from './pinning.js';
import { DEFAULT_SERVER_OPTIONS, type LaunchCommand, type ServerOptions, type ServerSpec } from './spec.js';
import { LineTail } from './tail.js';

export type { Pinning } from './pinning.js';
export { fetchStats, STATS_TIMEOUT_MS } from './stats-client.js';

/** How to launch (as opposed to how the server itself is configured: ServerOptions). */
export interface LaunchOptions {
  /** CPU list for `taskset -c` (e.g. "0"), or null to leave the server unpinned. Default null. */
  cpus: string | null;
  /** How long to wait for the ready line before killing the server. Default 15000 ms. */
  readyTimeoutMs: number;
  /**
   * Rewrites the spec's command before it is spawned (and before taskset is prefixed), e.g. to start
   * the server under a profiler. Default null: the command as the spec gives it.
   */
  wrap: ((command: LaunchCommand) => WrappedCommand) | null;
  /** Signal stop() sends to the process group first. Default SIGTERM. */
  stopSignal: NodeJS.Signals;
  /** How long stop() waits after stopSignal before SIGKILL. Default STOP_GRACE_MS (3000 ms). */
  stopGraceMs: number;
}

/** What a LaunchOptions.wrap returns: a command, plus how to spawn it. */
export interface WrappedCommand extends LaunchCommand {
  /** Working directory of the process. Default: the launcher's. */
  cwd?: string;
  /**
   * Set LIFELINE_ENV so the server exits when its stdin closes. Default true. A wrapper that gives the
   * server no stdin of its own (it would read end-of-file at once and stop) sets false.
   */
  lifeline?: boolean;
}

/** After SIGTERM, how long stop() waits before SIGKILL. */
export const STOP_GRACE_MS = 3_000;

export const DEFAULT_LAUNCH_OPTIONS: LaunchOptions = { cpus: null, readyTimeoutMs: 15_000, wrap: null, stopSignal: 'SIGTERM', stopGraceMs: STOP_GRACE_MS };

/** How a server process ended. */
export interface ServerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A started server that has announced it is ready. */
export interface RunningServer {
  spec: ServerSpec;
  /** Pid of the server process, which is also its process-group id. */
  pid: number;
  /** ws:// URL from the ready line. */
  url: string;
  port: number;
  /** Settings as the server applied them (ready line). */
  knobs: ReadyAnnouncement['knobs'];
  pinning: Pinning;
  /** Settles when the server process exits, for whatever reason. Never rejects. */
  exited: Promise<ServerExit>;
  /**
   * LaunchOptions.stopSignal (SIGTERM) to the process group, SIGKILL after stopGraceMs (STOP_GRACE_MS);
   * resolves once the process is gone (and any stragglers left in its group have been killed). Safe to
   * call more than once.
   */
  stop(): Promise<void>;
  /** The last lines of the server's stderr and non-ready stdout, for error messages. */
  stderrTail(): string;
}

/** Process groups of servers still running; killed when this process exits, whatever the route. */
const liveGroups = new Set<number>();
let exitHookInstalled = false;

/**
 * Spawns spec's command, pinned with taskset when launch.cpus is set and taskset exists, and resolves
 * once the server prints its ready line. Rejects with a ServerLaunchError: SERVER_UNAVAILABLE,
 * SPAWN_FAILED, SERVER_EXITED (naming the server, exit code and stderr tail), PORT_IN_USE ("port N on
 * HOST is already in use"), READY_TIMEOUT (after killing the server) or BAD_READY_LINE.
 */
export async function startServer(spec: ServerSpec, options: Partial<ServerOptions> = {}, launch: Partial<LaunchOptions> = {}): Promise<RunningServer> {
  const { cpus, readyTimeoutMs, wrap, stopSignal, stopGraceMs } = { ...DEFAULT_LAUNCH_OPTIONS, ...launch };
  const availability = spec.availability();
  if (!availability.available) {
    const fix = availability.fix === undefined ? '' : ` (fix: ${availability.fix})`;
    throw new ServerLaunchError('SERVER_UNAVAILABLE', `server "${spec.name}" is unavailable: ${availability.reason}${fix}`);
  }

  const serverOptions: ServerOptions = { ...DEFAULT_SERVER_OPTIONS, ...options };
  const command: WrappedCommand = wrap === null ? spec.command(serverOptions) : wrap(spec.command(serverOptions));
  const { taskset, pinning } = planPinning(cpus);
  const [file, args] = taskset === null || cpus === null ? [command.file, command.args] : [taskset, ['-c', cpus, command.file, ...command.args]];

  installExitHook();
  const child: ServerChild = spawn(file, args, {
    detached: true,
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, ...command.env, ...(command.lifeline === false ? {} : { [LIFELINE_ENV]: 'stdin' }) },
    ...(command.cwd === undefined ? {} : { cwd: command.cwd }),
  });
  // A launcher that does not write must not crash on EPIPE when the server is already gone.
  child.stdin.on('error', () => {});
  const tail = new LineTail();
  const exited = watchExit(child);
  const stop = makeStop(child, exited, stopSignal, stopGraceMs);
  const announcement = await waitForReady({ name: spec.name, file, child, tail, exited, stop, readyTimeoutMs });
  return {
    spec,
    pid: child.pid!,
    url: announcement.url,
    port: announcement.port,
    knobs: announcement.knobs,
    pinning,
    exited,
    stop,
    stderrTail: () => tail.text(),
  };
}

type ServerChild = ChildProcessByStdio<Writable, Readable, Readable>;

/** A spawned server as waitForReady watches it. */
interface Starting {
  name: string;
  /** What was spawned (taskset or the server itself), for SPAWN_FAILED. */
  file: string;
  child: ServerChild;
  /** Collects the last stdout (other than the ready line) and stderr lines, for error messages. */
  tail: LineTail;
  exited: Promise<ServerExit>;
  stop: () => Promise<void>;
  readyTimeoutMs: number;
}

/**
 * Resolves with the server's ready line. Rejects (after stopping the server where it still runs) on a
 * bad ready line, no ready line in time, a failed spawn, or an exit before the ready line.
 */
function waitForReady({ name, file, child, tail, exited, stop, readyTimeoutMs }: Starting): Promise<ReadyAnnouncement> {
  return new Promise<ReadyAnnouncement>((resolve, reject) => {
    let settled = false;
    const settle = (outcome: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(readyTimer);
      outcome();
    };

    const stdoutLines = createInterface({ input: child.stdout, crlfDelay: Infinity });
    const stderrLines = createInterface({ input: child.stderr, crlfDelay: Infinity });
    const streamsClosed = Promise.all([onceClosed(stdoutLines), onceClosed(stderrLines)]);
    stderrLines.on('line', (line) => tail.push(line));
    stdoutLines.on('line', (line) => {
      if (settled || !line.startsWith(READY_PREFIX)) {
        tail.push(line);
        return;
      }
      let announcement: ReadyAnnouncement;
      try {
        announcement = parseReadyLine(line.slice(READY_PREFIX.length));
      } catch (error) {
        const message = `${name} printed an invalid ready line (${(error as Error).message}): ${line}`;
        settle(() => void stop().then(() => reject(new ServerLaunchError('BAD_READY_LINE', message))));
        return;
      }
      settle(() => resolve(announcement));
    });

    const readyTimer = setTimeout(() => {
      settle(
        () =>
          void stop().then(() =>
            reject(
              new ServerLaunchError('READY_TIMEOUT', `${name} did not print its ready line within ${readyTimeoutMs} ms; it was killed${tailSuffix(tail)}`),
            ),
          ),
      );
    }, readyTimeoutMs);

    child.once('error', (error) => {
      if (child.pid !== undefined) return; // errors after a successful spawn surface as exit
      settle(() => reject(new ServerLaunchError('SPAWN_FAILED', `cannot start ${name} (${file}): ${error.message}`)));
    });

    void exited.then(async (exit) => {
      if (settled) return;
      // The last stderr lines (the reason) may still be in the pipe when 'exit' fires.
      await Promise.race([streamsClosed, delay(500)]);
      settle(() => reject(exitedBeforeReady(name, exit, tail)));
    });
  });
}

function exitedBeforeReady(name: string, exit: ServerExit, tail: LineTail): ServerLaunchError {
  const portInUse = findPortInUseMessage(tail.text());
  if (portInUse !== null) return new ServerLaunchError('PORT_IN_USE', `${name} could not start: ${portInUse}`);
  const how = exit.signal !== null ? `was killed by ${exit.signal}` : `exited with code ${exit.code ?? 'none'}`;
  return new ServerLaunchError('SERVER_EXITED', `${name} ${how} before it was ready${tailSuffix(tail)}`);
}

function tailSuffix(tail: LineTail): string {
  const text = tail.text();
  return text === '' ? ' (no output)' : `; output:\n${text}`;
}

/** Resolves on 'exit'; also on a spawn failure, where 'exit' may never come. */
function watchExit(child: ServerChild): Promise<ServerExit> {
  return new Promise((resolve) => {
    const pid = child.pid;
    if (pid !== undefined) liveGroups.add(pid);
    const done = (exit: ServerExit): void => {
      if (pid !== undefined) liveGroups.delete(pid);
      child.stdin.destroy();
      resolve(exit);
    };
    child.once('exit', (code, signal) => done({ code, signal }));
    // Errors after a successful spawn (e.g. a failed kill) are followed by 'exit' or need no action.
    child.once('error', () => {
      if (child.pid === undefined) done({ code: null, signal: null });
    });
  });
}

function makeStop(child: ServerChild, exited: Promise<ServerExit>, stopSignal: NodeJS.Signals, graceMs: number): () => Promise<void> {
  let stopping: Promise<void> | null = null;
  return () => {
    stopping ??= (async () => {
      const pid = child.pid;
      if (pid === undefined) return;
      if (child.exitCode === null && child.signalCode === null) {
        signalGroup(pid, stopSignal);
        const killTimer = setTimeout(() => signalGroup(pid, 'SIGKILL'), graceMs);
        await exited;
        clearTimeout(killTimer);
      }
      // Children of a multi-process server that outlived their parent would be orphans.
      signalGroup(pid, 'SIGKILL');
    })();
    return stopping;
  };
}

/** Signals a whole process group; a group that is already gone is fine. */
function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Runs on process.exit() and normal exit. Launcher deaths this cannot see (SIGKILL, unhandled
  // signals) are covered by the stdin lifeline (LIFELINE_ENV).
  process.on('exit', () => {
    for (const pgid of liveGroups) signalGroup(pgid, 'SIGKILL');
  });
}

function parseReadyLine(json: string): ReadyAnnouncement {
  const value: unknown = JSON.parse(json);
  if (typeof value !== 'object' || value === null) throw new Error('not a JSON object');
  const record = value as Record<string, unknown>;
  if (typeof record['server'] !== 'string') throw new Error('"server" is not a string');
  if (typeof record['url'] !== 'string' || !record['url'].startsWith('ws://')) throw new Error('"url" is not a ws:// URL');
  const port = record['port'];
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65_535) throw new Error('"port" is not a TCP port');
  if (typeof record['pid'] !== 'number') throw new Error('"pid" is not a number');
  const knobs = record['knobs'];
  if (typeof knobs !== 'object' || knobs === null || Array.isArray(knobs)) throw new Error('"knobs" is not an object');
  return value as ReadyAnnouncement;
}

function onceClosed(lines: ReturnType<typeof createInterface>): Promise<void> {
  return new Promise((resolve) => lines.once('close', () => resolve()));
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
