/**
 * pool-overhead: what handing one WORK to another thread costs, apart from any WebSocket server.
 *
 * Three ways to compute the contract's WORK function a fixed number of times:
 * - `inline`: on the calling thread (what ws-loop does per WORK message);
 * - `piscina`: a bare piscina pool of the same task file ws-piscina uses (servers/ws-piscina/work-task.js),
 *   `inFlight` tasks outstanding at all times (as 100 connections × depth 1 keep ws-piscina's queue full);
 * - `port`: plain worker_threads, one worker per thread, `{iterations, seed}` in over the worker's
 *   MessagePort and the number back, the same `inFlight` outstanding: the floor any pool built on
 *   worker_threads stands on.
 *
 * Each measurement runs in a fresh child process pinned with taskset (`runPoolOverhead`), warms up,
 * then reads process.cpuUsage() (getrusage(RUSAGE_SELF): every thread of the process, user + system)
 * around exactly `tasks` tasks. CPU per task − inline's CPU per task = the hand-off's own cost.
 *
 * Pure parts (summary arithmetic, table) are exported for unit tests; nothing here asserts on time.
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { cpuListSize } from '../core/cpu-list.js';
import { distPath } from '../protocol/paths.js';
import { work } from '../protocol/wire.js';

export const POOL_OVERHEAD_MODES = ['inline', 'piscina', 'port'] as const;
export type PoolOverheadMode = (typeof POOL_OVERHEAD_MODES)[number];

/** Piscina's `atomics` option: how an idle pool thread waits for its next task. */
export type PiscinaAtomics = 'sync' | 'async' | 'disabled';

/** One measurement: one mode on one CPU set, in one child process. */
export interface PoolOverheadCell {
  mode: PoolOverheadMode;
  /** taskset CPU list the child runs on, or null = not pinned. */
  cpus: string | null;
  /** Pool / worker threads (inline: 0, the calling thread computes). */
  threads: number;
  /** Tasks measured (after the warm-up). */
  tasks: number;
  warmupTasks: number;
  /** WORK iterations per task (0 = an empty task: the hand-off alone). */
  iterations: number;
  /** Tasks outstanding at once (piscina, port). */
  inFlight: number;
  /** piscina only. */
  atomics: PiscinaAtomics;
  /** piscina only. */
  concurrentTasksPerWorker: number;
  /**
   * piscina only: the task file. 'ws-piscina' = servers/ws-piscina/work-task.js (work() called through
   * Function.prototype.call); 'direct' = this file's default export, work() called directly, which V8
   * inlines into piscina's try block (see work-task.ts).
   */
  piscinaTask: PiscinaTaskFile;
}

export const PISCINA_TASK_FILES = ['ws-piscina', 'direct'] as const;
export type PiscinaTaskFile = (typeof PISCINA_TASK_FILES)[number];

/** What a child reports for one cell. */
export interface PoolOverheadSample {
  /** CPU of the whole process (all threads) over the measured tasks, µs. */
  userUs: number;
  systemUs: number;
  wallMs: number;
  tasks: number;
  /** xor of all results: proves the work was done (and keeps it from being optimised away). */
  checksum: number;
  /** CPU of the main thread alone (its /proc task stat, clock-tick resolution), µs; null where /proc is missing. */
  mainThreadCpuUs: number | null;
  /** Voluntary + involuntary context switches of every thread over the measured tasks; null where /proc is missing. */
  contextSwitches: number | null;
}

