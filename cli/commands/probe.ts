import os from 'node:os';
import type { Command } from 'commander';
import { ExitCode, UsageError } from '../../core/errors.js';
import { parseBytes, parseCpuList, parseDurationMs, parseInteger, splitList } from '../../core/parse.js';
import { PROBE_GROUPS, PROBES, selectProbes, UnknownProbeError } from '../../probe/battery.js';
import { formatMs } from '../../probe/reaction.js';
import { type ProbeRequest, probeSectionOf, runProbes } from '../../probe/run.js';
import { renderProbeTable, serverSummary, VERDICT_MARKS } from '../../probe/table.js';
import { DEFAULT_PROBE_SETTINGS, type ProbeSettings } from '../../probe/types.js';
import type { ResultFile } from '../../results/schema.js';
import { getServer } from '../../servers/registry.js';
import { MAX_SERVER_THREADS } from '../../servers/spec.js';
import { emitJson } from '../output.js';
import { defaultOutPath, interruptSignal } from '../session.js';
import { rawArgs } from './run.js';

/** Raw commander options of `probe` (strings until validated). */
export interface ProbeFlags {
  server?: string;
  target?: string;
  targetPid?: string;
  only?: string;
  maxMessage: string;
  answerTimeout: string;
  keepaliveWindow: string;
  backpressureWindow: string;
  backpressureBytes: string;
  serverCpus?: string;
  threads?: string;
  out?: string;
  json?: string | boolean;
  quiet?: boolean;
}

const MIN_MESSAGE_CAP_BYTES = 1024;
const MAX_MESSAGE_CAP_BYTES = 512 * 1024 * 1024;

/** Turns validated flags into a ProbeRequest; every bad value is a UsageError naming the flag. */
export function buildProbeRequest(flags: ProbeFlags, argv: string[]): ProbeRequest {
  if (flags.server !== undefined && flags.target !== undefined) {
    throw new UsageError('CONFLICTING_FLAGS', '--server and --target exclude each other: probe servers wsarena starts, or one already running');
  }
  if (flags.targetPid !== undefined && flags.target === undefined) throw new UsageError('CONFLICTING_FLAGS', '--target-pid needs --target');
  const target =
    flags.target === undefined
      ? null
      : { url: parseTargetUrl(flags.target), pid: flags.targetPid === undefined ? null : parseInteger('--target-pid', flags.targetPid, { min: 1 }) };
  const servers = target ? [] : splitList('--server', flags.server ?? 'ws-loop');
  for (const name of servers) {
    try {
      getServer(name);
    } catch (err) {
      throw new UsageError('UNKNOWN_SERVER', `--server: ${(err as Error).message}`);
    }
  }
  const only = flags.only === undefined ? null : splitList('--only', flags.only);
  try {
    selectProbes(only);
  } catch (err) {
    if (err instanceof UnknownProbeError) throw new UsageError('UNKNOWN_PROBE', `--only: ${err.message}`);
    throw err;
  }
  const maxMessageCapBytes = parseBytes('--max-message', flags.maxMessage);
  if (maxMessageCapBytes < MIN_MESSAGE_CAP_BYTES || maxMessageCapBytes > MAX_MESSAGE_CAP_BYTES) {
    throw new UsageError('OUT_OF_RANGE', `--max-message: ${maxMessageCapBytes} bytes is out of range; allowed: 1KiB to 512MiB`);
  }
  const backpressureBytes = parseBytes('--backpressure-bytes', flags.backpressureBytes);
  if (backpressureBytes < 1024 * 1024 || backpressureBytes > 1024 * 1024 * 1024) {
    throw new UsageError('OUT_OF_RANGE', `--backpressure-bytes: ${backpressureBytes} bytes is out of range; allowed: 1MiB to 1024MiB`);
  }
  const settings: ProbeSettings = {
    ...DEFAULT_PROBE_SETTINGS,
    maxMessageCapBytes,
    answerTimeoutMs: parseDurationMs('--answer-timeout', flags.answerTimeout),
    keepaliveWindowMs: parseDurationMs('--keepalive-window', flags.keepaliveWindow),
    backpressureWindowMs: parseDurationMs('--backpressure-window', flags.backpressureWindow),
    backpressureBytes,
    only,
  };
  const serverCpus = flags.serverCpus === undefined ? null : parseCpuList('--server-cpus', flags.serverCpus, os.cpus().length).list;
  if (target !== null && (serverCpus !== null || flags.threads !== undefined)) {
    throw new UsageError('CONFLICTING_FLAGS', '--server-cpus and --threads configure servers wsarena starts; they do not apply to --target');
  }
  return {
    servers,
    target,
    settings,
    serverCpus,
    threads: flags.threads === undefined ? null : parseInteger('--threads', flags.threads, { min: 1, max: MAX_SERVER_THREADS }),
    outPath: flags.out ?? (typeof flags.json === 'string' && flags.json !== '-' ? flags.json : defaultOutPath('probe')),
    command: argv,
  };
}

function parseTargetUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError('BAD_TARGET', `--target: "${url}" is not a URL; use ws://host:port/path`);
  }
  if (parsed.protocol !== 'ws:') throw new UsageError('BAD_TARGET', `--target: "${url}" must use ws:// (probes stay on plain TCP)`);
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(parsed.hostname) && !parsed.hostname.startsWith('127.')) {
    throw new UsageError(
      'BAD_TARGET',
      `--target: "${url}" is not on loopback; probes send malformed and oversized frames, so they only run against 127.0.0.0/8, localhost or [::1]`,
    );
  }
  return url;
}

/** Exit code of a finished probe run: 130 interrupted, 1 when a server could not be probed or a probe errored, else 0. */
export function probeExitCode(file: ResultFile): number {
  if (file.state === 'interrupted') return ExitCode.INTERRUPTED;
  const section = probeSectionOf(file);
  const failed = section.servers.some((s) => s.error !== null || s.probes.some((p) => p.verdict === 'error'));
  return failed ? ExitCode.RUN_FAILED : ExitCode.OK;
}

export function registerProbe(program: Command): void {
  program
    .command('probe')
    .description('measure limits and RFC 6455 behaviour per server: message size, fragments, keepalive, backpressure, drafts, close, bad input')
    .option('--server <names>', 'comma-separated server names to start and probe (default ws-loop)')
    .option('--target <url>', 'probe an already-running server at ws://127.0.0.1:port/path instead')
    .option('--target-pid <pid>', 'with --target: its process id, for RSS growth and crash detection')
    .option('--only <list>', `probe ids or groups, comma-separated (groups: ${PROBE_GROUPS.join(', ')})`)
    .option('--max-message <bytes>', 'largest message size tried (e.g. 32MiB)', '32MiB')
    .option('--answer-timeout <time>', 'longest wait for any single answer; silence past it is recorded as "no answer"', '2s')
    .option('--keepalive-window <time>', 'how long an idle connection is watched for server pings and idle close', '5s')
    .option('--backpressure-window <time>', 'longest the backpressure probe floods a connection that does not read', '4s')
    .option('--backpressure-bytes <bytes>', 'most bytes the backpressure probe sends', '64MiB')
    .option('--server-cpus <list>', 'taskset CPU list for started servers (default: unpinned)')
    .option('--threads <n>', 'threads / processes / pool size for multi-threaded server models')
    .option('--out <file>', 'result file (written after every probe)')
    .option('--json [file]', 'print the result JSON to stdout (or write it to file) instead of the table')
    .option('-q, --quiet', 'no progress on stderr')
    .addHelpText(
      'after',
      `\nProbes, in order: ${PROBES.map((p) => p.id).join(', ')}\n\nExamples:\n  wsarena probe --server ws-loop,uws,go-goroutines\n  wsarena probe --server uws --only size,close\n  wsarena probe --target ws://127.0.0.1:9001/ --target-pid 4242`,
    )
    .action(async (flags: ProbeFlags, cmd: Command) => {
      const req = buildProbeRequest(flags, ['probe', ...cmd.args, ...rawArgs(cmd)]);
      const quiet = flags.quiet ?? false;
      const log = (line: string): void => {
        if (!quiet) process.stderr.write(`${line}\n`);
      };
      const interrupt = interruptSignal();
      let file: ResultFile;
      try {
        file = await runProbes(
          req,
          {
            onServerStart: (report) => log(`[${report.server}] ${report.url ?? ''}: ${selectProbes(req.settings.only).length} probes`),
            onProbeDone: (record) => log(`  ${VERDICT_MARKS[record.verdict]} ${record.id} (${formatMs(record.durationMs)}): ${record.observed}`),
            onServerDone: (report) => log(serverSummary(report)),
          },
          interrupt.signal,
        );
      } finally {
        interrupt.dispose();
      }
      if (flags.json !== undefined && flags.json !== false) emitJson(file, flags.json);
      else process.stdout.write(`${renderProbeTable(probeSectionOf(file), { color: Boolean(process.stdout.isTTY), width: process.stdout.columns ?? 200 })}\n`);
      process.stderr.write(`results: ${req.outPath}\n`);
      process.exitCode = probeExitCode(file);
    });
}
