import { isFailureStatus } from '../results/cell-status.js';
import type { MeasuredCell } from '../results/schema.js';
import { colorKey, MAX_SERIES_PER_CHART, serverColorScale } from './colors.js';
import { spectrumOf } from './hdr.js';
import { type GroupRow, measuredCell, QUALITIES, QUALITY_LABELS, type ReportModel, type RunRow } from './model.js';
import { reachedTargetRate } from './target-rate.js';

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

const WIDTH = 520;
const HEIGHT = 300;
/** Panels (one per set of conditions) sit side by side, two to a row, in the dashboard's 1,232 px column. */
const PANEL_WIDTH = 380;
const PANEL_HEIGHT = 200;
const PANEL_COLUMNS = 2;

type Dimensioned = Pick<RunRow, 'server' | 'workload' | 'connections' | 'load' | 'payload' | 'serverCpus' | 'setLabel'>;

function dims(r: Dimensioned): Row {
  return {
    colorKey: colorKey(r.server),
    server: r.server,
    workload: r.workload,
    connections: r.connections,
    load: r.load,
    payload: r.payload,
    serverCpus: r.serverCpus,
    setLabel: r.setLabel,
  };
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

/**
 * Colour = server, with its fixed colour (report/colors.ts) and only the servers this view can show (`shown`) in the
 * legend: at most one entry per server, so ≤ MAX_SERIES_PER_CHART. Other conditions (workload, load, CPUs)
 * become panels or lines (detail), never more colours.
 */
const colorServer = (shown: ReadonlyArray<Pick<RunRow, 'server'>>) => ({
  field: 'colorKey',
  type: 'nominal',
  title: 'server',
  scale: serverColorScale(shown.map((r) => r.server)),
  // On top, in rows: beside two panels a legend on the right would push the chart past the page's width.
  legend: { orient: 'top', direction: 'horizontal', columns: 6, symbolLimit: MAX_SERIES_PER_CHART },
});

/** Shape by verdict with a fixed domain, so the legend always explains every kind of mark. */
const shapeQuality = {
  field: 'qualityLabel',
  type: 'nominal',
  title: 'verdict',
  scale: { domain: QUALITIES.map((q) => QUALITY_LABELS[q]), range: ['circle', 'diamond', 'triangle-up', 'square', 'cross', 'triangle-down'] },
  legend: { orient: 'bottom', direction: 'horizontal', columns: 3 },
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

/**
 * A line per series (`line`: its dataset, filter, y and what tells the lines apart) under the clickable run points
 * (shaped by verdict, linked to their cell, `tooltip` between runTooltip's fields).
 */
function lineOverRuns(
  line: { data: string; transform?: unknown[]; y: unknown; detail: string },
  encoding: { x: unknown; y: unknown; color: unknown },
  tooltip: unknown[],
): VlSpec {
  const { x, y, color } = encoding;
  return {
    layer: [
      {
        data: { name: line.data },
        ...(line.transform ? { transform: line.transform } : {}),
        mark: { type: 'line', opacity: 0.7 },
        encoding: { x, y: line.y, color, detail: { field: line.detail } },
      },
      {
        data: { name: 'runs' },
        mark: { type: 'point', filled: true, size: 80, cursor: 'pointer' },
        encoding: { x, y, color, shape: shapeQuality, href: { field: 'href' }, tooltip: runTooltip(tooltip) },
      },
    ],
  };
}

function frame(title: string | { text: string | string[]; subtitle: string }, extra: VlSpec): VlSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title,
    width: WIDTH,
    height: HEIGHT,
    datasets: {},
    // labelLimit 0 = never truncate: a legend or axis label cut to "ws-lo…" cannot be matched to anything.
    config: {
      font: 'system-ui, sans-serif',
      legend: { labelFontSize: 11, labelLimit: 0, titleLimit: 0 },
      axis: { labelLimit: 0, titleLimit: 0 },
      title: { subtitleColor: '#5d6873', anchor: 'start', limit: 0 },
    },
    ...extra,
  };
}

const usable = (model: ReportModel) => model.runs.filter((r) => r.msgsPerSec !== null && r.messages);

type Better = 'higher' | 'lower';
const betterText = (b: Better) => `${b} is better`;

/** One panel per set of conditions (every parameter but server and connections): one question per chart. */
interface Panel {
  index: number;
  label: string;
  /** Connection counts in the panel, ascending. */
  connections: number[];
}

