import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { VlSpec } from './views.js';

/**
 * Renders Vega-Lite specs outside a browser: SVG with Vega's own headless renderer (the very specs the
 * dashboard embeds), PNG by screenshotting that SVG with a local chromium (no browser download).
 */

export interface SvgResult {
  svg: string;
  width: number;
  height: number;
  /** Warnings from Vega-Lite's compiler and Vega's runtime (empty for a clean spec). */
  warnings: string[];
}

export async function renderSvg(spec: VlSpec): Promise<SvgResult> {
  const warnings: string[] = [];
  const logger = collectingLogger(warnings);
  const compiled = compile(spec as unknown as TopLevelSpec, { logger: logger as never }).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none', logger: logger as never });
  try {
    const svg = await view.toSVG();
    const m = /<svg[^>]*\swidth="([\d.]+)"[^>]*\sheight="([\d.]+)"/.exec(svg);
    return { svg, width: Math.ceil(Number(m?.[1] ?? 800)), height: Math.ceil(Number(m?.[2] ?? 600)), warnings };
  } finally {
    view.finalize();
  }
}

/** A Vega logger that keeps warnings and errors instead of printing them. */
function collectingLogger(into: string[]) {
  let level = 2;
  const logger = {
    level(l?: number) {
      if (l === undefined) return level;
      level = l;
      return logger;
    },
    error(...args: unknown[]) {
      into.push(`error: ${args.map(String).join(' ')}`);
      return logger;
    },
    warn(...args: unknown[]) {
      const text = args.map(String).join(' ');
      // A layer left empty by its filter (e.g. every group client-bound, so no line) is expected, not a fault.
      if (!/Infinite extent for field/.test(text)) into.push(`warning: ${text}`);
      return logger;
    },
    info() {
      return logger;
    },
    debug() {
      return logger;
    },
  };
  return logger;
}

/** Chromium flags for headless use on this box (DEVELOPERS.md, "Browser tests"): no sandbox, no GPU, no network chatter. */
export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  '--no-first-run',
];

/** Debian's chromium, or WSARENA_CHROMIUM when set; null when neither exists. */
export function findChromium(): string | null {
  const candidates = [process.env['WSARENA_CHROMIUM'], '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter((p): p is string => Boolean(p));
  return candidates.find((p) => existsSync(p)) ?? null;
}

/** Screenshots an SVG file into a PNG at 2× scale with chromium's --screenshot (a fresh profile each time). */
export function svgToPng(chromium: string, svgPath: string, pngPath: string, size: { width: number; height: number }): Promise<void> {
  const profile = mkdtempSync(join(tmpdir(), 'wsarena-chromium-'));
  const args = [
    ...CHROMIUM_FLAGS,
    `--user-data-dir=${profile}`,
    '--hide-scrollbars',
    '--force-device-scale-factor=2',
    `--window-size=${size.width},${size.height}`,
    `--screenshot=${pngPath}`,
    pathToFileURL(svgPath).href,
  ];
  return new Promise<void>((resolve, reject) => {
    execFile(chromium, args, { timeout: 30_000 }, (err, _stdout, stderr) => {
      rmSync(profile, { recursive: true, force: true });
      if (err) reject(new Error(`chromium could not render ${svgPath} to PNG: ${err.message}${stderr ? `\n${stderr.slice(-500)}` : ''}`));
      else if (!existsSync(pngPath)) reject(new Error(`chromium ran but wrote no ${pngPath}`));
      else resolve();
    });
  });
}
