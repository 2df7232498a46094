/**
 * Exit codes of a server process (docs/PROTOCOL.md §6), in one place so every Node server exits with the
 * same number for the same cause. The Go (usageExitCode) and Java (USAGE_EXIT_CODE) servers mirror them.
 * They match the CLI's core/errors.ts ExitCode numbers by intent (2 = bad input, 1 = failed) but are a
 * separate contract: the launcher reads a server's exit, the user reads the CLI's.
 */
export const ServerExitCode = {
  /** Stopped as asked: SIGTERM, SIGINT or the stdin lifeline, whether or not shutdown finished in time. */
  STOPPED: 0,
  /**
   * Could not go on serving as configured: the native uWS binary is unavailable, or a worker process or
   * thread died (a cluster short of a worker is not the model its knobs describe).
   */
  FAILED: 1,
  /** Bad input: an unknown flag, a bad value, or a host/port it cannot listen on. */
  USAGE: 2,
} as const;
export type ServerExitCode = (typeof ServerExitCode)[keyof typeof ServerExitCode];
