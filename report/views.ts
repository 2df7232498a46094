import type { Cell } from '../results/schema.js';
import { spectrumOf } from './hdr.js';
import { QUALITIES, QUALITY_LABELS, type GroupRow, type ReportModel, type RunRow } from './model.js';

/**
 * The dashboard's views as data. Each view turns the model into named datasets and gives one
 * Vega-Lite spec that reads them by name; the browser filters the rows and re-embeds the same spec,
 * and `wsarena report --svg` renders the same spec in Node. A view whose primary dataset is empty says
 * so instead of drawing an empty frame, so a view for data that no workload produces yet (broadcast)
 * simply waits for it.
 *
 * Every row carries the filter dimensions (FILTER_DIMENSIONS) so one predicate filters every view.
 * Strings from result files only ever appear as data values, never inside Vega expressions.
 */

/** A row of a view dataset: plain JSON. */
export type Row = Record<string, string | number | boolean | null>;
/** A Vega-Lite spec as plain JSON (typed loosely; compiled and checked by vega-lite at render time). */
export type VlSpec = Record<string, unknown>;

export interface ViewDef {
  id: string;
  title: string;
  /** What is plotted and how to read it. */
  description: string;
  /** The dataset that must have rows for the view to have data. */
  primary: string;
  /** Shown when the primary dataset is empty before any filter. */
  emptyText: string;
  /** 'run': the dashboard shows a picker of runs and keeps only the picked run's rows. */
  picker?: 'run';
  /** Written by `wsarena report --svg/--png`. */
  image: boolean;
  data(model: ReportModel): Record<string, Row[]>;
  spec(model: ReportModel): VlSpec;
}

/** Fields every row carries; the dashboard offers a filter for each one with more than one value. */
export const FILTER_DIMENSIONS = [
  { field: 'server', label: 'server' },
  { field: 'workload', label: 'workload' },
  { field: 'connections', label: 'connections' },
  { field: 'load', label: 'load' },
  { field: 'payload', label: 'payload' },
  { field: 'serverCpus', label: 'server CPUs' },
  { field: 'setLabel', label: 'result file' },
] as const;

const WIDTH = 560;
const HEIGHT = 300;

type Dimensioned = Pick<RunRow, 'server' | 'workload' | 'connections' | 'load' | 'payload' | 'serverCpus' | 'setLabel'>;

function dims(r: Dimensioned): Row {
  return { server: r.server, workload: r.workload, connections: r.connections, load: r.load, payload: r.payload, serverCpus: r.serverCpus, setLabel: r.setLabel };
}

/** Run fields every point shows in its tooltip and links with. */
function runFields(r: RunRow): Row {
  return {
    ...dims(r),
    runId: r.runId,
    series: r.series,
    who: r.who,
    href: r.href,
    cellId: r.cellId,
    repeat: r.repeat,
    status: r.status,
    quality: r.quality,
    qualityLabel: r.qualityLabel,
    why: r.why,
  };
}

function groupFields(g: GroupRow): Row {
  return { ...dims(g), series: g.series, who: g.who, quality: g.quality, qualityLabel: g.qualityLabel, n: g.n, href: g.href };
}

const colorSeries = (field = 'series') => ({ field, type: 'nominal', title: 'series', scale: { scheme: 'tableau20' }, legend: { orient: 'bottom', columns: 2, labelLimit: 420 } });

/** Shape by verdict with a fixed domain, so the legend always explains every kind of mark. */
const shapeQuality = {
  field: 'qualityLabel',
  type: 'nominal',
  title: 'verdict',
  scale: { domain: QUALITIES.map((q) => QUALITY_LABELS[q]), range: ['circle', 'diamond', 'triangle-up', 'square', 'cross', 'triangle-down'] },
  legend: { orient: 'bottom', direction: 'vertical', labelLimit: 320 },
};

const runTooltip = (extra: unknown[] = []) => [
  { field: 'series', title: 'series' },
  { field: 'connections', title: 'connections' },
  ...extra,
  { field: 'qualityLabel', title: 'verdict' },
  { field: 'why', title: 'why' },
  { field: 'cellId', title: 'cell' },
  { field: 'setLabel', title: 'result file' },
];

