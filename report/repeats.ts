import { type Interval, summarize } from '../bench/stats.js';

/**
 * The one way repeats are grouped and summarised, for the terminal table (cli/reporters/table.ts) and the
 * report's model (report/model.ts `groups`): each decides what makes two cells repeats of each other (its
 * key) and which figures it keeps; both group and summarise with these.
 */

/** `items` grouped by `keyOf`: groups in the order their first member appears, members in input order. */
export function groupRepeats<T>(items: readonly T[], keyOf: (item: T) => string): T[][] {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    const group = groups.get(key);
    if (group) group.push(item);
    else groups.set(key, [item]);
  }
  return [...groups.values()];
}

/** bench/stats.ts `summarize` of the finite figures `figure` reads from `members`; null when there is none. */
export function summarizeFigure<T>(members: readonly T[], figure: (member: T) => number | null | undefined): Interval | null {
  const values = members.map(figure).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  return values.length > 0 ? summarize(values) : null;
}
