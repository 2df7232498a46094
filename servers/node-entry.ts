import { existsSync } from 'node:fs';
import { distPath } from '../protocol/paths.js';
import type { Availability, LaunchCommand } from './spec.js';

/**
 * Helpers for specs of Node servers: the runner always starts compiled JS from dist/, also when it
 * is itself TypeScript loaded by vitest.
 */

/** Available when the compiled entry dist/<relative> exists; otherwise says to build. */
export function builtEntryAvailability(relative: string): Availability {
  const entry = distPath(relative);
  if (existsSync(entry)) return { available: true };
  return { available: false, reason: `${entry} does not exist (the project is not built)`, fix: 'npm run build' };
}

/** `node dist/<relative> ...args`, run by the same Node binary as the runner. */
export function nodeEntryCommand(relative: string, args: string[], env?: Record<string, string>): LaunchCommand {
  const command: LaunchCommand = { file: process.execPath, args: [distPath(relative), ...args] };
  if (env !== undefined) command.env = env;
  return command;
}