const connectionsAxis = (model: ReportModel) => {
  const values = model.runs.map((r) => r.connections);
  const spread = values.length > 0 ? Math.max(...values) / Math.min(...values) : 1;
  return { field: 'connections', type: 'quantitative', title: 'connections', scale: spread >= 10 ? { type: 'log' } : { zero: false } };
};

const usable = (model: ReportModel) => model.runs.filter((r) => r.msgsPerSec !== null && r.messages);

function frame(title: string, extra: VlSpec): VlSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title,
    width: WIDTH,
    height: HEIGHT,
    datasets: {},
    config: { font: 'system-ui, sans-serif', legend: { labelFontSize: 11 } },
    ...extra,
  };
}

/** A metric against connections: per-run points (shape = verdict), CI bars and a median line per series. */
function metricVsConnections(model: ReportModel, opts: { title: string; field: string; axisTitle: string; format: string; log?: boolean }): VlSpec {
  const y = { field: opts.field, type: 'quantitative', title: opts.axisTitle, ...(opts.log ? { scale: { type: 'log' } } : {}) };
  return frame(opts.title, {
    layer: [
      {
        data: { name: 'groups' },
        transform: [{ filter: "datum.quality !== 'client-bound'" }],
        mark: { type: 'line', strokeWidth: 1.5, opacity: 0.7 },
        encoding: { x: connectionsAxis(model), y: { ...y, field: 'median' }, color: colorSeries(), detail: { field: 'series' } },
      },
      {
        data: { name: 'groups' },
        transform: [{ filter: 'isValid(datum.low) && isValid(datum.high)' }],
        mark: { type: 'rule', strokeWidth: 1.5 },
        encoding: { x: connectionsAxis(model), y: { ...y, field: 'low' }, y2: { field: 'high' }, color: colorSeries() },
      },
      {
        data: { name: 'runs' },
        mark: { type: 'point', filled: true, size: 80, opacity: 0.9, cursor: 'pointer' },
        encoding: {
          x: connectionsAxis(model),
          y,
          color: colorSeries(),
          shape: shapeQuality,
          href: { field: 'href' },
          tooltip: runTooltip([{ field: opts.field, title: opts.axisTitle, format: opts.format }]),
        },
      },
    ],
  });
}

const throughput: ViewDef = {
  id: 'throughput',
  title: 'Throughput vs connections',
  description:
    'Replies per second in the measured window, one point per run; the bar is the 95% CI of the mean over repeats and the line joins the means. ' +
    'Failed runs sit at 0 as crosses; client-bound runs are triangles and stay off the line: they are only lower bounds on the server.',
  primary: 'runs',
  emptyText: 'no run has a load report yet',
  image: true,
  data(model) {
    const runs = model.runs
      .filter((r) => r.messages && (r.msgsPerSec !== null || r.status === 'failed'))
      .map((r) => ({ ...runFields(r), msgsPerSec: r.msgsPerSec ?? 0 }));
    const groups = model.groups
      .filter((g) => g.msgsPerSec !== null && g.messages)
      .map((g) => ({ ...groupFields(g), median: g.msgsPerSec!.mean, low: g.msgsPerSec!.low, high: g.msgsPerSec!.high }));
    return { runs, groups };
  },
  spec: (model) => metricVsConnections(model, { title: 'Throughput (msgs/s)', field: 'msgsPerSec', axisTitle: 'msgs/s', format: ',.0f' }),
};

const cpuPerMessage: ViewDef = {
  id: 'cpu-per-message',
  title: 'Server CPU per message',
  description:
    'Server process-tree CPU time in the window divided by the messages it handled (µs). Stable even when the server is not saturated, ' +
    'so it compares Node, uWS and Go directly. Lower is cheaper.',
  primary: 'runs',
  emptyText: 'no run measured server CPU yet',
  image: true,
  data(model) {
    const runs = usable(model)
      .filter((r) => r.cpuUsPerMessage !== null)
      .map((r) => ({ ...runFields(r), cpuUsPerMessage: r.cpuUsPerMessage }));
    const groups = model.groups
      .filter((g) => g.cpuUsPerMessage !== null && g.messages)
      .map((g) => ({ ...groupFields(g), median: g.cpuUsPerMessage!.mean, low: g.cpuUsPerMessage!.low, high: g.cpuUsPerMessage!.high }));
    return { runs, groups };
  },
  spec: (model) => metricVsConnections(model, { title: 'Server CPU per message (µs)', field: 'cpuUsPerMessage', axisTitle: 'CPU µs / message', format: '.2f' }),
};

