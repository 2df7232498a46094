import { describe, expect, it } from 'vitest';
import { CoreWindow } from '../../bench/core-window.js';
import { parseProcStat } from '../../bench/proc-stat.js';
import { EXPORT_COLUMNS, exportRow, toCsv } from '../../cli/exports.js';
import { renderCompactTable, renderSummaryTable, summarizeCells } from '../../cli/reporters/table.js';
import type { CoresSection } from '../../results/cores.js';
import { PROC_STAT_AFTER, PROC_STAT_BEFORE } from '../fixtures/proc-stat.js';
import { cell, loadReport } from '../fixtures/results.js';

/** issue 12's run as a cores section: server CPU 0 88% busy (15% softirq), client CPU 1 100% busy (17%). */
function measured(): CoresSection {
  const readings = [PROC_STAT_BEFORE, PROC_STAT_AFTER].map(parseProcStat);
  const w = new CoreWindow({ serverCpus: '0', clientCpus: '1', applied: true, reason: null }, () => readings.shift()!);
  w.markStart();
  w.markEnd();
  return w.result();
}

describe('whole cores in the terminal table and exports', () => {
  it('the --wide table shows the server core with its softirq and the client’s busiest core', () => {
    const text = renderSummaryTable([cell({ server: 'uws', cores: measured() })], { box: false });
    const [head, row] = text.split('\n');
    expect(head).toMatch(/srv CPU\s+srv core\s+cli core\s+RSS/);
    expect(row).toMatch(/88% \(si 15%\)\s+100%/);
    expect(text).toContain('srv core, cli core: how busy the pinned cores were (/proc/stat');
    expect(summarizeCells([cell({ cores: measured() })])[0]).toMatchObject({
      serverCoreBusyFraction: 0.88,
      serverCoreSoftirqFraction: 0.15,
      clientCoreBusyFraction: 1,
    });
  });
  it('no column when no cell measured cores (unpinned, shared, older files); the compact table stays as it was', () => {
    const unpinned = cell({ cores: { unavailable: 'server not pinned: whole cores cannot be attributed to one side' } });
    expect(renderSummaryTable([unpinned, cell()])).not.toContain('srv core');
    expect(renderCompactTable([cell({ cores: measured() })])).not.toContain('srv core');
  });
  it('CSV carries the four core fractions, empty when not measured', () => {
    const row = exportRow(cell({ cores: measured() }));
    expect(row.server_core_busy_fraction).toBeCloseTo(0.88, 12);
    expect(row.server_core_softirq_fraction).toBeCloseTo(0.15, 12);
    expect(row.client_core_busy_max_fraction).toBe(1);
    expect(row.client_core_softirq_fraction).toBeCloseTo(0.17, 12);
    const csv = toCsv([exportRow(cell({ cores: { unavailable: 'server and client share CPU 1' } })), exportRow(cell({ load: loadReport() }))])
      .trimEnd()
      .split('\n');
    const at = EXPORT_COLUMNS.indexOf('server_core_busy_fraction');
    expect(csv[0]!.split(',')[at]).toBe('server_core_busy_fraction');
    expect(csv.slice(1).map((l) => l.split(',')[at])).toEqual(['', '']);
  });
});