function panelsOf(rows: ReadonlyArray<Pick<RunRow, 'contextKey' | 'contextLabel' | 'connections'>>): Map<string, Panel> {
  const panels = new Map<string, Panel>();
  for (const r of rows) {
    const p = panels.get(r.contextKey) ?? { index: panels.size, label: r.contextLabel, connections: [] };
    if (!p.connections.includes(r.connections)) p.connections.push(r.connections);
    panels.set(r.contextKey, p);
  }
  for (const p of panels.values()) p.connections.sort((a, b) => a - b);
  return panels;
}

/** The connection count most servers ran in a panel (ties: the larger): where a one-count chart compares them. */
function busiestCount(rows: ReadonlyArray<Pick<RunRow, 'server' | 'connections'>>): number {
  const servers = new Map<number, Set<string>>();
  for (const r of rows) servers.set(r.connections, (servers.get(r.connections) ?? new Set()).add(r.server));
  return [...servers.entries()].sort((a, b) => b[1].size - a[1].size || b[0] - a[0])[0]![0];
}

/** Keeps one panel's rows. A number only: no result string ever enters a Vega expression. */
const inPanel = (p: Panel) => ({ filter: `datum.panel === ${p.index}` });

/** Panels two to a row, each with its own axes (their conditions, and so their scales, differ). */
function panelled(title: string, subtitle: string, panels: VlSpec[]): VlSpec {
  return frame(
    { text: title, subtitle },
    { concat: panels, columns: PANEL_COLUMNS, resolve: { scale: { x: 'independent', y: 'independent' } }, width: undefined, height: undefined },
  );
}

/** Best first within each panel by the groups' means, for sorted bars: `rank` on groups and runs alike. */
function rankWithinPanels(groups: Row[], runs: Row[], value: string, better: Better): void {
  const byPanel = new Map<number, Row[]>();
  for (const g of groups) byPanel.set(g['panel'] as number, [...(byPanel.get(g['panel'] as number) ?? []), g]);
  const rankOf = new Map<string, number>();
  for (const [panel, gs] of byPanel) {
    gs.sort((a, b) => (better === 'higher' ? (b[value] as number) - (a[value] as number) : (a[value] as number) - (b[value] as number)));
    gs.forEach((g, i) => {
      g['rank'] = i;
      rankOf.set(`${panel}|${g['who']}`, i);
    });
  }
  for (const r of runs) r['rank'] = rankOf.get(`${r['panel']}|${r['who']}`) ?? 9_999;
}

interface MetricOpts {
  title: string;
  field: string;
  axisTitle: string;
  format: string;
  better: Better;
  /** Which runs the view plots. */
  include: (r: RunRow) => boolean;
  /** The run's figure, when a panel's y axis may go logarithmic (spread ≥ LOG_SPREAD; every value > 0); else omitted. */
  logValue?: (r: RunRow) => number | null;
}

/** A panel whose largest value is this many times its smallest gets a log axis: else the small ones sit flat on 0. */
const LOG_SPREAD = 20;

/** Panel title in two lines, the workload first: a context label is too long for one line over a 380 px panel. */
function panelTitle(p: Panel, subtitle: string): { text: string[]; subtitle: string } {
  const cut = p.label.indexOf(', ');
  return { text: cut < 0 ? [p.label] : [p.label.slice(0, cut), p.label.slice(cut + 2)], subtitle };
}

/** Runs and groups of a metric, each with its panel, and the groups' rank within it. */
function metricData(
  model: ReportModel,
  opts: MetricOpts,
  runValue: (r: RunRow) => number | null,
  groupValue: (g: GroupRow) => { mean: number; low: number | null; high: number | null } | null,
): Record<string, Row[]> {
  const included = model.runs.filter(opts.include);
  const panels = panelsOf(included);
  const keys = new Set(included.map((r) => r.groupKey));
  const runs = included.map((r) => ({ ...runFields(r), panel: panels.get(r.contextKey)!.index, [opts.field]: runValue(r) }));
  const groups = model.groups
    .filter((g) => keys.has(g.groupKey) && g.quality !== 'failed' && groupValue(g) !== null)
    .map((g) => {
      const v = groupValue(g)!;
      // Every metric here is non-negative: a CI reaching below 0 is drawn from 0, so no axis runs negative.
      return { ...groupFields(g), panel: panels.get(g.contextKey)!.index, median: v.mean, low: v.low === null ? null : Math.max(0, v.low), high: v.high };
    });
  rankWithinPanels(groups, runs, 'median', opts.better);
  return { runs, groups };
}

