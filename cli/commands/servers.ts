import Table from 'cli-table3';
import type { Command } from 'commander';
import { OP_NAMES } from '../../protocol/wire.js';
import { listServers } from '../../servers/registry.js';
import { boxEnabled, colorEnabled } from '../color.js';
import { emitJson } from '../output.js';
import { NO_BOX } from '../reporters/table.js';

export function serversSummary() {
  return listServers().map((spec) => {
    const a = spec.availability();
    return {
      name: spec.name,
      model: spec.model,
      language: spec.language,
      ops: spec.ops.map((op) => OP_NAMES[op] ?? String(op)),
      available: a.available,
      reason: a.available ? null : a.reason,
      fix: a.available ? null : (a.fix ?? null),
      description: spec.description,
      serverArgs: (spec.serverArgs ?? []).map((a) => ({ ...a })),
    };
  });
}

export function registerServers(program: Command): void {
  program
    .command('servers')
    .description('list server models and whether each can run here (and why not)')
    .option('--json [file]', 'print JSON instead of a table')
    .action((flags: { json?: string | boolean }) => {
      const rows = serversSummary();
      if (flags.json !== undefined) return emitJson(rows, flags.json);
      const table = new Table({
        head: ['server', 'model', 'lang', 'ops', 'available', 'description'],
        wordWrap: true,
        colWidths: [20, 22, 6, 22, 40, 44],
        style: colorEnabled() ? {} : { head: [], border: [] },
        ...(boxEnabled() ? {} : { chars: NO_BOX }),
      });
      for (const r of rows) {
        const args = r.serverArgs.map((a) => `\n--server-arg ${a.name}=N (${a.min}–${a.max}): ${a.description}`).join('');
        table.push([
          r.name,
          r.model,
          r.language,
          r.ops.join(' '),
          r.available ? 'yes' : `no: ${r.reason}${r.fix ? `\nfix: ${r.fix}` : ''}`,
          r.description + args,
        ]);
      }
      process.stdout.write(`${table.toString()}\n`);
    });
}
