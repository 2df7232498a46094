import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv2020 from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../protocol/paths.js';
import { RESULT_SCHEMA_PATH, RESULT_SCHEMA_V1_PATH, resultJsonSchemaText, schemaRefFor } from '../../results/json-schema.js';
import { readResultFile } from '../../results/reader.js';
import { writeResultFile } from '../../results/writer.js';
import { cell, resultFile } from '../fixtures/results.js';

const shipped = () => readFileSync(join(PROJECT_ROOT, RESULT_SCHEMA_PATH), 'utf8');

// Compiling the schema takes ~0.4 s; once per schema, not once per reference file (73 tests).
const compiled = new Map<string, ReturnType<Ajv2020.default['compile']>>();
function validator(schemaPath = RESULT_SCHEMA_PATH) {
  let validate = compiled.get(schemaPath);
  if (!validate) {
    const ajv = new Ajv2020.default({ allErrors: true, strict: false });
    validate = ajv.compile(JSON.parse(readFileSync(join(PROJECT_ROOT, schemaPath), 'utf8')));
    compiled.set(schemaPath, validate);
  }
  return validate;
}

/** Which shipped schema a raw file of this schemaVersion was written against. */
const schemaOfVersion = (version: unknown) => (version === 1 ? RESULT_SCHEMA_V1_PATH : RESULT_SCHEMA_PATH);

function jsonFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const p = join(dir, name);
      return statSync(p).isDirectory() ? jsonFiles(p) : name.endsWith('.json') ? [p] : [];
    });
}

describe('the JSON Schema of result files (results/result.schema.json)', () => {
  it('is what the zod schema generates today (regenerate with `npm run schema`)', () => {
    expect(shipped()).toBe(resultJsonSchemaText());
  });

  it('documents units and the histogram encoding', () => {
    const schema = JSON.parse(shipped()) as {
      description: string;
      $defs: { LatencySummary: { description: string; properties: { encoded: { description: string } } } };
    };
    expect(schema.description).toMatch(/…Us microseconds/);
    expect(schema.$defs.LatencySummary.description).toMatch(/microseconds/);
    expect(schema.$defs.LatencySummary.properties.encoded.description).toMatch(/HdrHistogram.*compressed.*base64/);
  });

  const reference = jsonFiles(join(PROJECT_ROOT, 'results', 'reference')).filter((p) => /"schemaVersion"/.test(readFileSync(p, 'utf8').slice(0, 400)));
  it('finds the reference results', () => expect(reference.length).toBeGreaterThanOrEqual(10));
  // Version 1 files are validated raw against the schema they were written with (results/result.schema.v1.json,
  // kept as shipped), and once read (upgraded, results/upgrade-v1.ts) and written again, against today's.
  it.each(reference.map((p) => [p.slice(PROJECT_ROOT.length + 1), p]))("validates the raw file %s against its version's schema", (_name, path) => {
    const raw = JSON.parse(readFileSync(path, 'utf8')) as { schemaVersion: unknown };
    const validate = validator(schemaOfVersion(raw.schemaVersion));
    const ok = validate(raw);
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
  });
  it.each(reference.map((p) => [p.slice(PROJECT_ROOT.length + 1), p]))('validates %s against the current schema once read and written again', (_name, path) => {
    const out = join(mkdtempSync(join(tmpdir(), 'wsarena-jsonschema-')), 'r.json');
    writeResultFile(out, readResultFile(path));
    const validate = validator();
    const ok = validate(JSON.parse(readFileSync(out, 'utf8')));
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
  });

  it('every written file carries $schema pointing at the shipped schema and validates against it', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'wsarena-jsonschema-')), 'r.json');
    writeResultFile(path, resultFile([cell()]));
    const raw = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
    expect(Object.keys(raw)[0]).toBe('$schema');
    expect(fileURLToPath(raw.$schema as string)).toBe(join(PROJECT_ROOT, RESULT_SCHEMA_PATH));
    expect(validator()(raw)).toBe(true);
    expect(readResultFile(path).$schema).toBe(raw.$schema);
  });

  it('$schema is a relative path inside the checkout', () => {
    expect(schemaRefFor(join(PROJECT_ROOT, 'results', 'runs', 'x.json'))).toBe('../result.schema.json');
    expect(schemaRefFor(join(PROJECT_ROOT, 'results', 'suites', 'quick-1', 'echo.json'))).toBe('../../result.schema.json');
  });

  it('rejects a cell with a field its status cannot have without (a failed cell without its error)', () => {
    const file = JSON.parse(JSON.stringify(resultFile([cell({ status: 'failed', error: 'boom' })]))) as { cells: Array<Record<string, unknown>> };
    expect(validator()(file)).toBe(true);
    delete file.cells[0]!['error'];
    expect(validator()(file)).toBe(false);
  });

  it('rejects a file that breaks it (a histogram field of the wrong type)', () => {
    const file = JSON.parse(JSON.stringify(resultFile([cell()]))) as { cells: Array<{ load: { service: { p99Us: unknown } } }> };
    file.cells[0]!.load.service.p99Us = 'fast';
    expect(validator()(file)).toBe(false);
  });
});