/**
 * A metric per panel: against connections (log axis) where the panel has several counts, per-run points (shape =
 * verdict), CI bars and a line through the means; as bars sorted best first where it has one.
 */
function metricPanels(model: ReportModel, opts: MetricOpts): VlSpec {
  const panels = [...panelsOf(model.runs.filter(opts.include)).values()];
  const axisTitle = `${opts.axisTitle} (${betterText(opts.better)})`;
  const tooltip = runTooltip([{ field: opts.field, title: opts.axisTitle, format: opts.format }]);
  const included = model.runs.filter(opts.include);
  const color = colorServer(included);
  const specs = panels.map((p): VlSpec => {
    if (p.connections.length > 1) {
      const x = {
        field: 'connections',
        type: 'quantitative',
        title: 'connections (log scale)',
        scale: { type: 'log' },
        axis: { values: p.connections, format: '~s' },
      };
      const values = opts.logValue ? included.filter((r) => panelsOf(included).get(r.contextKey)?.index === p.index).map(opts.logValue) : [];
      const positive = values.filter((v): v is number => v !== null && v > 0);
      const log =
        opts.logValue !== undefined && positive.length === values.length && positive.length > 0 && Math.max(...positive) >= LOG_SPREAD * Math.min(...positive);
      const y = {
        field: opts.field,
        type: 'quantitative',
        title: log ? `${opts.axisTitle} (log scale; ${betterText(opts.better)})` : axisTitle,
        ...(log ? { scale: { type: 'log' } } : {}),
      };
      return {
        title: panelTitle(p, `${p.connections.length} connection counts`),
        width: PANEL_WIDTH,
        height: PANEL_HEIGHT,
        layer: [
          {
            data: { name: 'groups' },
            transform: [inPanel(p), { filter: "datum.quality !== 'client-bound'" }],
            mark: { type: 'line', strokeWidth: 1.5, opacity: 0.7 },
            encoding: { x, y: { ...y, field: 'median' }, color: color, detail: { field: 'series' } },
          },
          {
            data: { name: 'groups' },
            transform: [
              inPanel(p),
              { filter: 'isValid(datum.low) && isValid(datum.high)' },
              // A log axis has no 0: an interval reaching 0 is drawn down to the panel's floor (half its smallest run) instead.
              ...(log ? [{ calculate: `max(datum.low, ${Math.min(...positive) / 2})`, as: 'low' }] : []),
            ],
            mark: { type: 'rule', strokeWidth: 1.5 },
            encoding: { x, y: { ...y, field: 'low' }, y2: { field: 'high' }, color: color },
          },
          {
            data: { name: 'runs' },
            transform: [inPanel(p)],
            mark: { type: 'point', filled: true, size: 70, opacity: 0.9, cursor: 'pointer' },
            encoding: { x, y, color: color, shape: shapeQuality, href: { field: 'href' }, tooltip },
          },
        ],
      };
    }
    const y = { field: 'who', type: 'nominal', title: null, sort: { field: 'rank', op: 'min' } };
    const x = { field: opts.field, type: 'quantitative', title: axisTitle };
    return {
      title: panelTitle(p, `${p.connections[0]} connections · bars: mean of runs, best first`),
      width: PANEL_WIDTH,
      height: { step: 22 },
      layer: [
        {
          data: { name: 'groups' },
          transform: [inPanel(p)],
          mark: { type: 'bar', opacity: 0.5 },
          encoding: { y, x: { ...x, field: 'median', stack: null }, color: color },
        },
        {
          data: { name: 'groups' },
          transform: [inPanel(p), { filter: 'isValid(datum.low) && isValid(datum.high)' }],
          mark: { type: 'rule', strokeWidth: 1.5 },
          encoding: { y, x: { ...x, field: 'low' }, x2: { field: 'high' }, color: { value: '#1d2329' } },
        },
        {
          data: { name: 'runs' },
          transform: [inPanel(p)],
          mark: { type: 'point', filled: true, size: 60, opacity: 0.9, cursor: 'pointer' },
          encoding: { y, x, color: color, shape: shapeQuality, href: { field: 'href' }, tooltip },
        },
      ],
    };
  });
  return panelled(opts.title, `one panel per set of conditions; ${betterText(opts.better)}`, specs);
}

const THROUGHPUT_OPTS: MetricOpts = {
  title: 'Throughput (msgs/s)',
  field: 'msgsPerSec',
  axisTitle: 'msgs/s',
  format: ',.0f',
  better: 'higher',
  // Open-loop runs that kept up replied at the schedule's rate: their figure is latency, not throughput.
  include: (r) => r.messages && (r.msgsPerSec !== null || isFailureStatus(r.status)) && !reachedTargetRate(r),
};

