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
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'UsageError';
    this.code = code;
  }
}

/** A run that started and failed (server died, every cell failed, …): exit 1. */
export class RunError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'RunError';
    this.code = code;
  }
}
