import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { UsageError } from '../cli/errors.js';
import { PROJECT_ROOT } from '../protocol/paths.js';
import { computeFindings, type Finding } from './findings.js';
import { buildModel, QUALITIES, QUALITY_LABELS, type LoadedResult, type ReportModel } from './model.js';
import { findChromium, renderSvg, svgToPng } from './render.js';
import { FILTER_DIMENSIONS, VIEWS, withData, type Row, type VlSpec } from './views.js';

/**
 * Builds the offline dashboard: a folder that opens from disk (file://) with no server and no network.
 *
 *   index.html          page skeleton; all data embedded as JSON in <script type="application/json">
 *   assets/             dashboard.js (renders with textContent only) and dashboard.css
 *   vendor/             vega, vega-lite and vega-embed minified UMD builds copied from node_modules
 *   results/NN-*.json   byte-for-byte copies of the input result files; every point links to one
 *   images/             with --svg / --png: the main charts as image files
 */

export interface DashboardOptions {
  outDir: string;
  /** Write the main charts as SVG into images/. */
  svg?: boolean;
  /** Also screenshot each SVG into a PNG with chromium (implies the SVGs). */
  png?: boolean;
  /** Chromium for --png; default findChromium(). */
  chromium?: string | null;
  /** ISO time shown in the page; default now. */
  generatedAt?: string;
}

export interface DashboardResult {
  outDir: string;
  indexPath: string;
  /** Per view: rows in its primary dataset (0 = "no data for this view yet"). */
  views: Array<{ id: string; rows: number }>;
  findings: Finding[];
  images: string[];
  /** Vega-Lite/Vega warnings while rendering images. */
  warnings: string[];
}

/** Marks a folder as ours, so a rebuild may clear its generated subfolders and nothing else. */
const MARKER = '.wsarena-dashboard';
const GENERATED = ['assets', 'vendor', 'results', 'images', 'index.html'];
const VENDOR = [
  { pkg: 'vega', file: 'vega.min.js' },
  { pkg: 'vega-lite', file: 'vega-lite.min.js' },
  { pkg: 'vega-embed', file: 'vega-embed.min.js' },
];

/** The page's Content-Security-Policy: local scripts only, nothing fetched from anywhere. Vega compiles its expressions with Function, hence 'unsafe-eval'. */
export const CSP =
  "default-src 'none'; script-src 'self' file: 'unsafe-eval'; style-src 'self' file: 'unsafe-inline'; img-src 'self' file: data:; connect-src 'none'; base-uri 'none'; form-action 'none'";

export async function buildDashboard(results: LoadedResult[], opts: DashboardOptions): Promise<DashboardResult> {
  const outDir = resolve(opts.outDir);
  const chromium = opts.png ? (opts.chromium === undefined ? findChromium() : opts.chromium) : null;
  if (opts.png && !chromium) {
    throw new UsageError('NO_CHROMIUM', '--png screenshots the SVG charts with chromium, which was not found (/usr/bin/chromium); install Debian’s chromium, set WSARENA_CHROMIUM, or use --svg alone');
  }
  prepareOutDir(outDir);
  const model = buildModel(results);
  const findings = computeFindings(model);

  mkdirSync(join(outDir, 'results'), { recursive: true });
  for (const set of model.sets) copyFileSync(set.sourcePath, join(outDir, set.href));
  const vendorVersions = copyVendor(join(outDir, 'vendor'));
  mkdirSync(join(outDir, 'assets'), { recursive: true });
  for (const f of ['dashboard.js', 'dashboard.css']) copyFileSync(join(PROJECT_ROOT, 'report', 'site', f), join(outDir, 'assets', f));

  const views = VIEWS.map((v) => {
    const data = v.data(model);
    return { def: v, data, spec: v.spec(model), rows: data[v.primary]?.length ?? 0 };
  });

  const images: string[] = [];
  const warnings: string[] = [];
  const imageOf = new Map<string, string>();
  const pngJobs: Array<{ svgPath: string; pngPath: string; size: { width: number; height: number } }> = [];
  if (opts.svg || opts.png) {
    mkdirSync(join(outDir, 'images'), { recursive: true });
    for (const v of views) {
      if (!v.def.image || v.rows === 0) continue;
      const rendered = await renderSvg(withData(v.spec, v.data));
      warnings.push(...rendered.warnings.map((w) => `${v.def.id}: ${w}`));
      const svgPath = join(outDir, 'images', `${v.def.id}.svg`);
      writeFileSync(svgPath, rendered.svg);
      images.push(svgPath);
      imageOf.set(v.def.id, `images/${v.def.id}.svg`);
      if (opts.png && chromium) pngJobs.push({ svgPath, pngPath: join(outDir, 'images', `${v.def.id}.png`), size: rendered });
    }
    // One chromium start per image (~1.5 s each); running two at once gained nothing on this 2-core box.
    for (const job of pngJobs) {
      await svgToPng(chromium!, job.svgPath, job.pngPath, job.size);
      images.push(job.pngPath);
    }
  }

  const page = pageData(model, findings, views, imageOf, vendorVersions, opts.generatedAt ?? new Date().toISOString());
  const indexPath = join(outDir, 'index.html');
  writeFileSync(indexPath, renderIndexHtml(page));
  writeFileSync(join(outDir, MARKER), 'generated by wsarena report; the folder may be rebuilt\n');
  return { outDir, indexPath, views: views.map((v) => ({ id: v.def.id, rows: v.rows })), findings, images, warnings };
}

