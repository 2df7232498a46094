import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** `--json` prints to stdout; `--json=path` writes to a file ('-' also means stdout), as vitest does. */
export function emitJson(value: unknown, target: string | boolean): void {
  const text = `${JSON.stringify(value, null, 2)}\n`;
  if (target === true || target === '-') {
    process.stdout.write(text);
  } else if (typeof target === 'string') {
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, text);
  }
}
