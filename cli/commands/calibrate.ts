import Table from 'cli-table3';
import type { Command } from 'commander';
import { cpuPerMessage } from '../../bench/cpu-per-message.js';
import { runMatrix } from '../../bench/runner.js';
import { runWsBaseline } from '../../clients/baseline/ws-baseline.js';
import { ExitCode, UsageError } from '../../core/errors.js';
import { formatPercent, formatRate } from '../../core/format.js';
import { errorOf, isOk } from '../../results/cell-status.js';
import { readResultFile } from '../../results/reader.js';
import { checkResultPath, writeResultFile } from '../../results/writer.js';
import { startServer } from '../../servers/launch.js';
import { getServer } from '../../servers/registry.js';
import { DEFAULT_SERVER_OPTIONS } from '../../servers/spec.js';
import { boxEnabled, colorEnabled } from '../color.js';
import { emitJson } from '../output.js';
import { describeCpuPerMessage } from '../reporters/calibration.js';
import { progressReporter } from '../reporters/progress.js';
import { NO_BOX } from '../reporters/table.js';
import { interruptSignal } from '../session.js';
import { buildRunRequest, exitCodeFor, type RunFlags, rawArgs } from './run.js';

export interface CalibrationRow {
  client: string;
  roundTripsPerSec: number;
  clientCpuCoreFraction: number;
  /** roundTripsPerSec / clientCpuCoreFraction: what one client core can drive. */
  roundTripsPerClientCoreSec: number;
  verdict: string;
}

/**
 * `wsarena calibrate`: the generator's own ceiling (docs/METHOD.md §1). Runs our generator and a minimal
 * `ws`-package client against the same server, pinned the same way, with the same connections, depth
 * and payload, and compares round trips per second per client core.
 */