/** Refuses to write into a folder that is neither new, empty, nor a previous dashboard; clears what a previous build made. */
function prepareOutDir(outDir: string): void {
  if (existsSync(outDir)) {
    if (!statSync(outDir).isDirectory()) throw new UsageError('BAD_OUT', `--out ${outDir} is a file; give a folder for the dashboard`);
    const entries = readdirSync(outDir);
    if (entries.length > 0 && !entries.includes(MARKER)) {
      throw new UsageError('BAD_OUT', `--out ${outDir} is not empty and was not made by wsarena report; choose a new or empty folder (e.g. results/dashboard/)`);
    }
    for (const name of GENERATED) rmSync(join(outDir, name), { recursive: true, force: true });
  }
  mkdirSync(outDir, { recursive: true });
}

/** Copies the vendored UMD builds; returns their versions for the provenance panel. */
function copyVendor(dir: string): Record<string, string> {
  mkdirSync(dir, { recursive: true });
  const require = createRequire(import.meta.url);
  const versions: Record<string, string> = {};
  for (const { pkg, file } of VENDOR) {
    const buildDir = dirname(require.resolve(pkg));
    copyFileSync(join(buildDir, file), join(dir, file));
    versions[pkg] = packageVersion(buildDir);
  }
  return versions;
}

function packageVersion(from: string): string {
  let dir = from;
  for (let i = 0; i < 4; i++) {
    const p = join(dir, 'package.json');
    if (existsSync(p)) {
      const json = JSON.parse(readFileSync(p, 'utf8')) as { name?: string; version?: string };
      if (json.name && json.version) return json.version;
    }
    dir = dirname(dir);
  }
  return 'unknown';
}

/** Everything the page shows, as JSON. */
export interface PageData {
  generatedAt: string;
  vendor: Record<string, string>;
  qualities: Array<{ id: string; label: string }>;
  filters: Array<{ field: string; label: string; values: Array<string | number> }>;
  findings: Finding[];
  views: Array<{ id: string; title: string; description: string; primary: string; emptyText: string; picker: string | null; image: string | null; spec: VlSpec; data: Record<string, Row[]> }>;
  runs: Row[];
  sets: Array<Record<string, unknown>>;
}

function pageData(
  model: ReportModel,
  findings: Finding[],
  views: Array<{ def: (typeof VIEWS)[number]; data: Record<string, Row[]>; spec: VlSpec }>,
  images: Map<string, string>,
  vendor: Record<string, string>,
  generatedAt: string,
): PageData {
  const filters = FILTER_DIMENSIONS.map(({ field, label }) => {
    const values = [...new Set(model.runs.map((r) => r[field]))];
    values.sort((a, b) => (typeof a === 'number' && typeof b === 'number' ? a - b : String(a).localeCompare(String(b))));
    return { field, label, values };
  });
  return {
    generatedAt,
    vendor,
    qualities: QUALITIES.map((q) => ({ id: q, label: QUALITY_LABELS[q] })),
    filters,
    findings,
    views: views.map(({ def, data, spec }) => ({
      id: def.id,
      title: def.title,
      description: def.description,
      primary: def.primary,
      emptyText: def.emptyText,
      picker: def.picker ?? null,
      image: images.get(def.id) ?? null,
      spec,
      data,
    })),
    runs: model.runs.map((r) => ({
      runId: r.runId,
      href: r.href,
      setLabel: r.setLabel,
      cellId: r.cellId,
      server: r.server,
      workload: r.workload,
      connections: r.connections,
      load: r.load,
      payload: r.payload,
      serverCpus: r.serverCpus,
      repeat: r.repeat,
      status: r.status,
      quality: r.quality,
      qualityLabel: r.qualityLabel,
      why: r.why,
      msgsPerSec: r.msgsPerSec,
      p99Us: r.p99Us,
      latencyKind: r.latencyKind,
      cpuUsPerMessage: r.cpuUsPerMessage,
    })),
    sets: model.sets.map((s) => ({
      index: s.index,
      label: s.label,
      href: s.href,
      kind: s.kind,
      state: s.state,
      createdAt: s.createdAt,
      command: s.command.join(' '),
      toolVersion: s.tool.version,
      gitCommit: s.tool.gitCommit,
      gitDirty: s.tool.gitDirty,
      environment: s.environment,
      pinnings: s.pinnings,
      cells: s.cells,
    })),
  };
}

/**
 * JSON that is safe inside a <script> element: `<`, `>` and `&` become \u escapes, so no string in a
 * result file can close the element or open a comment; U+2028/2029 are escaped for old parsers.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

export function renderIndexHtml(page: PageData): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<meta name="referrer" content="no-referrer">
<title>wsarena results</title>
<link rel="stylesheet" href="assets/dashboard.css">
</head>
<body>
<noscript>This dashboard draws its charts with JavaScript. The raw result files are in the results/ folder next to this page.</noscript>
<div id="app" aria-live="polite"></div>
<script type="application/json" id="wsarena-data">${jsonForScript(page)}</script>
<script src="vendor/vega.min.js"></script>
<script src="vendor/vega-lite.min.js"></script>
<script src="vendor/vega-embed.min.js"></script>
<script src="assets/dashboard.js"></script>
</body>
</html>
`;
}