/** Percentiles marked on the spectrum lines (as 1/(1−p)). */
const MARKED_INVERSE_TAILS = [2, 10, 100, 1000, 10_000, 100_000];

const latencySpectrum: ViewDef = {
  id: 'latency-spectrum',
  title: 'Latency percentile spectrum',
  description:
    'Latency at every percentile, from the HDR histograms of the runs (repeats merged), on HdrHistogram’s 1/(1−p) axis so the tail gets room. ' +
    'Solid: corrected latency (from the intended send time, open loop); dashed: service time (from the actual send). Faded lines with triangles are client-bound.',
  primary: 'lines',
  emptyText: 'no run has a latency histogram yet',
  image: true,
  data(model) {
    const lines: Row[] = [];
    const marks: Row[] = [];
    const byGroup = new Map<string, Array<{ run: RunRow; cell: Cell }>>();
    for (const r of usable(model)) byGroup.set(r.groupKey, [...(byGroup.get(r.groupKey) ?? []), { run: r, cell: model.cells.get(r.runId)! }]);
    for (const g of model.groups) {
      const members = byGroup.get(g.groupKey);
      if (!members) continue;
      for (const kind of ['corrected', 'service'] as const) {
        const encoded = members.map((m) => m.cell.load?.[kind]?.encoded).filter((e): e is string => typeof e === 'string');
        if (encoded.length === 0) continue;
        const points = spectrumOf(encoded);
        const base = { ...groupFields(g), line: `${g.series} · ${g.connections} conns`, kind, lineId: `${g.groupKey}|${kind}`, runs: encoded.length };
        for (const p of points) {
          const row = { ...base, inverseTail: p.inverseTail, percentile: p.percentile, valueUs: Math.max(1, p.valueUs) };
          lines.push(row);
          if (MARKED_INVERSE_TAILS.some((t) => Math.abs(Math.log10(p.inverseTail / t)) < 1e-9)) marks.push(row);
        }
      }
    }
    return { lines, marks };
  },
  spec: () =>
    frame('Latency by percentile', {
      layer: [
        {
          data: { name: 'lines' },
          mark: { type: 'line', interpolate: 'step-after', strokeWidth: 1.8 },
          encoding: {
            x: {
              field: 'inverseTail',
              type: 'quantitative',
              title: 'percentile',
              scale: { type: 'log' },
              axis: { values: [2, 10, 100, 1000, 10_000, 100_000, 1_000_000], labelExpr: "format(100 - 100 / datum.value, '.4~f') + '%'" },
            },
            y: { field: 'valueUs', type: 'quantitative', title: 'latency (µs)', scale: { type: 'log' } },
            color: { ...colorSeries('line'), title: 'series · connections' },
            strokeDash: { field: 'kind', type: 'nominal', title: 'latency', scale: { domain: ['corrected', 'service'], range: [[1, 0], [5, 3]] }, legend: { orient: 'bottom' } },
            opacity: { condition: { test: "datum.quality === 'client-bound'", value: 0.4 }, value: 1 },
            detail: { field: 'lineId' },
          },
        },
        {
          data: { name: 'marks' },
          mark: { type: 'point', filled: true, size: 60, cursor: 'pointer' },
          encoding: {
            x: { field: 'inverseTail', type: 'quantitative', scale: { type: 'log' } },
            y: { field: 'valueUs', type: 'quantitative', scale: { type: 'log' } },
            color: { ...colorSeries('line'), title: 'series · connections' },
            shape: shapeQuality,
            href: { field: 'href' },
            tooltip: [
              { field: 'line', title: 'series' },
              { field: 'kind', title: 'latency' },
              { field: 'percentile', title: 'percentile', format: '.4~f' },
              { field: 'valueUs', title: 'µs', format: ',.0f' },
              { field: 'runs', title: 'runs merged' },
              { field: 'qualityLabel', title: 'verdict' },
            ],
          },
        },
      ],
    }),
};

