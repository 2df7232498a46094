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

const suite =
  (name: string, entries: unknown[], defaults: Record<string, unknown> = {}) =>
  (dir: string) =>
    writeFileSync(join(dir, `${name}.json`), JSON.stringify({ name, description: 'bad-input test', defaults, entries }));

const twoCells = () => [cell(), cell({ id: 'ws-loop/echo/c1000/r0', params: { ...cell().params, connections: 1000 } })];

/** A plan file of two agents, as `wsarena plan --agents 2 --target ws://127.0.0.1:9/ --connections 10` writes it. */
const planFile = (dir: string) =>
  writeFileSync(
    join(dir, 'plan.json'),
    JSON.stringify({ kind: 'wsarena-plan', version: 1, agents: 2, startAt: null, run: ['--target', 'ws://127.0.0.1:9/', '--connections', '10'] }),
  );

/** Segment `index` of 2 of an open-loop plan at rateHz (a `wsarena run --segment` result cell). */
const segmentCell = (index: number, rateHz: number) =>
  cell({
    id: 'target/echo/c100/r0',
    server: 'target',
    target: 'ws://127.0.0.1:9001/',
    params: { ...cell().params, mode: 'open', rateHz },
    segment: {
      index,
      count: 2,
      connections: 50,
      rateHz: rateHz / 2,
      startAt: null,
      windowStartMs: null,
      clockOffset: { offsetMs: null, uncertaintyMs: null, method: 'not estimated' },
    },
  });

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
    area: 'calibrate',
    tried: 'an equal-load rate that is not a number',
    args: ['calibrate', '--equal-rate', 'abc', '--quiet'],
    code: 2,
    stderr: ['Error: --equal-rate: "abc" is not a number; allowed: a total rate in msgs/s > 0 and ≤ 10000000, e.g. 2000'],
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
    area: 'report',
    tried: '--markdown together with --claims (two outputs for one stdout)',
    args: ['report', '{dir}/run.json', '--markdown', '--claims'],
    setup: (dir) => writeResultFile(join(dir, 'run.json'), resultFile([cell()])),
    code: 2,
    stderr: [
      'Error: --markdown, --claims: give one of --markdown (claims and scorecard as Markdown), --readme FILE (rewrite its marked section), --claims and/or --scorecard (text tables), or an --export-… flag',
    ],
  },
  {
    area: 'report',
    tried: '--readme FILE without the wsarena:headline start and end markers (HTML comments)',
    args: ['report', '{dir}/run.json', '--readme', '{dir}/README.md'],
    setup: (dir) => {
      writeResultFile(join(dir, 'run.json'), resultFile([cell()]));
      writeFileSync(join(dir, 'README.md'), '# no markers\n');
    },
    code: 2,
    stderr: [
      'Error: --readme: "{dir}/README.md" has 0 "<!-- wsarena:headline:start -->" and 0 "<!-- wsarena:headline:end -->"; allowed: exactly one of each, start before end, on lines of their own (the generated section goes between them)',
    ],
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
  {
    area: 'run',
    tried: '--segment with an index past the last segment',
    args: ['run', '--target', 'ws://127.0.0.1:9/', '--segment', '3/3', '--quiet'],
    code: 2,
    stderr: ['Error: --segment: "3/3" has index 3; allowed: 0 to 2 (indices are 0-based)'],
  },
  {
    area: 'run',
    tried: '--segment without --target',
    args: ['run', '--segment', '0/2', '--quiet'],
    code: 2,
    stderr: ['Error: --segment needs --target ws://…: every agent drives the one server under test, which none of them starts'],
  },
  {
    area: 'run',
    tried: '--start-at that is not a wall-clock time',
    args: ['run', '--target', 'ws://127.0.0.1:9/', '--segment', '0/2', '--start-at', 'tomorrow', '--quiet'],
    code: 2,
    stderr: ['Error: --start-at: "tomorrow" is not a wall-clock time; allowed: ISO 8601 with a zone (2026-11-26T13:00:00Z) or @epoch-seconds'],
  },
  {
    area: 'merge',
    tried: 'segments of two different plans (another rate)',
    args: ['merge', '{dir}/seg-0.json', '{dir}/seg-1.json', '--out', '{dir}/merged.json'],
    setup: (dir) => {
      writeResultFile(join(dir, 'seg-0.json'), resultFile([segmentCell(0, 1000)]));
      writeResultFile(join(dir, 'seg-1.json'), resultFile([segmentCell(1, 2000)]));
    },
    code: 2,
    stderr: ['Error: merge: the plans differ in rateHz: {dir}/seg-0.json has 1000, {dir}/seg-1.json has 2000'],
  },
  {
    area: 'merge',
    tried: 'no --out',
    args: ['merge', '{dir}/seg-0.json'],
    code: 2,
    stderr: ['Error: merge: --out is required; allowed: a file path for the merged result, e.g. --out merged.json'],
  },
  {
    area: 'run',
    tried: '--plan with a load flag of its own (the plan sets them all)',
    args: ['run', '--plan', '{dir}/plan.json', '--segment', '0/2', '--connections', '5', '--quiet'],
    setup: planFile,
    code: 2,
    stderr: ['Error: --plan: --connections is set by the plan file {dir}/plan.json; allowed beside --plan: --segment, --start-at, --out, --json, --quiet'],
  },
  {
    area: 'run',
    tried: '--plan of 2 agents with --segment 0/3',
    args: ['run', '--plan', '{dir}/plan.json', '--segment', '0/3', '--quiet'],
    setup: planFile,
    code: 2,
    stderr: ['Error: --segment: 0/3 does not fit the plan {dir}/plan.json; allowed: 0/2 … 1/2'],
  },
  {
    area: 'plan',
    tried: '--k8s without --image',
    args: ['plan', '--agents', '2', '--target', 'ws://10.0.0.1:9001/', '--k8s'],
    code: 2,
    stderr: ['Error: plan --k8s: --image is required; allowed: a container image with wsarena on its PATH, e.g. --image registry.example/wsarena:0.1'],
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
    behaviour:
      'exit 1, `Error: cannot write the result file <path> (ENOSPC: no space left on the device); its previous version, if any, is left in place`; the temp file is removed, the previous good file stays',
    test: 'test/results/writer.test.ts',
  },
  {
    fault: 'the result folder turns into a file mid-run',
    behaviour:
      'exit 1, `Error: cannot write the result file <path> (EEXIST: part of the path is a file, not a folder); …`, no stack trace; the last good version stays where it was written',
    test: 'test/cli/write-failure.test.ts, test/results/writer.test.ts',
  },
  {
    fault: 'a dashboard rebuild that fails midway',
    behaviour: 'the previous dashboard is left whole (built in a sibling temp folder, swapped in when complete); no temp folder left',
    test: 'test/report/dashboard-rebuild.test.ts',
  },
  {
    fault: "Ctrl+C during calibrate's ws baseline (closed loop, or open loop at equal offered load)",
    behaviour: 'the server is stopped, the file is marked `interrupted` (never `complete`), exit 130',
    test: 'test/cli/calibrate-interrupt.test.ts',
  },
  {
    fault: 'a web page of another origin opens a WebSocket to a running server',
    behaviour:
      '403 on the upgrade (long-poll: on every request); loopback origins and requests without Origin pass; `WSARENA_ALLOW_ORIGIN` / `serve --allow-origin` allow others',
    test: 'test/contract/contract.test.ts ("Origin", every server), test/servers/origin.test.ts, test/cli/serve-origin.test.ts',
  },
  {
    fault: 'random server frame sequences, valid and invalid, cut at random points',
    behaviour:
      "the client frame parser delivers and refuses exactly what ws's own Receiver does (same close code; one known divergence: an out-of-sequence frame that also claims a length over 2^53 closes with 1009 here, 1002 in ws)",
    test: 'test/clients/rfc6455/frame-parser-fuzz.test.ts',
  },
  {
    fault: 'NEW result set with a different --work-iterations, --heavy-fraction, --threads or --server-arg than BASE',
    behaviour: "not pooled as the same cell: compare's match key holds every parameter the report keys on",
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
    "`<tmp>` is the test's temp folder.",
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
