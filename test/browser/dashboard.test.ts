import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../protocol/paths.js';
import { buildDashboard } from '../../report/dashboard.js';
import { CHROMIUM_FLAGS } from '../../report/render.js';
import { VIEWS } from '../../report/views.js';
import { readResults } from '../../results/reader.js';
import { HOSTILE, writeSampleResults } from '../report/sample-results.js';

/**
 * The dashboard in a real browser: Debian's chromium driven by playwright-core (which never downloads
 * a browser), opened from disk over file:// exactly as a reader would. See DEVELOPERS.md, "Browser tests".
 */

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = join(PROJECT_ROOT, 'test', 'browser', 'artifacts');
const FIRST_SCREEN = { width: 1280, height: 800 };
/** Most prose a reader wades through before the first table or chart (issue 13 acceptance). */
const MAX_WORDS_BEFORE_FIRST_TABLE = 150;

describe.skipIf(!existsSync(CHROMIUM))('dashboard in chromium', () => {
  let context: BrowserContext;
  let page: Page;
  let profile: string;
  let work: string;
  const errors: string[] = [];
  const warnings: string[] = [];
  const remoteRequests: string[] = [];

  /** Waits until every view has finished (re-)rendering. */
  const ready = () => page.waitForSelector('body[data-ready="true"]', { timeout: 15_000 });
  const viewState = (id: string) => page.getAttribute(`#view-${id}`, 'data-state');
  const viewRows = async (id: string) => Number(await page.getAttribute(`#view-${id}`, 'data-rows'));
  /** The data behind the drawn marks of a view (Vega's SVG renderer keeps each item on its element). */
  const markData = (id: string) =>
    page.evaluate((viewId) => {
      const els = [...document.querySelectorAll(`#view-${viewId} .chart svg g.role-mark > path`)] as Array<
        Element & { __data__?: { datum?: Record<string, unknown> } }
      >;
      return els.map((e) => e.__data__?.datum ?? null).filter((d) => d !== null);
    }, id);

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'wsarena-browser-'));
    profile = mkdtempSync(join(tmpdir(), 'wsarena-chromium-profile-'));
    const paths = writeSampleResults(join(work, 'in'));
    await buildDashboard(readResults(paths), { outDir: join(work, 'site') });
    // A second site from the hostile file alone: most views have nothing to draw there.
    await buildDashboard(readResults(paths.filter((p) => p.endsWith('hostile.json'))), { outDir: join(work, 'small') });
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_FLAGS,
      // The first screen of issue 13: a 1280×800 laptop.
      viewport: FIRST_SCREEN,
    });
    page = await context.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
      if (m.type() === 'warning') warnings.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
    page.on('request', (r) => {
      if (!r.url().startsWith('file:') && !r.url().startsWith('data:')) remoteRequests.push(r.url());
    });
    await page.goto(pathToFileURL(join(work, 'site', 'index.html')).href);
    await ready();
  }, 30_000);

  afterAll(async () => {
    await context?.close();
    rmSync(profile, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  });

  it('renders data points in every view for the sample results', async () => {
    for (const v of VIEWS) {
      expect(await viewState(v.id), v.id).toBe('rendered');
      expect(await viewRows(v.id), v.id).toBeGreaterThan(0);
      expect((await markData(v.id)).length, v.id).toBeGreaterThan(0);
    }
    // Throughput: one symbol per run (48 runs with a load report or a failure), each linking to its raw result.
    const points = (await markData('throughput')).filter((d) => 'runId' in d);
    expect(points).toHaveLength(await viewRows('throughput'));
    expect(points.every((d) => /^results\/\d\d-[\w.-]+\.json$/.test(String(d['href'])))).toBe(true);
    expect(existsSync(join(work, 'site', String(points[0]!['href'])))).toBe(true);
  });

  it('the first screen shows the claims table and the scorecard, after at most 150 words', async () => {
    await page.evaluate(() => window.scrollTo(0, 0));
    for (const sel of ['#claims table.claims', '#scorecard table.scorecard']) {
      const box = await page.locator(sel).boundingBox();
      expect(box, sel).not.toBeNull();
      expect(box!.y, sel).toBeGreaterThanOrEqual(0);
      expect(box!.y + box!.height, sel).toBeLessThanOrEqual(FIRST_SCREEN.height);
    }
    expect(await page.locator('#claims tbody tr').count()).toBe(5);
    // Every scored server has a row; the best figure of a column is marked.
    expect(await page.locator('#scorecard tbody tr').count()).toBeGreaterThan(1);
    expect(await page.locator('#scorecard td.best').count()).toBeGreaterThan(0);
    const before = await page.evaluate(() => {
      const first = document.querySelector('table, svg')!;
      const walker = document.createTreeWalker(document.getElementById('app')!, NodeFilter.SHOW_TEXT);
      const parts: string[] = [];
      for (let n = walker.nextNode(); n; n = walker.nextNode()) {
        if (first.compareDocumentPosition(n) & Node.DOCUMENT_POSITION_FOLLOWING || first.contains(n)) break;
        parts.push(n.textContent ?? '');
      }
      return parts.join(' ');
    });
    expect(before.split(/\s+/).filter((w) => w !== '').length).toBeLessThanOrEqual(MAX_WORDS_BEFORE_FIRST_TABLE);
    // Findings, runs and provenance are folded below.
    for (const id of ['findings', 'runs', 'environment']) expect(await page.locator(`details#${id}`).getAttribute('open'), id).toBeNull();
  });

  it('every chart legend has at most 12 entries and no truncated label', async () => {
    const legends = await page.evaluate(() =>
      [...document.querySelectorAll('.view .chart svg g.role-legend')].map((g) => ({
        view: g.closest('.view')!.id,
        labels: [...g.querySelectorAll('g.role-legend-label text')].map((t) => t.textContent ?? ''),
      })),
    );
    expect(legends.length).toBeGreaterThan(0);
    for (const l of legends) {
      expect(l.labels.length, l.view).toBeGreaterThan(0);
      expect(l.labels.length, l.view).toBeLessThanOrEqual(12);
      // Vega truncates a label that exceeds labelLimit with an ellipsis.
      for (const label of l.labels) expect(label, l.view).not.toContain('…');
    }
    const axisLabels = await page.evaluate(() => [...document.querySelectorAll('.view .chart svg g.role-axis-label text')].map((t) => t.textContent ?? ''));
    expect(axisLabels.filter((t) => t.includes('…'))).toEqual([]);
  });

  it('marks client-bound and failed runs differently, with a legend', async () => {
    const points = (await markData('throughput')).filter((d) => 'runId' in d);
    expect(points.filter((d) => d['quality'] === 'client-bound').length).toBeGreaterThan(0);
    expect(points.filter((d) => d['quality'] === 'failed').every((d) => d['msgsPerSec'] === 0)).toBe(true);
    const legend = (await page.locator('#view-throughput .chart svg .role-legend').allTextContents()).join(' ');
    expect(legend).toContain('client-bound: lower bound only');
    expect(legend).toContain('failed');
    expect(await page.locator('#runs tr[data-quality="failed"]').count()).toBe(4);
  });

  it('filters by server, workload and parameter, in charts and the runs table', async () => {
    const all = await viewRows('throughput');
    const uws = (await markData('throughput')).filter((d) => d['server'] === 'uws' && 'runId' in d).length;
    expect(uws).toBe(9);
    await page.locator('fieldset[data-filter="server"] input[value="uws"]').uncheck();
    await ready();
    expect(await viewRows('throughput')).toBe(all - uws);
    expect((await markData('throughput')).some((d) => d['server'] === 'uws')).toBe(false);
    expect(await page.locator('#runs tbody tr', { hasText: /^uws/ }).count()).toBe(0);

    for (const w of ['echo', 'mixed']) await page.locator(`fieldset[data-filter="workload"] input[value="${w}"]`).uncheck();
    await ready();
    expect(await viewState('throughput')).toBe('filtered-out');
    expect(await page.textContent('#view-throughput .empty')).toBe('No data matches the filters.');
    expect(await viewState('memory')).toBe('rendered');

    await page.locator('#reset-filters').click();
    await ready();
    expect(await viewRows('throughput')).toBe(all);

    await page.locator('fieldset[data-filter="connections"] input[value="100"]').uncheck();
    await ready();
    expect((await markData('throughput')).every((d) => d['connections'] !== 100)).toBe(true);
    await page.locator('#reset-filters').click();
    await ready();
  });

  it('the timeline shows the picked run', async () => {
    const select = page.locator('#view-timeline select.picker');
    const options = await select.locator('option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
    expect(options.length).toBeGreaterThan(10);
    await select.selectOption(options[5]!);
    await page.waitForFunction(() => document.querySelector('#view-timeline')?.getAttribute('data-state') === 'rendered');
    const ids = new Set((await markData('timeline')).map((d) => d['runId']));
    expect([...ids]).toEqual([options[5]]);
  });

  it('a crafted result file runs no script: its strings show as text only', async () => {
    // Hover the hostile run's point so its tooltip (verdict reason with an <img onerror>) is rendered.
    await page.locator('#view-throughput .chart').scrollIntoViewIfNeeded();
    const box = await page.evaluate((server) => {
      const els = [...document.querySelectorAll('#view-throughput .chart svg g.role-mark > path')] as Array<
        Element & { __data__?: { datum?: Record<string, unknown> } }
      >;
      const hit = els.find((e) => e.__data__?.datum?.['server'] === server && e.__data__?.datum?.['status'] === 'ok');
      const r = hit?.getBoundingClientRect();
      return r ? { x: r.x + r.width / 2, y: r.y + r.height / 2 } : null;
    }, HOSTILE.server);
    expect(box).not.toBeNull();
    await page.mouse.move(box!.x, box!.y);
    await page.waitForSelector('#vg-tooltip-element.visible', { timeout: 5_000 });
    expect(await page.textContent('#vg-tooltip-element')).toContain(HOSTILE.reason);

    expect(await page.evaluate(() => (window as unknown as { __xss?: unknown }).__xss)).toBeUndefined();
    expect(await page.locator('img').count()).toBe(0);
    expect(await page.locator('script:not([src]):not([type="application/json"])').count()).toBe(0);
    expect(await page.getByText(HOSTILE.hostname, { exact: false }).count()).toBeGreaterThan(0);
    expect(await page.locator('#runs td', { hasText: HOSTILE.error }).count()).toBe(1);
    expect(await page.locator('fieldset[data-filter="server"] label', { hasText: HOSTILE.server }).count()).toBe(1);
    await page.mouse.move(0, 0);
  });

  it('the shipped reference results, too: both tables on the first screen, legends whole and ≤ 12 entries, no error', async () => {
    const reference = ['suite', 'c10k', 'threads', 'pool'].map((d) => join(PROJECT_ROOT, 'results', 'reference', d)).filter((d) => existsSync(d));
    if (reference.length === 0) return;
    await buildDashboard(readResults(reference, { warn: () => {} }), { outDir: join(work, 'reference') });
    const ref = await context.newPage();
    const refErrors: string[] = [];
    ref.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') refErrors.push(m.text());
    });
    ref.on('pageerror', (e) => refErrors.push(`pageerror: ${e.message}`));
    await ref.goto(pathToFileURL(join(work, 'reference', 'index.html')).href);
    await ref.waitForSelector('body[data-ready="true"]', { timeout: 60_000 });
    for (const sel of ['#claims table.claims', '#scorecard table.scorecard']) {
      const box = (await ref.locator(sel).boundingBox())!;
      expect(box.y + box.height, sel).toBeLessThanOrEqual(FIRST_SCREEN.height);
      expect(box.x + box.width, sel).toBeLessThanOrEqual(FIRST_SCREEN.width);
    }
    const labels = await ref.evaluate(() =>
      [...document.querySelectorAll('.view .chart svg g.role-legend')].map((g) =>
        [...g.querySelectorAll('g.role-legend-label text')].map((t) => t.textContent ?? ''),
      ),
    );
    for (const l of labels) {
      expect(l.length).toBeLessThanOrEqual(12);
      expect(l.filter((t) => t.includes('…'))).toEqual([]);
    }
    expect(refErrors).toEqual([]);
    await ref.close();
  }, 90_000);

  it('says "no data for this view yet" where a result set has nothing for a view', async () => {
    const small = await context.newPage();
    small.on('console', (m) => {
      if (m.type() === 'error') errors.push(`small: ${m.text()}`);
    });
    small.on('pageerror', (e) => errors.push(`small pageerror: ${e.message}`));
    await small.goto(pathToFileURL(join(work, 'small', 'index.html')).href);
    await small.waitForSelector('body[data-ready="true"]', { timeout: 15_000 });
    for (const id of ['mixed', 'memory', 'broadcast', 'core-sweep']) {
      expect(await small.getAttribute(`#view-${id}`, 'data-state'), id).toBe('no-data');
    }
    expect(await small.textContent('#view-broadcast .empty')).toBe('No data for this view yet: no broadcast runs yet (workload "broadcast").');
    expect(await small.getAttribute('#view-throughput', 'data-state')).toBe('rendered');
    expect(await small.evaluate(() => (window as unknown as { __xss?: unknown }).__xss)).toBeUndefined();
    await small.close();
  });

  it('made no network request and logged no console error; saves a screenshot', async () => {
    expect(remoteRequests).toEqual([]);
    expect(errors).toEqual([]);
    expect(warnings).toEqual([]);
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard.png') });
    await page.locator('#views').screenshot({ path: join(ARTIFACTS, 'dashboard-views.png') });
    expect(existsSync(join(ARTIFACTS, 'dashboard.png'))).toBe(true);
  });
});
