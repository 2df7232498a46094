/**
 * Colour and box drawing on stdout, as the ecosystem expects: `--color auto|always|never` (and
 * `--no-color`), else NO_COLOR (any non-empty value: no colour, https://no-color.org), else FORCE_COLOR
 * (non-empty and not 0/false: colour), else colour only on a TTY whose TERM is not "dumb". Box drawing
 * (table rules) only when stdout is a TTY: pipes and files get plain, aligned columns.
 */
export type ColorMode = 'auto' | 'always' | 'never';

export const COLOR_MODES: readonly ColorMode[] = ['auto', 'always', 'never'];

let mode: ColorMode = 'auto';

/** Set once by cli/main.ts from the global --color flag. */
export function setColorMode(m: ColorMode): void {
  mode = m;
}

export function colorEnabled(stream: { isTTY?: boolean } = process.stdout, env: NodeJS.ProcessEnv = process.env, m: ColorMode = mode): boolean {
  if (m === 'never') return false;
  if (m === 'always') return true;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '') return env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false';
  return Boolean(stream.isTTY) && env.TERM !== 'dumb';
}

/** Rules and box characters only on a terminal. */
export function boxEnabled(stream: { isTTY?: boolean } = process.stdout): boolean {
  return Boolean(stream.isTTY);
}

/** What the table renderers take for stdout. */
export function stdoutStyle(): { color: boolean; box: boolean } {
  return { color: colorEnabled(), box: boxEnabled() };
}