/** Least-squares slope of y on x; null when x does not vary. */
export function slope(points: Array<{ x: number; y: number }>): number | null {
  const n = points.length;
  if (n < 2) return null;
  const mx = points.reduce((a, p) => a + p.x, 0) / n;
  const my = points.reduce((a, p) => a + p.y, 0) / n;
  let sxx = 0;
  let sxy = 0;
  for (const p of points) {
    sxx += (p.x - mx) ** 2;
    sxy += (p.x - mx) * (p.y - my);
  }
  return sxx === 0 ? null : sxy / sxx;
}

const memory: ViewDef = {
  id: 'memory',
  title: 'Memory per connection (idle ramp)',
  description:
    'Idle workload: server memory (process tree, native memory included; PSS for multi-process servers, else RSS) against open connections as the ramp ' +
    'steps up. Bytes per connection is the least-squares slope, not RSS / N; the ramp’s end is the server’s ceiling when it stopped short of the target.',
  primary: 'points',
  emptyText: 'no idle-ramp runs yet (workload "idle")',
  image: true,
  data(model) {
    const points: Row[] = [];
    const slopes: Row[] = [];
    for (const r of model.runs) {
      const cell = model.cells.get(r.runId)!;
      if (r.workload !== 'idle' || r.status === 'skipped') continue;
      if (cell.idle) {
        const idle = cell.idle;
        for (const p of idle.points) {
          const bytes = idle.memoryBasis === 'pss' && p.pssBytes !== null ? p.pssBytes : p.rssBytes;
          points.push({ ...runFields(r), open: p.open, memoryMiB: bytes / 1024 ** 2, step: p.step, memoryKind: idle.memoryBasis.toUpperCase() });
        }
        if (idle.bytesPerConnection !== null) {
          slopes.push({
            ...runFields(r),
            kibPerConnection: idle.bytesPerConnection / 1024,
            // Kernel memory not in RSS (KernelStack + SUnreclaim, machine-wide); null in older files.
            kernelKibPerConnection: idle.kernelBytesPerConnection != null ? idle.kernelBytesPerConnection / 1024 : null,
            r2: idle.r2,
            ceiling: idle.ceiling,
            stoppedBy: idle.stoppedBy,
            memoryKind: idle.memoryBasis.toUpperCase(),
          });
        }
        continue;
      }
      // Older idle cells without a section: fit the /proc samples against open file descriptors.
      const res = cell.serverResources;
      if (r.status !== 'ok' || !res || res.samples.length < 3) continue;
      const usePss = res.samples.every((s) => s.pssBytes !== null);
      const bytesPerConnection = slope(res.samples.map((s) => ({ x: s.fds, y: usePss ? s.pssBytes! : s.rssBytes })));
      for (const s of res.samples) points.push({ ...runFields(r), open: s.fds, memoryMiB: (usePss ? s.pssBytes! : s.rssBytes) / 1024 ** 2, step: null, memoryKind: usePss ? 'PSS' : 'RSS' });
      if (bytesPerConnection !== null) slopes.push({ ...runFields(r), kibPerConnection: bytesPerConnection / 1024, r2: null, ceiling: null, stoppedBy: null, memoryKind: usePss ? 'PSS' : 'RSS' });
    }
    return { points, slopes };
  },
  spec: () =>
    frame('Memory against open connections', {
      hconcat: [
        {
          width: 360,
          height: HEIGHT,
          layer: [
            {
              data: { name: 'points' },
              mark: { type: 'point', size: 30, filled: true, opacity: 0.7 },
              encoding: {
                x: { field: 'open', type: 'quantitative', title: 'open connections' },
                y: { field: 'memoryMiB', type: 'quantitative', title: 'server memory (MiB)' },
                color: colorSeries(),
                shape: shapeQuality,
                tooltip: runTooltip([{ field: 'open', title: 'open' }, { field: 'memoryMiB', title: 'MiB', format: '.1f' }, { field: 'memoryKind', title: 'memory' }]),
              },
            },
            {
              data: { name: 'points' },
              transform: [{ regression: 'memoryMiB', on: 'open', groupby: ['series'] }],
              mark: { type: 'line', strokeWidth: 1.5 },
              encoding: { x: { field: 'open', type: 'quantitative' }, y: { field: 'memoryMiB', type: 'quantitative' }, color: colorSeries() },
            },
          ],
        },
        {
          width: 200,
          height: HEIGHT,
          data: { name: 'slopes' },
          mark: { type: 'point', filled: true, size: 90, cursor: 'pointer' },
          encoding: {
            x: { field: 'series', type: 'nominal', title: null, axis: { labelAngle: -30, labelLimit: 160 } },
            y: { field: 'kibPerConnection', type: 'quantitative', title: 'KiB per connection' },
            color: colorSeries(),
            shape: shapeQuality,
            href: { field: 'href' },
            tooltip: runTooltip([
              { field: 'kibPerConnection', title: 'KiB / connection', format: '.2f' },
              { field: 'r2', title: 'R²', format: '.3f' },
              { field: 'kernelKibPerConnection', title: 'kernel KiB / connection', format: '.2f' },
              { field: 'memoryKind', title: 'memory' },
              { field: 'ceiling', title: 'most open at once' },
              { field: 'stoppedBy', title: 'ramp ended by' },
            ]),
          },
        },
      ],
      width: undefined,
      height: undefined,
    }),
};

