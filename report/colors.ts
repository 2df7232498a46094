import { SERVERS } from '../servers/registry.js';

/**
 * One fixed colour per server, the same in every chart of the dashboard (and its SVG/PNG images): a reader
 * who learned "ws-loop is blue" in one chart must not have to relearn it in the next. Registered servers
 * get a colour by registry order; any other name (a foreign server in some file) is "other server", grey.
 *
 * Twelve colours: Tableau 10 plus two darker tones, enough for every registered server (12) without a
 * repeat. Charts colour by server only, so a chart never has more legend entries than servers it shows.
 */
export const SERVER_PALETTE = [
  '#4e79a7', // blue
  '#f28e2b', // orange
  '#e15759', // red
  '#76b7b2', // teal
  '#59a14f', // green
  '#edc948', // yellow
  '#b07aa1', // purple
  '#ff9da7', // pink
  '#9c755f', // brown
  '#bab0ac', // grey
  '#1f3b73', // navy
  '#6b6b00', // olive
] as const;

/** The most series (legend entries) a chart may have: a reader can match this many colours, not 24. */
export const MAX_SERIES_PER_CHART = SERVER_PALETTE.length;

const REGISTERED = Object.keys(SERVERS);

/** The colour key of a server name not in the registry: they share one neutral colour. */
export const OTHER_SERVER = 'other server';
const OTHER_COLOR = '#7f7f7f';

/** The fixed colour of a registered server (registry order), or the neutral one of any other name. */
export function serverColor(server: string): string {
  const i = REGISTERED.indexOf(server);
  return i >= 0 ? SERVER_PALETTE[i % SERVER_PALETTE.length]! : OTHER_COLOR;
}

/**
 * The key a chart colours by: the registry's own name for a registered server, else OTHER_SERVER. So a chart
 * spec names only strings of ours, never one read from a result file (a crafted server name stays a data value).
 */
export function colorKey(server: string): string {
  return REGISTERED.includes(server) ? REGISTERED[REGISTERED.indexOf(server)]! : OTHER_SERVER;
}

/** A Vega-Lite colour scale for these servers' colour keys: their fixed colours, nothing else in the legend. */
export function serverColorScale(servers: Iterable<string>): { domain: string[]; range: string[] } {
  const keys = new Set([...servers].map(colorKey));
  const domain = REGISTERED.filter((s) => keys.has(s));
  if (keys.has(OTHER_SERVER)) domain.push(OTHER_SERVER);
  return { domain, range: domain.map((s) => (s === OTHER_SERVER ? OTHER_COLOR : serverColor(s))) };
}
