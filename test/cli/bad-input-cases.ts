import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeResultFile } from '../../results/writer.js';
import { cell, resultFile } from '../fixtures/results.js';

/**
 * Bad inputs tried on the CLI, each with the exit code and the exact stderr it must give (no stack trace).
 * `{dir}` stands for a fresh temp folder that `setup` fills. test/cli/bad-input.test.ts runs every case;
 * test/cli/reliability-doc.test.ts renders this table as docs/RELIABILITY.md and checks the file matches.
 */
export interface BadInputCase {
  area: string;
  /** What a user did. */
  tried: string;
  args: string[];
  setup?: (dir: string) => void;
  code: number;
  /** The whole of stderr, line by line ({dir} = the temp folder). */
  stderr: string[];
}

const suite = (name: string, entries: unknown[], defaults: Record<string, unknown> = {}) => (dir: string) =>
  writeFileSync(join(dir, `${name}.json`), JSON.stringify({ name, description: 'bad-input test', defaults, entries }));

const twoCells = () => [cell(), cell({ id: 'ws-loop/echo/c1000/r0', params: { ...cell().params, connections: 1000 } })];

export const BAD_INPUT_CASES: BadInputCase[] = [
  {
    area: 'run',
    tried: 'a workload named like an Object.prototype key',
    args: ['run', '--workload', 'constructor', '--quiet'],
    code: 2,
    stderr: ['Error: --workload: unknown workload "constructor"; known workloads: echo, work, mixed, idle, broadcast, storm, backpressure, sizes, http-echo'],
  },
  {
    area: 'run',
    tried: '--out pointing at a folder',
    args: ['run', '--out', '{dir}', '--quiet'],
    code: 2,
    stderr: ['Error: --out: "{dir}" is a folder; give a file path for the result (e.g. {dir}/run.json)'],
  },
  {
    area: 'run',
    tried: '--out under a path that cannot be a folder (a file)',
    args: ['run', '--out', '{dir}/file.txt/out.json', '--quiet'],
    setup: (dir) => writeFileSync(join(dir, 'file.txt'), 'x'),
    code: 2,
    stderr: ['Error: --out: cannot write "{dir}/file.txt/out.json" (EEXIST: part of the path is a file, not a folder)'],
  },
  {
    area: 'calibrate',
    tried: 'a list of connection counts',
    args: ['calibrate', '--connections', '10,20', '--quiet'],
    code: 2,
    stderr: ['Error: --connections: "10,20" is a list; calibrate takes one connection count (e.g. 100)'],
  },
  {
    area: 'serve',
    tried: 'more threads than the servers accept',
    args: ['serve', 'ws-piscina', '--threads', '2000'],
    code: 2,
    stderr: ['Error: --threads: 2000 is out of range; allowed: an integer from 1 to 1024'],
  },
  {
    area: 'suite',
    tried: 'an entry with "depth": true',
    args: ['suite', '{dir}/depth.json', '--quiet'],
    setup: suite('depth', [{ name: 'a', servers: ['ws-loop'], depth: true }]),
    code: 2,
    stderr: ['Error: scenario {dir}/depth.json: entries.0.depth: true is not allowed; give a number or a string as on the command line'],
  },
  {
    area: 'suite',
    tried: '"pin": "false" (a string)',
    args: ['suite', '{dir}/pin.json', '--quiet'],
    setup: suite('pin', [{ name: 'a', servers: ['ws-loop'], pin: 'false' }]),
    code: 2,
    stderr: ['Error: scenario {dir}/pin.json: entries.0.pin: "false" is not a boolean; use true or false (without quotes)'],
  },
  {
    area: 'suite',
    tried: 'an entry named ../../x (would write outside --out-dir)',
    args: ['suite', '{dir}/escape.json', '--quiet'],
    setup: suite('escape', [{ name: '../../x', servers: ['ws-loop'] }]),
    code: 2,
    stderr: ['Error: scenario {dir}/escape.json: entries.0.name: must be lowercase letters, digits and "-" (it names the result file)'],
  },
  {
    area: 'suite',
    tried: 'two entries with the same name',
    args: ['suite', '{dir}/dup.json', '--quiet'],
    setup: suite('dup', [
      { name: 'a', servers: ['ws-loop'] },
      { name: 'a', servers: ['uws'] },
    ]),
    code: 2,
    stderr: ['Error: scenario {dir}/dup.json: entries.1.name: "a" is used by an earlier entry; names must be unique (each names a result file)'],
  },
  {
    area: 'suite',
    tried: '--only ""',
    args: ['suite', 'quick', '--only', '', '--quiet'],
    code: 2,
    stderr: ['Error: --only: "" has an empty element; use a comma-separated list like a,b'],
  },
  {
    area: 'compare',
    tried: 'NEW interrupted (state "interrupted")',
    args: ['compare', '{dir}/base.json', '{dir}/new.json'],
    setup: (dir) => {
      writeResultFile(join(dir, 'base.json'), resultFile([cell()]));
      writeResultFile(join(dir, 'new.json'), { ...resultFile([cell()]), state: 'interrupted' });
    },
    code: 1,
    stderr: ['Error: NEW is incomplete, so the comparison cannot pass: NEW {dir}/new.json is interrupted, not complete (1 cell(s) recorded)'],
  },
  {
    area: 'compare',
    tried: 'NEW lacks a cell BASE has',
    args: ['compare', '{dir}/base.json', '{dir}/new.json'],
    setup: (dir) => {
      writeResultFile(join(dir, 'base.json'), resultFile(twoCells()));
      writeResultFile(join(dir, 'new.json'), resultFile([cell()]));
    },
    code: 1,
    stderr: ['Error: NEW is incomplete, so the comparison cannot pass: NEW lacks 1 cell(s) BASE has: ws-loop echo c=1000 closed · depth 1'],
  },
  {
    area: 'reading folders',
    tried: 'a folder with a non-result *.json, a dashboard (skipped silently: its results/ are copies), a dangling symlink and symlink loops',
    args: ['compare', '{dir}/base', '{dir}/new', '--export-markdown', '{dir}/out.md'],
    setup: (dir) => {
      for (const side of ['base', 'new']) writeResultFile(join(dir, side, 'run.json'), resultFile([cell()]));
      writeFileSync(join(dir, 'new', 'package.json'), '{"name":"not-a-result"}');
      mkdirSync(join(dir, 'new', 'dashboard', 'assets'), { recursive: true });
      mkdirSync(join(dir, 'new', 'dashboard', 'results'), { recursive: true });
      writeFileSync(join(dir, 'new', 'dashboard', 'index.html'), '<!doctype html>');
      writeResultFile(join(dir, 'new', 'dashboard', 'results', '01-run.json'), resultFile([cell()]));
      symlinkSync(join(dir, 'missing.json'), join(dir, 'new', 'dangling.json'));
      symlinkSync(join(dir, 'new', 'loop-b.json'), join(dir, 'new', 'loop-a.json'));
      symlinkSync(join(dir, 'new', 'loop-a.json'), join(dir, 'new', 'loop-b.json'));
      symlinkSync(join(dir, 'new'), join(dir, 'new', 'self'));
    },
    code: 0,
    stderr: [
      'warning: skipped {dir}/new/dangling.json: a dangling symlink',
      'warning: skipped {dir}/new/loop-a.json: a symlink loop',
      'warning: skipped {dir}/new/loop-b.json: a symlink loop',
      'warning: skipped {dir}/new/self: already read (a symlink loop or a second link to {dir}/new)',
      'warning: skipped {dir}/new/package.json: not a wsarena result file (no schemaVersion)',
    ],
  },
];