const mixed: ViewDef = {
  id: 'mixed',
  title: 'Mixed workload: cheap-message latency',
  description:
    'In the mixed workload a few messages are heavy (WORK) and the rest cheap (ECHO). Bars: median over runs of each class’s p99; points: each run. ' +
    'A server whose cheap p99 approaches the heavy messages’ time blocks cheap messages behind heavy ones (head-of-line blocking).',
  primary: 'classes',
  emptyText: 'no mixed-workload runs yet (workload "mixed")',
  image: true,
  data(model) {
    const classes: Row[] = [];
    for (const r of usable(model)) {
      const byClass = model.cells.get(r.runId)?.load?.byClass;
      if (!byClass) continue;
      for (const [cls, s] of Object.entries(byClass)) {
        if (s.count === 0) continue;
        classes.push({ ...runFields(r), label: `${r.series} · ${r.connections} conns`, class: cls, p50Us: Math.max(1, s.p50Us), p99Us: Math.max(1, s.p99Us), p999Us: Math.max(1, s.p999Us), count: s.count });
      }
    }
    return { classes };
  },
  spec: () =>
    frame('p99 latency by message class', {
      layer: [
        {
          data: { name: 'classes' },
          mark: { type: 'bar', opacity: 0.55 },
          encoding: {
            x: { field: 'label', type: 'nominal', title: null, axis: { labelAngle: -20, labelLimit: 220 } },
            xOffset: { field: 'class', type: 'nominal' },
            y: { aggregate: 'median', field: 'p99Us', type: 'quantitative', title: 'p99 latency (µs)', scale: { type: 'log' } },
            color: { field: 'class', type: 'nominal', title: 'message class', legend: { orient: 'bottom' } },
          },
        },
        {
          data: { name: 'classes' },
          mark: { type: 'point', filled: true, size: 70, cursor: 'pointer', stroke: 'black', strokeWidth: 0.5 },
          encoding: {
            x: { field: 'label', type: 'nominal' },
            xOffset: { field: 'class', type: 'nominal' },
            y: { field: 'p99Us', type: 'quantitative', scale: { type: 'log' } },
            color: { field: 'class', type: 'nominal' },
            shape: shapeQuality,
            href: { field: 'href' },
            tooltip: runTooltip([
              { field: 'class', title: 'class' },
              { field: 'p50Us', title: 'p50 µs', format: ',.0f' },
              { field: 'p99Us', title: 'p99 µs', format: ',.0f' },
              { field: 'p999Us', title: 'p99.9 µs', format: ',.0f' },
              { field: 'count', title: 'messages' },
            ]),
          },
        },
      ],
    }),
};