const throughput: ViewDef = {
  id: 'throughput',
  title: 'Throughput',
  description:
    'Replies per second in the measured window, one panel per set of conditions. Points: each run; bar (one connection count, best first) or line ' +
    '(several, log axis): the mean over repeats; rule: its 95% CI. Failed runs sit at 0 as crosses; client-bound runs are triangles and stay off ' +
    'the line: they are only lower bounds on the server. ' +
    'Open-loop runs that kept up with their target rate are left out: their figure is latency.',
  primary: 'runs',
  emptyText: 'no run has a load report yet',
  image: true,
  data: (model) =>
    metricData(
      model,
      THROUGHPUT_OPTS,
      (r) => r.msgsPerSec ?? 0,
      (g) => g.msgsPerSec,
    ),
  spec: (model) => metricPanels(model, THROUGHPUT_OPTS),
};

const CPU_OPTS: MetricOpts = {
  title: 'Server CPU per message (µs)',
  field: 'cpuUsPerMessage',
  axisTitle: 'CPU µs / message',
  format: '.2f',
  better: 'lower',
  include: (r) => r.messages && r.msgsPerSec !== null && r.cpuUsPerMessage !== null,
  logValue: (r) => r.cpuUsPerMessage,
};

const cpuPerMessage: ViewDef = {
  id: 'cpu-per-message',
  title: 'Server CPU per message',
  description:
    'Server process-tree CPU time in the window divided by the messages it handled (µs), one panel per set of conditions, drawn as the throughput view. ' +
    'Stable even when the server is not saturated, so it compares Node, uWS and Go directly. Lower is cheaper.',
  primary: 'runs',
  emptyText: 'no run measured server CPU yet',
  image: true,
  data: (model) =>
    metricData(
      model,
      CPU_OPTS,
      (r) => r.cpuUsPerMessage,
      (g) => g.cpuUsPerMessage,
    ),
  spec: (model) => metricPanels(model, CPU_OPTS),
};

/** Percentiles marked on the spectrum lines (as 1/(1−p)). */
const MARKED_INVERSE_TAILS = [2, 10, 100, 1000, 10_000, 100_000];

/** Latency is shown in ms: µs up to 10,000,000 is unreadable. Histograms hold µs. */
const US_PER_MS = 1000;

/** Per panel (conditions), the connection count most servers ran: the spectrum compares servers there. */
function spectrumPanels(model: ReportModel): { panels: Map<string, Panel>; countOf: Map<string, number> } {
  const runs = usable(model);
  const panels = panelsOf(runs);
  const countOf = new Map<string, number>();
  for (const key of panels.keys()) countOf.set(key, busiestCount(runs.filter((r) => r.contextKey === key)));
  return { panels, countOf };
}

