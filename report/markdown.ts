/**
 * The claims table and the scorecard as GitHub-flavoured Markdown (`wsarena report PATHS --markdown`, and the
 * README's headline section written by `--readme`): the same data the terminal reporters print
 * (cli/reporters/claims.ts, cli/reporters/scorecard.ts), shaped for a pull request or a README.
 *
 * Every string that comes from a result file (server names, errors, versions, what stopped a ramp) goes
 * through `mdCell`, so a `|` cannot split a row and `<script>`, `*` or `[x](y)` render as text, never as markup.
 */
import { answerText, type ClaimResult } from './claims.js';
import type { ScorecardRow } from './scorecard.js';
import { SCORECARD_LEGEND, scorecardTables, type TextTable } from './scorecard-table.js';

/** What the claims table's symbols mean, printed above it. */
export const CLAIMS_LEGEND = 'BACKGROUND.md C1–C5; rules in report/claims.ts RULES; × = ratio of means, 95% CI by Fieller; n = runs';

/**
 * One table cell's text: Markdown and HTML markup escaped, `|` escaped (it would end the cell), line breaks
 * as `<br>` (a newline would end the row). Whitespace runs collapse: a table cell is one line.
 */
export function mdCell(text: string): string {
  return text
    .split('\n')
    .map((line) =>
      line
        .replace(/\s+/g, ' ')
        .trim()
        .replace(/[\\`*_[\]|~]/g, (c) => `\\${c}`)
        .replace(/&/g, '&amp;')
        .replace(/</g, '&lt;'),
    )
    .filter((line) => line !== '')
    .join('<br>');
}

/** A Markdown table; cells are already escaped (mdCell) or trusted markup built here. */
export function mdTable(head: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const line = (cells: readonly string[]) => `| ${cells.map((c) => (c === '' ? ' ' : c)).join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n');
}

/** The claims table: claim · answer (bold) and why · decisive figures · conditions · what would settle it. */
export function claimsMarkdown(results: readonly ClaimResult[]): string {
  const rows = results.map((r) => [
    `**${r.id}** ${mdCell(r.claim)}`,
    `**${mdCell(answerText(r).toUpperCase())}**<br>${mdCell(r.reason)}`,
    r.figures.length > 0 ? r.figures.map((f) => `• ${mdCell(f.text)}`).join('<br>') : '—',
    r.conditions.length > 0 ? r.conditions.map(mdCell).join('<br>') : '—',
    r.gap === null ? '—' : mdCell(r.gap),
  ]);
  return [`Claims (${mdCell(CLAIMS_LEGEND)}):`, '', mdTable(['claim', 'answer', 'decisive figures', 'conditions', 'what would settle it'], rows)].join('\n');
}

/**
 * The scorecard (report/scorecard-table.ts lays it out): one row per server, then every echo connection count in
 * long form, then pool timing. '' when there is nothing to show, as cli/reporters/scorecard.ts.
 */
export function scorecardMarkdown(rows: readonly ScorecardRow[]): string {
  const tables = scorecardTables(rows);
  if (tables === null) return '';
  const md = (t: TextTable) =>
    mdTable(
      t.head,
      t.rows.map(([server, ...rest]) => [serverCell(server!), ...rest.map(mdCell)]),
    );
  const parts = [`Scorecard (${mdCell(SCORECARD_LEGEND)}):`, '', md(tables.main)];
  if (tables.echo !== null) parts.push('', 'Echo by connections:', '', md(tables.echo));
  if (tables.poolLines.length > 0) parts.push('', ...tables.poolLines.map((l) => `- ${mdCell(l)}`));
  return parts.join('\n');
}

/** A server name as inline code; a backtick in it would end the code span early. */
function serverCell(server: string): string {
  return `\`${server.replace(/`/g, "'")}\``;
}