const broadcast: ViewDef = {
  id: 'broadcast',
  title: 'Broadcast: time to last receiver',
  description:
    'Broadcast workload: one connection publishes, every connection receives. Per publish, the time until the last receiver had it (p99 per run); ' +
    'the line joins the medians. Lost copies and per-receiver latency are in the tooltip.',
  primary: 'runs',
  emptyText: 'no broadcast runs yet (workload "broadcast")',
  image: true,
  data(model) {
    const runs: Row[] = [];
    for (const r of model.runs) {
      const b = model.cells.get(r.runId)?.broadcast;
      if (!b || r.status !== 'ok' || b.timeToLast.count === 0) continue;
      runs.push({
        ...runFields(r),
        openAtStart: b.openAtStart,
        p50Us: Math.max(1, b.timeToLast.p50Us),
        p99Us: Math.max(1, b.timeToLast.p99Us),
        receiverP99Us: b.latency.p99Us,
        delivered: b.delivered,
        expected: b.expected,
        lost: b.lost,
      });
    }
    return { runs };
  },
  spec: (model) =>
    frame('Time to last receiver, p99 (µs)', {
      layer: [
        {
          data: { name: 'runs' },
          mark: { type: 'line', opacity: 0.7 },
          encoding: { x: connectionsAxis(model), y: { aggregate: 'median', field: 'p99Us', type: 'quantitative', title: 'p99 time to last receiver (µs)', scale: { type: 'log' } }, color: colorSeries() },
        },
        {
          data: { name: 'runs' },
          mark: { type: 'point', filled: true, size: 80, cursor: 'pointer' },
          encoding: {
            x: connectionsAxis(model),
            y: { field: 'p99Us', type: 'quantitative', scale: { type: 'log' } },
            color: colorSeries(),
            shape: shapeQuality,
            href: { field: 'href' },
            tooltip: runTooltip([
              { field: 'p50Us', title: 'time to last p50 µs', format: ',.0f' },
              { field: 'p99Us', title: 'time to last p99 µs', format: ',.0f' },
              { field: 'receiverP99Us', title: 'per-receiver p99 µs', format: ',.0f' },
              { field: 'openAtStart', title: 'receivers' },
              { field: 'delivered', title: 'delivered' },
              { field: 'lost', title: 'lost' },
            ]),
          },
        },
      ],
    }),
};

const timeline: ViewDef = {
  id: 'timeline',
  title: 'Per-second timeline of a run',
  description:
    'Pick a run: replies per second and p99 latency per second of the measured window (from the load generator), and server CPU (cores) and RSS from the /proc samples.',
  primary: 'seconds',
  emptyText: 'no run has a timeline yet',
  picker: 'run',
  image: false,
  data(model) {
    const seconds: Row[] = [];
    const samples: Row[] = [];
    const picker: Row[] = [];
    for (const r of model.runs) {
      const cell = model.cells.get(r.runId)!;
      const tl = cell.load?.timeline ?? [];
      if (tl.length === 0) continue;
      picker.push({ ...runFields(r), label: `${r.series} · ${r.connections} conns · repeat ${r.repeat} · ${r.setLabel}` });
      for (const p of tl) seconds.push({ ...runFields(r), second: p.second, msgsPerSec: p.received, sent: p.sent, p99Us: Math.max(1, p.p99Us) });
      const s = cell.serverResources?.samples ?? [];
      for (let i = 1; i < s.length; i++) {
        const prev = s[i - 1]!;
        const cur = s[i]!;
        const dtS = (cur.tMs - prev.tMs) / 1000;
        if (dtS <= 0) continue;
        samples.push({ ...runFields(r), tS: cur.tMs / 1000, cpuCores: Math.max(0, (cur.cpuSeconds - prev.cpuSeconds) / dtS), rssMiB: cur.rssBytes / 1024 ** 2 });
      }
    }
    return { seconds, samples, picker };
  },
  spec: () => {
    const small = (data: string, field: string, title: string, x: { field: string; title: string }, log = false) => ({
      width: WIDTH,
      height: 90,
      data: { name: data },
      mark: { type: 'line', point: true },
      encoding: {
        x: { field: x.field, type: 'quantitative', title: x.title },
        y: { field, type: 'quantitative', title, ...(log ? { scale: { type: 'log' } } : {}) },
        color: colorSeries(),
        tooltip: [{ field: x.field, title: x.title }, { field, title, format: ',.2f' }],
      },
    });
    return frame('Timeline', {
      vconcat: [
        small('seconds', 'msgsPerSec', 'msgs/s', { field: 'second', title: 'second of window' }),
        small('seconds', 'p99Us', 'p99 (µs)', { field: 'second', title: 'second of window' }, true),
        small('samples', 'cpuCores', 'server CPU (cores)', { field: 'tS', title: 'seconds since sampling began' }),
        small('samples', 'rssMiB', 'server RSS (MiB)', { field: 'tS', title: 'seconds since sampling began' }),
      ],
      width: undefined,
      height: undefined,
    });
  },
};

