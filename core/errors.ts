import type { RunErrorCode, UsageErrorCode } from './error-codes.js';

export type { RunErrorCode, ServerLaunchErrorCode, UsageErrorCode } from './error-codes.js';

/** Exit codes wsarena documents (README): 0 ok, 1 a run failed, 2 bad usage or input, 3 compare threshold exceeded, 130 interrupted. */
export const ExitCode = {
  OK: 0,
  RUN_FAILED: 1,
  USAGE: 2,
  THRESHOLD: 3,
  INTERRUPTED: 130,
} as const;

/**
 * Bad input from the user: a flag, a scenario file, a result file. The message names the input, what
 * was received and what is allowed; the CLI prints it as `Error: …` and exits 2.
 */
export class UsageError extends Error {
  readonly code: UsageErrorCode;
  constructor(code: UsageErrorCode, message: string) {
    super(message);
    this.name = 'UsageError';
    this.code = code;
  }
}

/** A run that started and failed (server died, every cell failed, …): exit 1. */
export class RunError extends Error {
  readonly code: RunErrorCode;
  constructor(code: RunErrorCode, message: string) {
    super(message);
    this.name = 'RunError';
    this.code = code;
  }
}

/**
 * The one mapping from an error to wsarena's exit code: bad input 2, a failed run 1. null for an error
 * wsarena does not expect (a bug): cli/main.ts then prints one line and a hint, and exits 1 too.
 */
export function exitCodeOf(err: unknown): (typeof ExitCode)['USAGE' | 'RUN_FAILED'] | null {
  if (err instanceof UsageError) return ExitCode.USAGE;
  if (err instanceof RunError) return ExitCode.RUN_FAILED;
  return null;
}
