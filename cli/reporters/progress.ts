import cliProgress from 'cli-progress';
import type { RunnerEvents } from '../../bench/runner.js';
import { formatRate, formatUs } from '../../core/format.js';
import { isMeasured } from '../../results/cell-status.js';
import type { Cell } from '../../results/schema.js';
import { headlineLatency } from './table.js';
import { describeWorkloadSection } from './workloads.js';

/**
 * Progress on stderr: a live bar on a TTY, one line per event otherwise (CI logs, pipes), and nothing
 * with quiet. It only subscribes to runner events; it never changes what is measured.
 */
export function progressReporter(stream: NodeJS.WriteStream = process.stderr, quiet = false): RunnerEvents & { close(): void } {
  if (quiet) return { close() {} };
  const tty = Boolean(stream.isTTY);
  let bar: cliProgress.SingleBar | null = null;
  let label = '';
  let phase = '';
  let rate = '';
  let phaseStartedMs = 0;
  let phaseSeconds = 0;

  const update = (value?: number) => bar?.update(value ?? bar.getProgress() * bar.getTotal(), { label, phase, rate });

  return {
    cellStart({ index, total, label: l }) {
      label = l;
      phase = 'starting';
      rate = '';
      if (tty) {
        if (!bar) {
          bar = new cliProgress.SingleBar(
            { stream, format: ' {bar} {value}/{total} cells | {label} | {phase} {rate}', hideCursor: true, clearOnComplete: false, barsize: 20 },
            cliProgress.Presets.shades_classic,
          );
          bar.start(total, index, { label, phase, rate });
        } else update(index);
      } else {
        stream.write(`[${index + 1}/${total}] ${label}\n`);
      }
    },
    load(event) {
      if (event.type === 'phase') {
        phase = event.phase;
        phaseStartedMs = Date.now();
        phaseSeconds = 0;
        if (!tty && event.phase !== 'done') stream.write(`  ${event.phase}\n`);
      } else if (event.type === 'connected') {
        phase = `connecting ${event.established}/${event.total}`;
      } else if (event.type === 'tick') {
        phaseSeconds = Math.round((Date.now() - phaseStartedMs) / 1000);
        rate = `${formatRate(event.received)} msg/s (${phaseSeconds}s)`;
      }
      update();
    },
    cellEnd(cell: Cell, index: number) {
      const summary = describeCell(cell);
      if (tty) {
        bar?.update(index + 1, { label, phase: 'done', rate: '' });
        bar?.stop();
        stream.write(`  ${label}: ${summary}\n`);
        bar = null;
      } else {
        stream.write(`  ${summary}\n`);
      }
    },
    warn(message: string) {
      stream.write(`warning: ${message}\n`);
    },
    close() {
      bar?.stop();
      bar = null;
    },
  };
}

export function describeCell(cell: Cell): string {
  const section = describeWorkloadSection(cell);
  if (cell.status !== 'ok')
    return section !== null && !(isMeasured(cell) && cell.sizes) ? `${cell.status}: ${cell.error}; ${section}` : `${cell.status}: ${cell.error}`;
  if (section !== null && !cell.sizes) return section;
  if (!cell.load) return `${cell.status}: no result`;
  const lat = headlineLatency(cell);
  return `${formatRate(cell.load.achievedRateHz)} msg/s, p99 ${formatUs(lat?.p99Us)}, ${cell.verdict?.verdict ?? 'no verdict'}`;
}
