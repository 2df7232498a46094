import { ServerArgsError } from './args.js';

/** One integer flag a server takes besides the common ones (args.ts). */
export interface OwnFlagSpec {
  min: number;
  max: number;
  /** Named in the messages, e.g. 'ms' gives "needs a value (ms)" and "… to 3600000 (ms)". */
  unit?: string;
}

/**
 * Takes a server's own integer flags (`--flag N` or `--flag=N`, names as the keys of specs) out of argv;
 * the rest goes on to parseServerArgs in its order. Shared so every server reads its own flags the same
 * way and says the same about a bad one. Throws ServerArgsError naming the flag, value and range.
 */
export function splitOwnFlags<F extends string>(
  argv: readonly string[],
  specs: Readonly<Record<F, OwnFlagSpec>>,
): { values: Partial<Record<F, number>>; rest: string[] } {
  const values: Partial<Record<F, number>> = {};
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.indexOf('=');
    const name = eq < 0 ? arg : arg.slice(0, eq);
    if (!Object.hasOwn(specs, name)) {
      rest.push(arg);
      continue;
    }
    const flag = name as F;
    const { min, max, unit } = specs[flag];
    const unitNote = unit === undefined ? '' : ` (${unit})`;
    const text = eq >= 0 ? arg.slice(eq + 1) : argv[++i];
    if (text === undefined) throw new ServerArgsError(`${flag} needs a value${unitNote}`);
    const value = /^\d+$/.test(text) ? Number(text) : Number.NaN;
    if (!Number.isSafeInteger(value) || value < min || value > max) {
      throw new ServerArgsError(`${flag} must be an integer from ${min} to ${max}${unitNote}, got "${text}"`);
    }
    values[flag] = value;
  }
  return { values, rest };
}