const latencySpectrum: ViewDef = {
  id: 'latency-spectrum',
  title: 'Latency percentile spectrum',
  description:
    'Latency at every percentile, from the HDR histograms of the runs (repeats merged), on HdrHistogram’s 1/(1−p) axis so the tail gets room; ' +
    'one panel per set of conditions, at the connection count most servers ran. ' +
    'Solid: corrected latency (from the intended send time, open loop); dashed: service time (from the actual send). Faded lines are client-bound.',
  primary: 'lines',
  emptyText: 'no run has a latency histogram yet',
  image: true,
  data(model) {
    const lines: Row[] = [];
    const marks: Row[] = [];
    const { panels, countOf } = spectrumPanels(model);
    const byGroup = new Map<string, Array<{ run: RunRow; cell: MeasuredCell }>>();
    for (const r of usable(model)) byGroup.set(r.groupKey, [...(byGroup.get(r.groupKey) ?? []), { run: r, cell: measuredCell(model, r.runId)! }]);
    for (const g of model.groups) {
      const members = byGroup.get(g.groupKey);
      if (!members || countOf.get(g.contextKey) !== g.connections) continue;
      for (const kind of ['corrected', 'service'] as const) {
        const encoded = members.map((m) => m.cell.load?.[kind]?.encoded).filter((e): e is string => typeof e === 'string');
        if (encoded.length === 0) continue;
        const points = spectrumOf(encoded);
        const base = {
          ...groupFields(g),
          panel: panels.get(g.contextKey)!.index,
          line: `${g.series} · ${g.connections} conns`,
          kind,
          lineId: `${g.groupKey}|${kind}`,
          runs: encoded.length,
        };
        for (const p of points) {
          const row = { ...base, inverseTail: p.inverseTail, percentile: p.percentile, valueMs: Math.max(1, p.valueUs) / US_PER_MS };
          lines.push(row);
          if (MARKED_INVERSE_TAILS.some((t) => Math.abs(Math.log10(p.inverseTail / t)) < 1e-9)) marks.push(row);
        }
      }
    }
    return { lines, marks };
  },
  spec(model) {
    const { panels, countOf } = spectrumPanels(model);
    const [...keys] = panels.keys();
    const color = colorServer(usable(model));
    const x = {
      field: 'inverseTail',
      type: 'quantitative',
      title: 'percentile',
      scale: { type: 'log' },
      axis: { values: [2, 10, 100, 1000, 10_000, 100_000, 1_000_000], labelExpr: "format(100 - 100 / datum.value, '.4~f') + '%'" },
    };
    const y = { field: 'valueMs', type: 'quantitative', title: `latency (ms, log scale; ${betterText('lower')})`, scale: { type: 'log' } };
    const specs = keys.map((key) => {
      const p = panels.get(key)!;
      return {
        title: panelTitle(p, `${countOf.get(key)} connections`),
        width: PANEL_WIDTH,
        height: PANEL_HEIGHT,
        layer: [
          {
            data: { name: 'lines' },
            transform: [inPanel(p)],
            mark: { type: 'line', interpolate: 'step-after', strokeWidth: 1.8 },
            encoding: {
              x,
              y,
              color: color,
              strokeDash: {
                field: 'kind',
                type: 'nominal',
                title: 'latency',
                scale: {
                  domain: ['corrected', 'service'],
                  range: [
                    [1, 0],
                    [5, 3],
                  ],
                },
                legend: { orient: 'top' },
              },
              opacity: { condition: { test: "datum.quality === 'client-bound'", value: 0.4 }, value: 1 },
              detail: { field: 'lineId' },
            },
          },
          {
            data: { name: 'marks' },
            transform: [inPanel(p)],
            mark: { type: 'point', filled: true, size: 50, cursor: 'pointer' },
            encoding: {
              x,
              y,
              color: color,
              shape: shapeQuality,
              href: { field: 'href' },
              tooltip: [
                { field: 'line', title: 'series' },
                { field: 'kind', title: 'latency' },
                { field: 'percentile', title: 'percentile', format: '.4~f' },
                { field: 'valueMs', title: 'ms', format: ',.3f' },
                { field: 'runs', title: 'runs merged' },
                { field: 'qualityLabel', title: 'verdict' },
              ],
            },
          },
        ],
      };
    });
    return panelled('Latency by percentile (ms)', `one panel per set of conditions, at the connection count most servers ran; ${betterText('lower')}`, specs);
  },
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

/** "ws-loop · ramp to 19000": ramps of different size never share a label (their lines would merge). */
const rampLabel = (r: RunRow) => `${r.series} · ramp to ${r.connections}`;

const memory: ViewDef = {
  id: 'memory',
  title: 'Memory per connection (idle ramp)',
  description:
    'Idle workload: server memory (process tree, native memory included; PSS for multi-process servers, else RSS) against open connections as the ramp ' +
    'steps up, one line per ramp. Bytes per connection is the least-squares slope, not RSS / N; the ramp’s end is the server’s ceiling when it stopped short of the target.',
  primary: 'points',
  emptyText: 'no idle-ramp runs yet (workload "idle")',
  image: true,
  data(model) {
    const points: Row[] = [];
    const slopes: Row[] = [];
    for (const r of model.runs) {
      const cell = measuredCell(model, r.runId);
      if (r.workload !== 'idle' || cell === undefined) continue;
      const ramp = rampLabel(r);
      if (cell.idle) {
        const idle = cell.idle;
        for (const p of idle.points) {
          const bytes = idle.memoryBasis === 'pss' && p.pssBytes !== null ? p.pssBytes : p.rssBytes;
          points.push({ ...runFields(r), ramp, open: p.open, memoryMiB: bytes / 1024 ** 2, step: p.step, memoryKind: idle.memoryBasis.toUpperCase() });
        }
        if (idle.bytesPerConnection !== null) {
          slopes.push({
            ...runFields(r),
            ramp,
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
      for (const s of res.samples)
        points.push({
          ...runFields(r),
          ramp,
          open: s.fds,
          memoryMiB: (usePss ? s.pssBytes! : s.rssBytes) / 1024 ** 2,
          step: null,
          memoryKind: usePss ? 'PSS' : 'RSS',
        });
      if (bytesPerConnection !== null)
        slopes.push({
          ...runFields(r),
          ramp,
          kibPerConnection: bytesPerConnection / 1024,
          kernelKibPerConnection: null,
          r2: null,
          ceiling: null,
          stoppedBy: null,
          memoryKind: usePss ? 'PSS' : 'RSS',
        });
    }
    return { points, slopes };
  },
  spec: (model) => {
    const color = colorServer(model.runs.filter((r) => r.workload === 'idle' && r.status !== 'skipped'));
    // Memory is never negative: the axis starts at 0 and a fitted line that would dip below it is clipped.
    const y = { field: 'memoryMiB', type: 'quantitative', title: `server memory (MiB; ${betterText('lower')})`, scale: { domainMin: 0, zero: true } };
    return frame(
      { text: 'Memory against open connections', subtitle: `idle ramp, one line per ramp (server · ramp size); ${betterText('lower')}` },
      {
        hconcat: [
          {
            width: 460,
            height: HEIGHT,
            layer: [
              {
                data: { name: 'points' },
                mark: { type: 'point', size: 30, filled: true, opacity: 0.7, clip: true },
                encoding: {
                  x: { field: 'open', type: 'quantitative', title: 'open connections' },
                  y,
                  color: color,
                  shape: shapeQuality,
                  tooltip: runTooltip([
                    { field: 'ramp', title: 'ramp' },
                    { field: 'open', title: 'open' },
                    { field: 'memoryMiB', title: 'MiB', format: '.1f' },
                    { field: 'memoryKind', title: 'memory' },
                  ]),
                },
              },
              {
                data: { name: 'points' },
                transform: [{ regression: 'memoryMiB', on: 'open', groupby: ['ramp', 'server'] }],
                mark: { type: 'line', strokeWidth: 1.5, clip: true },
                encoding: { x: { field: 'open', type: 'quantitative' }, y, color: color, detail: { field: 'ramp' } },
              },
            ],
          },
          {
            width: 300,
            height: { step: 22 },
            data: { name: 'slopes' },
            // Points on a log axis: per-connection memory spans 0.3 KiB (uws) to MiB (a worker per connection).
            // A slope ≤ 0 (memory fell as connections rose: noise) has no place on it; the tooltip of the scatter keeps it.
            transform: [{ filter: 'datum.kibPerConnection > 0' }],
            mark: { type: 'point', filled: true, size: 90, cursor: 'pointer' },
            encoding: {
              y: { field: 'ramp', type: 'nominal', title: null, sort: { field: 'kibPerConnection', order: 'ascending' } },
              x: {
                field: 'kibPerConnection',
                type: 'quantitative',
                title: `KiB per connection, user (log scale; ${betterText('lower')})`,
                scale: { type: 'log' },
              },
              color: color,
              href: { field: 'href' },
              tooltip: runTooltip([
                { field: 'ramp', title: 'ramp' },
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
      },
    );
  },
};

/** Mixed-workload runs with per-class figures; panels by conditions at the busiest connection count. */
function mixedRuns(model: ReportModel): { runs: RunRow[]; panels: Map<string, Panel>; countOf: Map<string, number> } {
  const all = usable(model).filter((r) => measuredCell(model, r.runId)?.load?.byClass?.['cheap'] !== undefined);
  const panels = panelsOf(all);
  const countOf = new Map<string, number>();
  for (const key of panels.keys()) countOf.set(key, busiestCount(all.filter((r) => r.contextKey === key)));
  return { runs: all.filter((r) => countOf.get(r.contextKey) === r.connections), panels, countOf };
}

const mixed: ViewDef = {
  id: 'mixed',
  title: 'Mixed workload: cheap-message latency',
  description:
    'In the mixed workload a few messages are heavy (WORK) and the rest cheap (ECHO). Coloured tick: median over runs of the cheap messages’ p99, best first; dots: each run; ' +
    'black tick: the heavy messages’ median time. A server whose cheap p99 reaches the tick blocks cheap messages behind heavy ones (head-of-line blocking).',
  primary: 'classes',
  emptyText: 'no mixed-workload runs yet (workload "mixed")',
  image: true,
  data(model) {
    const classes: Row[] = [];
    const { runs, panels } = mixedRuns(model);
    for (const r of runs) {
      const byClass = measuredCell(model, r.runId)!.load!.byClass!;
      const cheap = byClass['cheap']!;
      const heavy = byClass['heavy'];
      classes.push({
        ...runFields(r),
        panel: panels.get(r.contextKey)!.index,
        // At least 1 µs: the axis is logarithmic and a histogram can report 0.
        cheapP50Ms: Math.max(1, cheap.p50Us) / US_PER_MS,
        cheapP99Ms: Math.max(1, cheap.p99Us) / US_PER_MS,
        cheapP999Ms: Math.max(1, cheap.p999Us) / US_PER_MS,
        heavyP50Ms: heavy && heavy.count > 0 ? Math.max(1, heavy.p50Us) / US_PER_MS : null,
        count: cheap.count,
      });
    }
    return { classes };
  },
  spec: (model) => {
    const { runs, panels, countOf } = mixedRuns(model);
    const color = colorServer(runs);
    const y = { field: 'who', type: 'nominal', title: null, sort: { op: 'median', field: 'cheapP99Ms', order: 'ascending' } };
    const x = `cheap-message p99 (ms, log scale; ${betterText('lower')})`;
    const specs = [...panels.entries()].map(([key, p]) => ({
      title: panelTitle(p, `${countOf.get(key)} connections`),
      width: PANEL_WIDTH,
      height: { step: 22 },
      data: { name: 'classes' },
      transform: [inPanel(p)],
      layer: [
        // Log scale: cheap p99 spans 1 ms to seconds across models; bars on a log axis would start nowhere, so ticks.
        {
          mark: { type: 'tick', thickness: 4, size: 18 },
          encoding: { y, x: { aggregate: 'median', field: 'cheapP99Ms', type: 'quantitative', title: x, scale: { type: 'log' } }, color: color },
        },
        {
          mark: { type: 'tick', color: '#1d2329', thickness: 2, size: 18 },
          encoding: { y, x: { aggregate: 'median', field: 'heavyP50Ms', type: 'quantitative' } },
        },
        {
          mark: { type: 'point', filled: true, size: 60, cursor: 'pointer', stroke: 'black', strokeWidth: 0.5 },
          encoding: {
            y,
            x: { field: 'cheapP99Ms', type: 'quantitative' },
            color: color,
            shape: shapeQuality,
            href: { field: 'href' },
            tooltip: runTooltip([
              { field: 'cheapP50Ms', title: 'cheap p50 ms', format: ',.3f' },
              { field: 'cheapP99Ms', title: 'cheap p99 ms', format: ',.3f' },
              { field: 'cheapP999Ms', title: 'cheap p99.9 ms', format: ',.3f' },
              { field: 'heavyP50Ms', title: 'heavy p50 ms', format: ',.3f' },
              { field: 'count', title: 'cheap messages' },
            ]),
          },
        },
      ],
    }));
    return panelled('Cheap-message p99 under mixed load (ms)', `one panel per set of conditions; tick = heavy messages’ median; ${betterText('lower')}`, specs);
  },
};

const broadcast: ViewDef = {
  id: 'broadcast',
  title: 'Broadcast: time to last receiver',
  description:
    'Broadcast workload: one connection publishes, every connection receives. Per publish, the time until the last receiver had it (p99 per run, ms); ' +
    'the line joins the medians. Lost copies and per-receiver latency are in the tooltip.',
  primary: 'runs',
  emptyText: 'no broadcast runs yet (workload "broadcast")',
  image: true,
  data(model) {
    const runs: Row[] = [];
    for (const r of model.runs) {
      const b = measuredCell(model, r.runId)?.broadcast;
      if (!b || r.status !== 'ok' || b.timeToLast.count === 0) continue;
      runs.push({
        ...runFields(r),
        openAtStart: b.openAtStart,
        p50Ms: Math.max(1, b.timeToLast.p50Us) / US_PER_MS,
        p99Ms: Math.max(1, b.timeToLast.p99Us) / US_PER_MS,
        receiverP99Ms: b.latency.p99Us / US_PER_MS,
        delivered: b.delivered,
        expected: b.expected,
        lost: b.lost,
      });
    }
    return { runs };
  },
  spec: (model) => {
    const shown = model.runs.filter((r) => measuredCell(model, r.runId)?.broadcast);
    const color = colorServer(shown);
    const counts = [...new Set(shown.map((r) => r.connections))].sort((a, b) => a - b);
    const x = {
      field: 'connections',
      type: 'quantitative',
      title: counts.length > 1 ? 'connections (log scale)' : 'connections',
      scale: counts.length > 1 ? { type: 'log' } : { zero: false },
      axis: { values: counts, format: '~s' },
    };
    const y = { field: 'p99Ms', type: 'quantitative', title: `p99 time to last receiver (ms, log scale; ${betterText('lower')})`, scale: { type: 'log' } };
    return frame(
      { text: 'Time to last receiver, p99 (ms)', subtitle: betterText('lower') },
      lineOverRuns({ data: 'runs', y: { ...y, aggregate: 'median' }, detail: 'series' }, { x, y, color }, [
        { field: 'p50Ms', title: 'time to last p50 ms', format: ',.3f' },
        { field: 'p99Ms', title: 'time to last p99 ms', format: ',.3f' },
        { field: 'receiverP99Ms', title: 'per-receiver p99 ms', format: ',.3f' },
        { field: 'openAtStart', title: 'receivers' },
        { field: 'delivered', title: 'delivered' },
        { field: 'lost', title: 'lost' },
      ]),
    );
  },
};

const timeline: ViewDef = {
  id: 'timeline',
  title: 'Per-second timeline of a run',
  description:
    'Pick a run: replies per second and p99 latency (ms) per second of the measured window (from the load generator), and server CPU (cores) and RSS from the /proc samples.',
  primary: 'seconds',
  emptyText: 'no run has a timeline yet',
  picker: 'run',
  image: false,
  data(model) {
    const seconds: Row[] = [];
    const samples: Row[] = [];
    const picker: Row[] = [];
    for (const r of model.runs) {
      // A skipped run has no timeline.
      const cell = measuredCell(model, r.runId);
      if (cell === undefined) continue;
      const tl = cell.load?.timeline ?? [];
      if (tl.length === 0) continue;
      picker.push({ ...runFields(r), label: `${r.series} · ${r.connections} conns · repeat ${r.repeat} · ${r.setLabel}` });
      for (const p of tl) seconds.push({ ...runFields(r), second: p.second, msgsPerSec: p.received, sent: p.sent, p99Ms: Math.max(1, p.p99Us) / US_PER_MS });
      const s = cell.serverResources?.samples ?? [];
      for (let i = 1; i < s.length; i++) {
        const prev = s[i - 1]!;
        const cur = s[i]!;
        const dtS = (cur.tMs - prev.tMs) / 1000;
        if (dtS <= 0) continue;
        samples.push({
          ...runFields(r),
          tS: cur.tMs / 1000,
          cpuCores: Math.max(0, (cur.cpuSeconds - prev.cpuSeconds) / dtS),
          rssMiB: cur.rssBytes / 1024 ** 2,
        });
      }
    }
    return { seconds, samples, picker };
  },
  spec: (model) => {
    const color = colorServer(model.runs.filter((r) => (measuredCell(model, r.runId)?.load?.timeline?.length ?? 0) > 0));
    const small = (data: string, field: string, title: string, x: { field: string; title: string }, log = false) => ({
      width: WIDTH,
      height: 90,
      data: { name: data },
      mark: { type: 'line', point: true },
      encoding: {
        x: { field: x.field, type: 'quantitative', title: x.title },
        y: { field, type: 'quantitative', title, scale: log ? { type: 'log' } : { zero: true } },
        color: color,
        tooltip: [
          { field: x.field, title: x.title },
          { field, title, format: ',.2f' },
        ],
      },
    });
    return frame('Timeline', {
      vconcat: [
        small('seconds', 'msgsPerSec', 'msgs/s', { field: 'second', title: 'second of window' }),
        small('seconds', 'p99Ms', 'p99 (ms, log)', { field: 'second', title: 'second of window' }, true),
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
  spec: (model) => {
    const x = { field: 'serverCpus', type: 'ordinal', title: 'server CPUs', sort: { field: 'serverCpuCount' }, axis: { labelAngle: 0 } };
    const color = colorServer(usable(model));
    const y = { field: 'msgsPerSec', type: 'quantitative', title: `msgs/s (${betterText('higher')})` };
    return frame(
      { text: 'Throughput by server CPU set', subtitle: `one line per server, workload and connection count; ${betterText('higher')}` },
      lineOverRuns(
        { data: 'groups', transform: [{ filter: "datum.quality !== 'client-bound'" }], y: { ...y, field: 'median' }, detail: 'sweep' },
        { x, y, color },
        [
          { field: 'sweep', title: 'line' },
          { field: 'serverCpus', title: 'server CPUs' },
          { field: 'msgsPerSec', title: 'msgs/s', format: ',.0f' },
        ],
      ),
    );
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