export function registerCalibrate(program: Command): void {
  program
    .command('calibrate')
    .description('measure the load generator against a plain `ws` client on the fastest server')
    .option('--server <name>', 'server to calibrate against (default: uws when available, else ws-loop)')
    .option('--connections <n>', 'connections for both clients', '100')
    .option('--duration <time>', 'measured window for each client', '5s')
    .option('--warmup <time>', 'warmup for each client', '1s')
    .option('--payload <bytes>', 'ECHO payload bytes', '64')
    .option('--depth <n>', 'messages in flight per connection, for both clients', '8')
    .option('--out <file>', 'result file')
    .option('--json [file]', 'print JSON instead of the table')
    .option('-q, --quiet', 'no progress on stderr')
    .action(
      async (
        flags: {
          server?: string;
          depth: string;
          connections: string;
          duration: string;
          warmup: string;
          payload: string;
          out?: string;
          json?: string | boolean;
          quiet?: boolean;
        },
        cmd: Command,
      ) => {
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
        checkResultPath('--out', req.outPath);
        const progress = progressReporter(process.stderr, flags.quiet ?? false);
        const interrupt = interruptSignal();
        try {
          const file = await runMatrix(req, progress, interrupt.signal);
          const genCell = file.cells[0];
          if (!genCell || !isOk(genCell) || !genCell.load) {
            process.stderr.write(`Error: the generator run failed: ${(genCell && errorOf(genCell)) ?? 'no result'}\n`);
            process.exitCode = exitCodeFor(file);
            return;
          }
          if (!flags.quiet && !interrupt.signal.aborted) process.stderr.write(`[baseline] ws client against ${server}\n`);
          const spec = getServer(server);
          const running = interrupt.signal.aborted
            ? null
            : await startServer(spec, { ...DEFAULT_SERVER_OPTIONS, cpuCount: 1 }, { cpus: req.serverCpus[0] ?? null, readyTimeoutMs: 15_000 });
          // Ctrl+C during the baseline stops it: the server is stopped at once (the baseline client then ends on
          // its own) and the file is marked interrupted, never complete.
          const aborted = new Promise<null>((res) => {
            if (interrupt.signal.aborted) res(null);
            else interrupt.signal.addEventListener('abort', () => res(null), { once: true });
          });
          // biome-ignore lint/suspicious/noImplicitAnyLet: typed by TypeScript from the Promise.race assignment below.
          let baseline;
          try {
            if (running === null) throw new Error('interrupted');
            const measuring = runWsBaseline({
              url: running.url,
              connections: req.connections[0]!,
              durationMs: req.durationMs,
              warmupMs: req.warmupMs,
              payloadBytes: req.payloadBytes,
              clientCpus: req.clientCpus,
              depth: req.depth,
            });
            measuring.catch(() => undefined);
            baseline = await Promise.race([measuring, aborted]);
          } catch (err) {
            if (!interrupt.signal.aborted) throw err;
          } finally {
            await running?.stop();
          }
          if (!baseline || interrupt.signal.aborted) {
            const partial = readResultFile(req.outPath);
            partial.state = 'interrupted';
            partial.updatedAt = new Date().toISOString();
            partial.extra = { calibration: { server, interrupted: 'Ctrl+C during the ws baseline: no baseline, no ratio' } };
            writeResultFile(req.outPath, partial);
            process.stderr.write(`results: ${req.outPath} (interrupted)\n`);
            process.exitCode = ExitCode.INTERRUPTED;
            return;
          }
          const gen = genCell.load;
          const genCpu = Math.max(...gen.client.workers.map((w) => w.cpuCoreFraction));
          const rows: CalibrationRow[] = [
            {
              client: 'wsarena generator (raw frames)',
              roundTripsPerSec: gen.achievedRateHz,
              clientCpuCoreFraction: genCpu,
              roundTripsPerClientCoreSec: gen.achievedRateHz / Math.max(genCpu, 1e-6),
              verdict: genCell.verdict?.verdict ?? 'none',
            },
            {
              client: 'ws package client (baseline)',
              roundTripsPerSec: baseline.roundTripsPerSec,
              clientCpuCoreFraction: baseline.cpuCoreFraction,
              roundTripsPerClientCoreSec: baseline.roundTripsPerSec / Math.max(baseline.cpuCoreFraction, 1e-6),
              verdict: baseline.cpuCoreFraction >= 0.85 ? 'client-bound' : 'not client-bound',
            },
          ];
          const ratio = rows[0]!.roundTripsPerClientCoreSec / rows[1]!.roundTripsPerClientCoreSec;
          // The generator's CPU per round trip against the server's per message, from the measured run (issue 12).
          const cost = cpuPerMessage(genCell);
          const fresh = readResultFile(req.outPath);
          fresh.extra = { calibration: { server, rows, baseline, generatorPerCoreVsBaseline: ratio, cpuPerMessage: cost } };
          writeResultFile(req.outPath, fresh);

          if (flags.json !== undefined && flags.json !== false) emitJson(fresh, flags.json);
          else {
            const table = new Table({
              head: ['client', 'round trips/s', 'client CPU', 'round trips/s per client core', 'verdict'],
              style: colorEnabled() ? {} : { head: [], border: [] },
              ...(boxEnabled() ? {} : { chars: NO_BOX }),
            });
            for (const r of rows)
              table.push([
                r.client,
                formatRate(r.roundTripsPerSec),
                formatPercent(r.clientCpuCoreFraction),
                formatRate(r.roundTripsPerClientCoreSec),
                r.verdict,
              ]);
            process.stdout.write(
              `${table.toString()}\nserver ${server} pinned to CPU ${req.serverCpus[0] ?? 'none'}, clients to CPU ${req.clientCpus ?? 'none'}, ${req.connections[0]} connections, ${req.depth} message(s) in flight each\n` +
                `generator per client core: ${ratio.toFixed(2)}× the ws client\n` +
                describeCpuPerMessage(cost, { connections: req.connections[0]!, depth: req.depth })
                  .map((line) => `${line}\n`)
                  .join(''),
            );
          }
          process.stderr.write(`results: ${req.outPath}\n`);
          process.exitCode = exitCodeFor(fresh);
        } finally {
          progress.close();
          interrupt.dispose();
        }
      },
    );
}
