import { availableParallelism } from 'node:os';
import type { Command } from 'commander';
import {
  formatPoolOverheadTable,
  PISCINA_TASK_FILES,
  type PiscinaAtomics,
  type PiscinaTaskFile,
  POOL_OVERHEAD_MODES,
  type PoolOverheadMode,
  poolOverheadCells,
  runPoolOverhead,
} from '../../bench/pool-overhead.js';
import { UsageError } from '../../core/errors.js';
import { parseCpuList, parseInteger, splitList } from '../../core/parse.js';
import { emitJson } from '../output.js';

interface PoolOverheadFlags {
  mode: string;
  cpus: string;
  pin: boolean;
  threads?: string;
  tasks: string;
  warmup: string;
  workIterations: string;
  inFlight: string;
  atomics: string;
  concurrentTasksPerWorker: string;
  piscinaTask: string;
  repeat: string;
  json?: string | boolean;
  quiet?: boolean;
}

const ATOMICS: readonly PiscinaAtomics[] = ['sync', 'async', 'disabled'];

export function registerPoolOverhead(program: Command): void {
  program
    .command('pool-overhead')
    .description(
      'CPU per task of WORK inline vs a bare piscina pool vs a plain worker_threads MessagePort round trip (process.cpuUsage, all threads; one pinned child process per measurement)',
    )
    .option('--mode <list>', `comma-separated: ${POOL_OVERHEAD_MODES.join(', ')}`, POOL_OVERHEAD_MODES.join(','))
    .option('--cpus <sets>', 'taskset CPU lists to run on, "/"-separated; threads = CPUs of the set', '0/0-1')
    .option('--no-pin', 'do not pin with taskset (one unpinned set)')
    .option('--threads <n>', 'pool / worker threads (default: the CPU count of each set)')
    .option('--tasks <n>', 'tasks measured per run', '5000')
    .option('--warmup <n>', 'tasks run before measuring', '1000')
    .option('--work-iterations <n>', 'WORK iterations per task (0 = empty task: the hand-off alone)', '50000')
    .option('--in-flight <n>', 'tasks outstanding at once (piscina, port), like 100 connections × depth 1', '100')
    .option('--atomics <mode>', `piscina atomics: ${ATOMICS.join(', ')}`, 'sync')
    .option('--concurrent-tasks-per-worker <n>', 'piscina concurrentTasksPerWorker', '1')
    .option(
      '--piscina-task <file>',
      `piscina task file: ${PISCINA_TASK_FILES.join(' (servers/ws-piscina/work-task.js), ')} (work() called directly)`,
      'ws-piscina',
    )
    .option('--repeat <n>', 'runs per cell, interleaved', '3')
    .option('--json [file]', 'print the rows as JSON (or write them to file) instead of the table')
    .option('-q, --quiet', 'no progress on stderr')
    .addHelpText('after', '\nExample:\n  wsarena pool-overhead --cpus 0/0-1 --work-iterations 50000 --repeat 3')
    .action(async (flags: PoolOverheadFlags) => {
      const modes = splitList('--mode', flags.mode).map((m) => {
        if (!(POOL_OVERHEAD_MODES as readonly string[]).includes(m)) {
          throw new UsageError('BAD_FLAG', `--mode: "${m}" is not a mode; allowed: ${POOL_OVERHEAD_MODES.join(', ')}`);
        }
        return m as PoolOverheadMode;
      });
      if (!(ATOMICS as readonly string[]).includes(flags.atomics)) {
        throw new UsageError('BAD_FLAG', `--atomics: "${flags.atomics}" is not allowed; allowed: ${ATOMICS.join(', ')}`);
      }
      if (!(PISCINA_TASK_FILES as readonly string[]).includes(flags.piscinaTask)) {
        throw new UsageError('BAD_FLAG', `--piscina-task: "${flags.piscinaTask}" is not allowed; allowed: ${PISCINA_TASK_FILES.join(', ')}`);
      }
      const cpuSets = flags.pin ? flags.cpus.split('/').map((set) => parseCpuList('--cpus', set, availableParallelism()).list) : [null];
      const cells = poolOverheadCells({
        modes,
        cpuSets,
        threads: flags.threads === undefined ? null : parseInteger('--threads', flags.threads, { min: 1, max: 256 }),
        tasks: parseInteger('--tasks', flags.tasks, { min: 1 }),
        warmupTasks: parseInteger('--warmup', flags.warmup, { min: 0 }),
        iterations: parseInteger('--work-iterations', flags.workIterations, { min: 0, max: 10_000_000 }),
        inFlight: parseInteger('--in-flight', flags.inFlight, { min: 1, max: 100_000 }),
        atomics: flags.atomics as PiscinaAtomics,
        concurrentTasksPerWorker: parseInteger('--concurrent-tasks-per-worker', flags.concurrentTasksPerWorker, { min: 1, max: 1000 }),
        piscinaTask: flags.piscinaTask as PiscinaTaskFile,
      });
      const repeats = parseInteger('--repeat', flags.repeat, { min: 1, max: 100 });
      const rows = await runPoolOverhead(cells, repeats, (cell, sample, r) => {
        if (flags.quiet) return;
        const perTask = (sample.userUs + sample.systemUs) / sample.tasks;
        process.stderr.write(`run ${r + 1}/${repeats} ${cell.mode} cpus ${cell.cpus ?? 'any'} threads ${cell.threads}: ${perTask.toFixed(1)} CPU µs/task\n`);
      });
      if (flags.json !== undefined) return emitJson({ cells, rows }, flags.json);
      process.stdout.write(formatPoolOverheadTable(rows));
      process.stdout.write(
        `\nCPU: process.cpuUsage() of the whole child process (every thread, user + system) over ${cells[0]?.tasks ?? 0} tasks of ${cells[0]?.iterations ?? 0} WORK iterations; median of ${repeats}. overhead = CPU/task − inline's on the same CPUs; main µs: the main thread's share (/proc, 10 ms ticks); cs/task: context switches of every thread.\n`,
      );
    });
}