const coreSweep: ViewDef = {
  id: 'core-sweep',
  title: 'Core sweep',
  description:
    'The same server and load on different server CPU sets (taskset): throughput against the CPUs it may use. Event loops stay flat; models that scale across cores rise. ' +
    'A layout where server and client share a core is marked inconclusive by its verdict.',
  primary: 'runs',
  emptyText: 'no cell was run on more than one server CPU set yet (--server-cpus 0/0-1)',
  image: true,
  data(model) {
    const layouts = new Map<string, Set<string>>();
    const sweepKey = (r: { set: number; seriesNoCpus: string; connections: number }) => `${r.set}|${r.seriesNoCpus}|${r.connections}`;
    for (const r of usable(model)) layouts.set(sweepKey(r), (layouts.get(sweepKey(r)) ?? new Set()).add(r.serverCpus));
    const swept = (r: { set: number; seriesNoCpus: string; connections: number }) => (layouts.get(sweepKey(r))?.size ?? 0) > 1;
    const runs = usable(model)
      .filter(swept)
      .map((r) => ({ ...runFields(r), sweep: `${r.seriesNoCpus} · ${r.connections} conns`, serverCpuCount: r.serverCpuCount, msgsPerSec: r.msgsPerSec }));
    const groups = model.groups
      .filter((g) => g.msgsPerSec !== null && g.messages && swept(g))
      .map((g) => ({ ...groupFields(g), sweep: `${g.seriesNoCpus} · ${g.connections} conns`, serverCpuCount: g.serverCpuCount, median: g.msgsPerSec!.mean }));
    return { runs, groups };
  },
  spec: () => {
    const x = { field: 'serverCpus', type: 'ordinal', title: 'server CPUs', sort: { field: 'serverCpuCount' }, axis: { labelAngle: 0 } };
    const color = { ...colorSeries('sweep'), title: 'series · connections' };
    return frame('Throughput by server CPU set', {
      layer: [
        {
          data: { name: 'groups' },
          transform: [{ filter: "datum.quality !== 'client-bound'" }],
          mark: { type: 'line', opacity: 0.7 },
          encoding: { x, y: { field: 'median', type: 'quantitative', title: 'msgs/s' }, color, detail: { field: 'sweep' } },
        },
        {
          data: { name: 'runs' },
          mark: { type: 'point', filled: true, size: 80, cursor: 'pointer' },
          encoding: {
            x,
            y: { field: 'msgsPerSec', type: 'quantitative', title: 'msgs/s' },
            color,
            shape: shapeQuality,
            href: { field: 'href' },
            tooltip: runTooltip([{ field: 'serverCpus', title: 'server CPUs' }, { field: 'msgsPerSec', title: 'msgs/s', format: ',.0f' }]),
          },
        },
      ],
    });
  },
};

/** Every view in display order. */
export const VIEWS: ViewDef[] = [throughput, latencySpectrum, cpuPerMessage, mixed, memory, broadcast, coreSweep, timeline];

/** The spec with its datasets filled in (what both the browser and Node render). */
export function withData(spec: VlSpec, datasets: Record<string, Row[]>): VlSpec {
  const out: VlSpec = { ...spec, datasets };
  for (const key of Object.keys(out)) if (out[key] === undefined) delete out[key];
  return out;
}