/** One row of the table: the repeats of one cell. */
export interface PoolOverheadRow {
  mode: PoolOverheadMode;
  cpus: string | null;
  threads: number;
  repeats: number;
  /** Median over repeats of (user + system) / tasks, µs. */
  cpuUsPerTask: number;
  minCpuUsPerTask: number;
  maxCpuUsPerTask: number;
  /** Median share of that CPU spent in the kernel (0–1). */
  systemShare: number;
  /** Median wall time per task, µs (throughput = 1e6 / this). */
  wallUsPerTask: number;
  /** Median main-thread CPU per task, µs (the rest of cpuUsPerTask is pool / worker / V8 helper threads); null without /proc. */
  mainThreadUsPerTask: number | null;
  /** Median context switches (all threads) per task; null without /proc. */
  contextSwitchesPerTask: number | null;
  /** cpuUsPerTask − inline's on the same CPUs: the hand-off's own CPU per task; null without an inline row. */
  overheadUsPerTask: number | null;
  /** cpuUsPerTask ÷ inline's on the same CPUs; null without an inline row. */
  ratioToInline: number | null;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The median of the values, or null when any is null (a figure is shown only when every repeat has it). */
export function medianOrNull(values: ReadonlyArray<number | null>): number | null {
  if (values.length === 0 || values.some((v) => v === null)) return null;
  return median(values as number[]);
}

/** (user + system) µs per task of one sample. */
export function cpuUsPerTask(sample: PoolOverheadSample): number {
  if (sample.tasks <= 0) throw new Error('a sample needs at least one task');
  return (sample.userUs + sample.systemUs) / sample.tasks;
}

/**
 * Rows from measured cells (each with its repeats), in the order given. Overhead and ratio compare each
 * row with the inline row on the same CPUs.
 */
export function summarizePoolOverhead(
  measured: ReadonlyArray<{ cell: Pick<PoolOverheadCell, 'mode' | 'cpus' | 'threads'>; samples: readonly PoolOverheadSample[] }>,
): PoolOverheadRow[] {
  const rows = measured.map(({ cell, samples }) => {
    const perTask = samples.map(cpuUsPerTask);
    return {
      mode: cell.mode,
      cpus: cell.cpus,
      threads: cell.threads,
      repeats: samples.length,
      cpuUsPerTask: median(perTask),
      minCpuUsPerTask: Math.min(...perTask),
      maxCpuUsPerTask: Math.max(...perTask),
      systemShare: median(samples.map((s) => (s.userUs + s.systemUs > 0 ? s.systemUs / (s.userUs + s.systemUs) : 0))),
      wallUsPerTask: median(samples.map((s) => (s.wallMs * 1000) / s.tasks)),
      mainThreadUsPerTask: medianOrNull(samples.map((s) => (s.mainThreadCpuUs === null ? null : s.mainThreadCpuUs / s.tasks))),
      contextSwitchesPerTask: medianOrNull(samples.map((s) => (s.contextSwitches === null ? null : s.contextSwitches / s.tasks))),
      overheadUsPerTask: null as number | null,
      ratioToInline: null as number | null,
    };
  });
  for (const row of rows) {
    const inline = rows.find((r) => r.mode === 'inline' && r.cpus === row.cpus);
    if (inline === undefined || inline.cpuUsPerTask <= 0) continue;
    row.overheadUsPerTask = row.cpuUsPerTask - inline.cpuUsPerTask;
    row.ratioToInline = row.cpuUsPerTask / inline.cpuUsPerTask;
  }
  return rows;
}

/** The printed table (plain text, fixed columns). */
export function formatPoolOverheadTable(rows: readonly PoolOverheadRow[]): string {
  const head = ['mode', 'cpus', 'threads', 'n', 'CPU µs/task', 'min–max', 'sys', 'main µs', 'cs/task', 'wall µs/task', 'overhead µs', '× inline'];
  const body = rows.map((r) => [
    r.mode,
    r.cpus ?? 'any',
    String(r.threads),
    String(r.repeats),
    r.cpuUsPerTask.toFixed(1),
    `${r.minCpuUsPerTask.toFixed(1)}–${r.maxCpuUsPerTask.toFixed(1)}`,
    `${Math.round(r.systemShare * 100)}%`,
    r.mainThreadUsPerTask === null ? '—' : r.mainThreadUsPerTask.toFixed(1),
    r.contextSwitchesPerTask === null ? '—' : r.contextSwitchesPerTask.toFixed(2),
    r.wallUsPerTask.toFixed(1),
    r.overheadUsPerTask === null ? '—' : r.overheadUsPerTask.toFixed(1),
    r.ratioToInline === null ? '—' : `${r.ratioToInline.toFixed(2)}×`,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return `${[line(head), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n')}\n`;
}

/** Cells for a sweep: every mode on every CPU set; threads = the CPU set's size unless given. */
/** The cells' own settings, plus the modes and CPU sets to cross; threads null = the CPU count of each set. */
export type PoolOverheadPlan = Omit<PoolOverheadCell, 'mode' | 'cpus' | 'threads'> & {
  modes: readonly PoolOverheadMode[];
  cpuSets: ReadonlyArray<string | null>;
  threads: number | null;
};

export function poolOverheadCells(options: PoolOverheadPlan): PoolOverheadCell[] {
  const cells: PoolOverheadCell[] = [];
  for (const cpus of options.cpuSets) {
    const cpuCount = cpus === null ? 1 : countCpus(cpus);
    for (const mode of options.modes) {
      cells.push({
        mode,
        cpus,
        threads: mode === 'inline' ? 0 : (options.threads ?? cpuCount),
        tasks: options.tasks,
        warmupTasks: options.warmupTasks,
        iterations: options.iterations,
        inFlight: options.inFlight,
        atomics: options.atomics,
        concurrentTasksPerWorker: options.concurrentTasksPerWorker,
        piscinaTask: options.piscinaTask,
      });
    }
  }
  return cells;
}

/** CPUs in a taskset list such as "0", "0-1", "0,2-3"; throws on a malformed one (the CLI validated it already). */
export function countCpus(list: string): number {
  const size = cpuListSize(list);
  if (size === null) throw new Error(`bad CPU list "${list}"`);
  return size;
}

// ---------------------------------------------------------------------------------------------------
// Measurement (not unit-tested: it measures time).

const PORT_WORKER_ROLE = 'wsarena-pool-overhead-port';
const CHILD_FLAG = '--pool-overhead-child';

interface TaskMessage {
  iterations: number;
  seed: number;
}

/** Runs one cell in this process and returns its sample. */
export async function measureCell(cell: PoolOverheadCell): Promise<PoolOverheadSample> {
  switch (cell.mode) {
    case 'inline':
      return measureInline(cell);
    case 'piscina':
      return measurePiscina(cell);
    case 'port':
      return measurePort(cell);
  }
}

function measured(run: () => Promise<number>, tasks: number): Promise<PoolOverheadSample> {
  const threads0 = readThreads();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  return run().then((checksum) => {
    const wallMs = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const threads1 = readThreads();
    let mainThreadCpuUs: number | null = null;
    let contextSwitches: number | null = null;
    if (threads0 !== null && threads1 !== null) {
      const main0 = threads0.get(process.pid);
      const main1 = threads1.get(process.pid);
      if (main0 !== undefined && main1 !== undefined) mainThreadCpuUs = ((main1.ticks - main0.ticks) * 1e6) / CLOCK_TICKS_PER_SECOND;
      contextSwitches = 0;
      for (const [tid, end] of threads1) contextSwitches += end.switches - (threads0.get(tid)?.switches ?? 0);
    }
    return { userUs: cpu.user, systemUs: cpu.system, wallMs, tasks, checksum, mainThreadCpuUs, contextSwitches };
  });
}

/** USER_HZ: Linux reports task CPU in 1/100 s on every architecture Node runs on. */
const CLOCK_TICKS_PER_SECOND = 100;

/** Per thread of this process: utime + stime (ticks) and context switches, from /proc/self/task; null without /proc. */
function readThreads(): Map<number, { ticks: number; switches: number }> | null {
  let tids: string[];
  try {
    tids = readdirSync('/proc/self/task');
  } catch {
    return null;
  }
  const threads = new Map<number, { ticks: number; switches: number }>();
  for (const tid of tids) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      // Fields after the parenthesised name: state is field 3; utime and stime are fields 14 and 15.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ticks = Number(fields[11]) + Number(fields[12]);
      const status = readFileSync(`/proc/self/task/${tid}/status`, 'utf8');
      const switches =
        Number(/^voluntary_ctxt_switches:\s+(\d+)/m.exec(status)?.[1] ?? 0) + Number(/^nonvoluntary_ctxt_switches:\s+(\d+)/m.exec(status)?.[1] ?? 0);
      threads.set(Number(tid), { ticks, switches });
    } catch {
      // The thread exited between readdir and read.
    }
  }
  return threads;
}

async function measureInline(cell: PoolOverheadCell): Promise<PoolOverheadSample> {
  const runTasks = (count: number, seed0: number): number => {
    let checksum = 0;
    for (let i = 0; i < count; i++) checksum ^= work(cell.iterations, seed0 + i);
    return checksum;
  };
  runTasks(cell.warmupTasks, 1);
  return measured(async () => runTasks(cell.tasks, 1_000_000), cell.tasks);
}

/** Keeps `inFlight` tasks outstanding through submit() until `count` have completed; resolves to the xor. */
function keepInFlight(count: number, inFlight: number, iterations: number, seed0: number, submit: (task: TaskMessage) => Promise<number>): Promise<number> {
  return new Promise((resolve, reject) => {
    let submitted = 0;
    let done = 0;
    let checksum = 0;
    const next = (): void => {
      const seed = seed0 + submitted++;
      submit({ iterations, seed }).then((result) => {
        checksum ^= result;
        done++;
        if (done === count) resolve(checksum);
        else if (submitted < count) next();
      }, reject);
    };
    if (count === 0) resolve(0);
    for (let i = 0; i < Math.min(inFlight, count); i++) next();
  });
}

async function measurePiscina(cell: PoolOverheadCell): Promise<PoolOverheadSample> {
  const { Piscina } = await import('piscina');
  const pool = new Piscina<TaskMessage, number>({
    filename: pathToFileURL(distPath(cell.piscinaTask === 'direct' ? 'bench/pool-overhead.js' : 'servers/ws-piscina/work-task.js')).href,
    minThreads: cell.threads,
    maxThreads: cell.threads,
    concurrentTasksPerWorker: cell.concurrentTasksPerWorker,
    maxQueue: Infinity,
    idleTimeout: Infinity,
    atomics: cell.atomics,
    recordTiming: false,
  });
  try {
    const submit = (task: TaskMessage): Promise<number> => pool.run(task);
    await keepInFlight(cell.warmupTasks, cell.inFlight, cell.iterations, 1, submit);
    return await measured(() => keepInFlight(cell.tasks, cell.inFlight, cell.iterations, 1_000_000, submit), cell.tasks);
  } finally {
    await pool.destroy();
  }
}

async function measurePort(cell: PoolOverheadCell): Promise<PoolOverheadSample> {
  const workers = Array.from({ length: cell.threads }, () => new Worker(new URL(import.meta.url), { workerData: { role: PORT_WORKER_ROLE } }));
  await Promise.all(workers.map((w) => new Promise((resolve) => w.once('online', resolve))));
  // Replies come back in order per worker: a FIFO of resolvers per worker; tasks go to the least busy worker.
  const waiting = workers.map(() => [] as Array<(result: number) => void>);
  workers.forEach((w, i) => {
    w.on('message', (result: number) => waiting[i]!.shift()!(result));
  });
  const submit = (task: TaskMessage): Promise<number> => {
    let best = 0;
    for (let i = 1; i < workers.length; i++) if (waiting[i]!.length < waiting[best]!.length) best = i;
    return new Promise((resolve) => {
      waiting[best]!.push(resolve);
      workers[best]!.postMessage(task);
    });
  };
  try {
    await keepInFlight(cell.warmupTasks, cell.inFlight, cell.iterations, 1, submit);
    return await measured(() => keepInFlight(cell.tasks, cell.inFlight, cell.iterations, 1_000_000, submit), cell.tasks);
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

/** The 'direct' piscina task: work() called directly, as work-task.ts did before it went through .call. */
export default function directWorkTask(task: TaskMessage): number {
  return work(task.iterations, task.seed);
}

// The port worker: this same file, started as a worker thread.
if (!isMainThread && (workerData as { role?: string } | null)?.role === PORT_WORKER_ROLE) {
  const port = parentPort!;
  port.on('message', (task: TaskMessage) => port.postMessage(work(task.iterations, task.seed)));
}

/**
 * Runs one cell in a fresh child process (taskset-pinned when cell.cpus is set) and returns its sample.
 * A fresh process per measurement: no JIT state, threads or heap carried over from another mode.
 */
export function runCellInChild(cell: PoolOverheadCell): Promise<PoolOverheadSample> {
  const self = distPath('bench/pool-overhead.js');
  const nodeArgs = [self, CHILD_FLAG, JSON.stringify(cell)];
  const [file, args] = cell.cpus === null ? [process.execPath, nodeArgs] : ['taskset', ['-c', cell.cpus, process.execPath, ...nodeArgs]];
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => {
      if (code !== 0) return reject(new Error(`pool-overhead child (${cell.mode}, cpus ${cell.cpus ?? 'any'}) exited ${code}: ${stderr.trim()}`));
      try {
        resolve(JSON.parse(stdout.trim().split('\n').pop()!) as PoolOverheadSample);
      } catch {
        reject(new Error(`pool-overhead child printed no result: ${stdout.trim()} ${stderr.trim()}`));
      }
    });
  });
}

/** Every cell `repeats` times, interleaved (all cells once, then again), as the runner interleaves servers. */
export async function runPoolOverhead(
  cells: readonly PoolOverheadCell[],
  repeats: number,
  onSample?: (cell: PoolOverheadCell, sample: PoolOverheadSample, repeat: number) => void,
): Promise<PoolOverheadRow[]> {
  const samples = cells.map(() => [] as PoolOverheadSample[]);
  for (let r = 0; r < repeats; r++) {
    for (const [i, cell] of cells.entries()) {
      const sample = await runCellInChild(cell);
      samples[i]!.push(sample);
      onSample?.(cell, sample, r);
    }
  }
  return summarizePoolOverhead(cells.map((cell, i) => ({ cell, samples: samples[i]! })));
}

// Child-process entry: `node dist/bench/pool-overhead.js --pool-overhead-child '<cell JSON>'`.
if (isMainThread && process.argv[1] !== undefined && process.argv[2] === CHILD_FLAG && fileURLToPath(import.meta.url) === process.argv[1]) {
  const cell = JSON.parse(process.argv[3]!) as PoolOverheadCell;
  const sample = await measureCell(cell);
  process.stdout.write(`${JSON.stringify(sample)}\n`);
}
