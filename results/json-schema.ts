import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import { PROJECT_ROOT } from '../protocol/paths.js';
import { HISTOGRAM_ENCODING, resultFileSchema, SCHEMA_VERSION } from './schema.js';

/** The shipped JSON Schema of result files, relative to the project root (regenerate: `npm run schema`). */
export const RESULT_SCHEMA_PATH = 'results/result.schema.json';

/**
 * The JSON Schema version 1 files were written against, kept as it was shipped (never regenerated): their
 * `$schema` points at the current file, which no longer describes them; results/upgrade-v1.ts reads them.
 */
export const RESULT_SCHEMA_V1_PATH = 'results/result.schema.v1.json';

/** Units and encodings, for readers of the files who never see the zod source. */
export const RESULT_FILE_DESCRIPTION = [
  `A wsarena result file, schemaVersion ${SCHEMA_VERSION}: the provenance of a run and one cell per (server, workload, connections, …, repeat).`,
  'Units are in the field names: …Us microseconds (µs), …Ms milliseconds, …Bytes bytes, …Hz and …PerSec per second, …CoreFraction CPU cores (1.0 = one full core), cpuSeconds seconds of CPU time, cpuUsPerMessage µs of server CPU per message handled, contextSwitchesPerMessage context switches (voluntary + nonvoluntary, every server thread) per message handled.',
  `Latency histograms (the \`encoded\` fields): ${HISTOGRAM_ENCODING}; decode with HdrHistogram (decodeFromCompressedByteBuffer) or hdr-histogram-js (decodeFromCompressedBase64).`,
  'Latency kinds: load.service is service time (send to reply); load.corrected is corrected for coordinated omission (intended send time to reply, open loop only); load.connections.handshake is TCP connect + WebSocket upgrade.',
  'Timestamps are ISO 8601 UTC. The method behind every figure: docs/METHOD.md.',
].join(' ');

/**
 * The JSON Schema (draft 2020-12) generated from the zod schema that checks every file on write and
 * read. Input mode: fields with a default or `.optional()` are optional; unknown fields are allowed
 * (zod strips them on read), so older and newer files of the same schemaVersion validate.
 */
export function resultJsonSchema(): Record<string, unknown> {
  const generated = z.toJSONSchema(resultFileSchema, { target: 'draft-2020-12', io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  const { $schema, ...rest } = generated;
  return { $schema, title: `wsarena result file, schemaVersion ${SCHEMA_VERSION}`, description: RESULT_FILE_DESCRIPTION, ...rest };
}

/** The file's exact text: what `npm run schema` writes and the test compares. */
export function resultJsonSchemaText(): string {
  return JSON.stringify(resultJsonSchema(), null, 2) + '\n';
}

/**
 * The `$schema` a written result file carries: the shipped schema's path relative to the file when
 * the file is inside this checkout (so an editor finds it, and it survives moving the checkout), else
 * its absolute file:// URL.
 */
export function schemaRefFor(resultPath: string): string {
  const schemaAbs = join(PROJECT_ROOT, RESULT_SCHEMA_PATH);
  const dir = dirname(resolve(resultPath));
  const rel = relative(dir, schemaAbs);
  const inside = !relative(PROJECT_ROOT, dir).startsWith('..') && !isAbsolute(relative(PROJECT_ROOT, dir));
  return inside ? rel.split(sep).join('/') : pathToFileURL(schemaAbs).href;
}
