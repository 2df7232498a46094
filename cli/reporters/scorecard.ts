import Table from 'cli-table3';
import type { ScorecardRow } from '../../report/scorecard.js';
import { SCORECARD_LEGEND, scorecardTables } from '../../report/scorecard-table.js';
import { NO_BOX } from './table.js';

/**
 * The scorecard as text (report/scorecard-table.ts lays it out): one row per server with memory per connection
 * (user, kernel), the ceiling and its nearest limit, and closed-loop echo at the fewest and the most connections
 * measured; then every echo connection count in long form, then pool timing. '' when there is nothing to score.
 */
export function renderScorecard(rows: readonly ScorecardRow[], { color = false, box = true }: { color?: boolean; box?: boolean } = {}): string {
  const tables = scorecardTables(rows);
  if (tables === null) return '';
  const style = { head: color ? ['cyan'] : [], border: color ? ['grey'] : [] };
  const chars = box ? {} : { chars: NO_BOX };
  const echoColumns = tables.main.head.length - 6;
  // The ceiling and limit columns carry sentences: wrapped at a fixed width so the table stays readable.
  const main = new Table({
    head: tables.main.head,
    style,
    ...chars,
    wordWrap: true,
    colWidths: [null, null, null, null, 24, 32, ...Array<null>(echoColumns).fill(null)],
  });
  for (const row of tables.main.rows) main.push(row);
  const parts = [`scorecard (${SCORECARD_LEGEND})`, main.toString()];
  if (tables.echo !== null) {
    const long = new Table({ head: tables.echo.head, style, ...chars });
    for (const row of tables.echo.rows) long.push(row);
    parts.push('echo by connections', long.toString());
  }
  parts.push(...tables.poolLines);
  return parts.join('\n');
}
