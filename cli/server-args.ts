/**
 * `--server-arg name=value`: a server's own flags (ServerSpec.serverArgs), passed through by run, suite
 * and serve. Checked against every selected server before anything starts, so a typo or an out-of-range
 * value is a usage error naming the server, the flag and what it takes.
 */

import { UsageError } from '../core/errors.js';
import { parseInteger } from '../core/parse.js';
import type { ServerSpec } from '../servers/spec.js';

/** Commander collector: every occurrence of a repeatable option, in order. */
export function collectRepeated(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/**
 * "max-threads=200" (repeatable, or comma-separated as suites write it) → { 'max-threads': 200 }, valid
 * for every spec in `specs`.
 */
export function parseServerArgFlags(raw: string | readonly string[] | undefined, specs: readonly ServerSpec[]): Record<string, number> {
  const items = (typeof raw === 'string' ? [raw] : (raw ?? []))
    .flatMap((r) => r.split(','))
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const out: Record<string, number> = {};
  for (const item of items) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new UsageError('BAD_SERVER_ARG', `--server-arg: "${item}" must look like name=value (e.g. max-threads=200)`);
    const name = item.slice(0, eq).trim();
    const value = item.slice(eq + 1);
    if (Object.hasOwn(out, name)) throw new UsageError('BAD_SERVER_ARG', `--server-arg: "${name}" is given twice`);
    if (specs.length === 0) throw new UsageError('BAD_SERVER_ARG', `--server-arg: "${item}": only servers wsarena starts take server args (not --target)`);
    let parsed: number | null = null;
    for (const spec of specs) {
      const arg = spec.serverArgs?.find((a) => a.name === name);
      if (arg === undefined) {
        const takes = spec.serverArgs?.length ? spec.serverArgs.map((a) => `${a.name} (${a.min}–${a.max}: ${a.description})`).join(', ') : 'none';
        throw new UsageError('UNKNOWN_SERVER_ARG', `--server-arg: "${item}": server ${spec.name} has no flag "${name}"; it takes: ${takes}`);
      }
      parsed = parseInteger(`--server-arg ${name} (${spec.name})`, value, { min: arg.min, max: arg.max });
    }
    out[name] = parsed!;
  }
  return out;
}
