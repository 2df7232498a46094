import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { builtInScenarios, loadScenario } from '../../bench/scenario.js';
import { buildRunRequest } from '../../cli/commands/run.js';
import { entryToFlags } from '../../cli/commands/suite.js';
import { runCli } from '../cli/helpers.js';

function scenarioFile(content: unknown): string {
  const path = join(mkdtempSync(join(tmpdir(), 'wsarena-scn-')), 'mine.json');
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

describe('scenario files', () => {
  it('every built-in scenario loads and every entry becomes a valid run request', () => {
    const names = builtInScenarios();
    expect(names).toEqual(expect.arrayContaining(['quick', 'threaded-vs-async']));
    for (const name of names) {
      const { path, scenario } = loadScenario(name);
      scenario.entries.forEach((entry, i) => {
        const req = buildRunRequest(entryToFlags(path, scenario, i, entry, '/tmp/x.json'), ['suite'], 'suite');
        expect(req.servers.length).toBeGreaterThan(0);
      });
    }
  });

  it('entries inherit defaults and override them', () => {
    const path = scenarioFile({
      name: 's',
      description: 'd',
      defaults: { duration: '3s', connections: 50 },
      entries: [{ name: 'e', servers: ['ws-loop'], connections: '10,20', depth: 4 }],
    });
    const { scenario } = loadScenario(path);
    const req = buildRunRequest(entryToFlags(path, scenario, 0, scenario.entries[0]!, '/tmp/x.json'), ['suite'], 'suite');
    expect(req.durationMs).toBe(3000);
    expect(req.connections).toEqual([10, 20]);
    expect(req.depth).toBe(4);
    expect(req.servers).toEqual(['ws-loop']);
  });

  it('a malformed file is rejected with the file, the field and what is allowed', async () => {
    const missing = scenarioFile({ name: 's', description: 'd', entries: [{ name: 'e' }] });
    expect(() => loadScenario(missing)).toThrow(new RegExp(`scenario ${missing}: entries\\.0\\.servers`));

    const unknownField = scenarioFile({ name: 's', description: 'd', entries: [{ name: 'e', servers: 'all', speed: 'fast' }] });
    const { scenario } = loadScenario(unknownField);
    expect(() => entryToFlags(unknownField, scenario, 0, scenario.entries[0]!, '/tmp/x.json')).toThrow(
      new RegExp(`scenario ${unknownField}: entries\\.0\\.speed: unknown field; allowed: .*connections.*duration`),
    );

    const badValue = scenarioFile({ name: 's', description: 'd', entries: [{ name: 'e', servers: ['ws-loop'], duration: 'soon' }] });
    const r = await runCli(['suite', badValue]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`Error: scenario ${badValue}: entries.0 (e): --duration: "soon" is not a duration`);

    const notJson = scenarioFile('{ nope');
    expect(() => loadScenario(notJson)).toThrow(/not valid JSON/);
    expect(() => loadScenario('no-such-suite')).toThrow(/no scenario file at .*no-such-suite\.json; built-in suites: /);
  });
});