/** A case's text with {dir} replaced. */
export function withDir(text: string, dir: string): string {
  return text.replaceAll('{dir}', dir);
}

/** Faults tried outside the CLI table, each with the test that proves the behaviour. */
export const OTHER_FAULTS: Array<{ fault: string; behaviour: string; test: string }> = [
  {
    fault: 'disk full while a result file is written mid-run',
    behaviour: 'exit 1, `Error: cannot write the result file <path> (ENOSPC: no space left on the device); its previous version, if any, is left in place`; the temp file is removed, the previous good file stays',
    test: 'test/results/writer.test.ts',
  },
  {
    fault: 'the result folder turns into a file mid-run',
    behaviour: 'exit 1, `Error: cannot write the result file <path> (EEXIST: part of the path is a file, not a folder); …`, no stack trace; the last good version stays where it was written',
    test: 'test/cli/write-failure.test.ts, test/results/writer.test.ts',
  },
  {
    fault: 'a dashboard rebuild that fails midway',
    behaviour: 'the previous dashboard is left whole (built in a sibling temp folder, swapped in when complete); no temp folder left',
    test: 'test/report/dashboard-rebuild.test.ts',
  },
  {
    fault: 'Ctrl+C during calibrate\'s ws baseline',
    behaviour: 'the server is stopped, the file is marked `interrupted` (never `complete`), exit 130',
    test: 'test/cli/calibrate-interrupt.test.ts',
  },
  {
    fault: 'a web page of another origin opens a WebSocket to a running server',
    behaviour: '403 on the upgrade (long-poll: on every request); loopback origins and requests without Origin pass; `WSARENA_ALLOW_ORIGIN` / `serve --allow-origin` allow others',
    test: 'test/contract/contract.test.ts ("Origin", every server), test/servers/origin.test.ts, test/cli/serve-origin.test.ts',
  },
  {
    fault: 'random server frame sequences, valid and invalid, cut at random points',
    behaviour: 'the client frame parser delivers and refuses exactly what ws\'s own Receiver does (same close code; one known divergence: an out-of-sequence frame that also claims a length over 2^53 closes with 1009 here, 1002 in ws)',
    test: 'test/clients/frame-parser-fuzz.test.ts',
  },
  {
    fault: 'NEW result set with a different --work-iterations, --heavy-fraction, --threads or --server-arg than BASE',
    behaviour: 'not pooled as the same cell: compare\'s match key holds every parameter the report keys on',
    test: 'test/report/compare-incomplete.test.ts',
  },
];

