import Table from 'cli-table3';
import { answerText, type ClaimResult } from '../../report/claims.js';
import { NO_BOX } from './table.js';

/**
 * The claims table as text (`wsarena report PATHS --claims`): claim · answer (and why) · the decisive figures ·
 * the conditions they hold under · what would settle it (one line, with the exact command), one row per claim.
 */
export function renderClaims(results: readonly ClaimResult[], { color = false, box = true }: { color?: boolean; box?: boolean } = {}): string {
  const style = { head: color ? ['cyan'] : [], border: color ? ['grey'] : [] };
  const chars = box ? {} : { chars: NO_BOX };
  const table = new Table({
    head: ['claim', 'answer', 'decisive figures', 'conditions', 'what would settle it'],
    style,
    ...chars,
    wordWrap: true,
    wrapOnWordBoundary: true,
    colWidths: [26, 34, 46, 30, 46],
  });
  for (const r of results) {
    const answer = answerText(r);
    table.push([
      `${r.id} ${r.claim}`,
      `${color ? paint(r.answer, answer) : answer.toUpperCase()}\n${r.reason}`,
      r.figures.length > 0 ? r.figures.map((f) => `• ${f.text}`).join('\n') : '—',
      r.conditions.length > 0 ? r.conditions.join('\n') : '—',
      r.gap ?? '—',
    ]);
  }
  return ['claims (../shared/BACKGROUND.md C1–C5; rules in report/claims.ts RULES; × = ratio of means, 95% CI by Fieller; n = runs)', table.toString()].join(
    '\n',
  );
}

function paint(answer: ClaimResult['answer'], text: string): string {
  const code = answer === 'supported' ? 32 : answer === 'not supported' ? 31 : answer === 'depends' ? 33 : 90;
  return `\u001b[${code}m${text.toUpperCase()}\u001b[39m`;
}