const md = (s: string) => s.replaceAll('|', '\\|');

/** docs/RELIABILITY.md, rendered from BAD_INPUT_CASES and OTHER_FAULTS. */
export function renderReliabilityDoc(): string {
  const lines = [
    '# Reliability: bad inputs and faults tried',
    '',
    '<!-- Generated from test/cli/bad-input-cases.ts by test/cli/reliability-doc.test.ts; do not edit by hand.',
    '     Regenerate: npx tsc -p tsconfig.json && WSARENA_UPDATE_DOCS=1 npx vitest run test/cli/reliability-doc.test.ts -->',
    '',
    'Every row is a test case: `test/cli/bad-input.test.ts` runs the command and asserts the exit code and',
    'the whole of stderr. User errors never print a stack trace; `--debug` (or `WSARENA_DEBUG=1`) adds it.',
    'Exit codes: 0 ok, 1 a run failed, 2 bad usage or input, 3 compare threshold exceeded, 130 interrupted.',
    '`<tmp>` is the test\'s temp folder.',
    '',
    '| area | tried | command | exit | stderr |',
    '| --- | --- | --- | --- | --- |',
    ...BAD_INPUT_CASES.map(
      (c) =>
        `| ${c.area} | ${md(c.tried)} | \`${md(['wsarena', ...c.args.map((a) => (a === '' ? '""' : a))].join(' ').replaceAll('{dir}', '<tmp>'))}\` | ${c.code} | ${c.stderr
          .map((l) => `\`${md(l.replaceAll('{dir}', '<tmp>'))}\``)
          .join('<br>')} |`,
    ),
    '',
    '## Faults',
    '',
    '| fault | behaviour | test |',
    '| --- | --- | --- |',
    ...OTHER_FAULTS.map((f) => `| ${md(f.fault)} | ${md(f.behaviour)} | ${md(f.test)} |`),
    '',
  ];
  return lines.join('\n');
}
