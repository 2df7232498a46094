/**
 * Every code a UsageError or RunError carries, declared once. A code is stable (tests and scripts branch on
 * it); the message is for people. Adding an error: add its code here, and a case to
 * test/cli/bad-input-cases.ts (DEVELOPERS.md "Exit codes and errors").
 */

/** Bad input (exit 2): a flag, a scenario or result file, or a machine that cannot run what was asked. */
export type UsageErrorCode =
  // A flag's value: not of its kind, out of its range, or at odds with another flag.
  | 'BAD_CONNECTIONS'
  | 'BAD_CPUS'
  | 'BAD_DURATION'
  | 'BAD_EXPORT'
  | 'BAD_FLAG'
  | 'BAD_INTEGER'
  | 'BAD_LIST'
  | 'BAD_NUMBER'
  | 'BAD_OUT'
  | 'BAD_SERVER_ARG'
  | 'BAD_SIZE'
  | 'BAD_STALL'
  | 'BAD_TARGET'
  | 'BAD_THRESHOLD'
  | 'CONFLICTING_FLAGS'
  | 'OUT_OF_RANGE'
  // A name that is not in its registry.
  | 'UNKNOWN_ENTRY'
  | 'UNKNOWN_PROBE'
  | 'UNKNOWN_SERVER'
  | 'UNKNOWN_SERVER_ARG'
  | 'UNKNOWN_TOOL'
  | 'UNKNOWN_WORKLOAD'
  | 'TOOL_UNSUPPORTED'
  // Files given as input: scenarios, result files, profile manifests.
  | 'SCENARIO_INVALID'
  | 'SCENARIO_MISSING'
  | 'SCENARIO_NOT_JSON'
  | 'RESULT_INVALID'
  | 'RESULT_MISSING'
  | 'RESULT_NOT_JSON'
  | 'RESULT_UNREADABLE'
  | 'RESULT_VERSION'
  | 'NO_RESULTS'
  | 'NO_MATCHING_CELLS'
  | 'BAD_PROFILE_MANIFEST'
  | 'README_MARKERS'
  | 'README_MISSING'
  // Runs split over agents: plan files, segment flags, and the merge that puts the segments back together.
  | 'MISSING_FLAG'
  | 'BAD_PLAN'
  | 'BAD_SEGMENT'
  | 'BAD_START_AT'
  | 'MERGE_NOTHING'
  | 'MERGE_NOT_SEGMENT'
  | 'MERGE_PLAN_DIFFERS'
  | 'MERGE_DUPLICATE_SEGMENT'
  | 'MERGE_MISSING_SEGMENT'
  // segments and plans: one agent's share of a distributed run (cli/segment-flags.ts, cli/plan-file.ts).
  | 'BAD_SEGMENT'
  | 'BAD_START_AT'
  | 'BAD_PLAN'
  // What this machine cannot do as asked (bench/preflight.ts, missing tools, a taken --port, an unavailable server for serve).
  | 'TOO_FEW_PORTS'
  | 'TOO_MANY_FDS_CLIENT'
  | 'TOO_MANY_FDS_SERVER'
  | 'NO_TASKSET'
  | 'NO_CHROMIUM'
  | 'PORT_IN_USE'
  | 'SERVER_UNAVAILABLE';

/** Why a server could not be started or queried (servers/launch.ts); a RunError when the CLI passes it on. */
export type ServerLaunchErrorCode =
  /** spec.availability() said no; the message carries its reason (and fix). */
  | 'SERVER_UNAVAILABLE'
  /** The process could not be spawned at all (e.g. the executable does not exist). */
  | 'SPAWN_FAILED'
  /** The process exited before printing its ready line. */
  | 'SERVER_EXITED'
  /** A fixed port was already taken. */
  | 'PORT_IN_USE'
  /** No ready line within readyTimeoutMs; the process was killed. */
  | 'READY_TIMEOUT'
  /** The ready line was not a valid ReadyAnnouncement. */
  | 'BAD_READY_LINE'
  /** GET /stats failed, timed out, or returned something that is not a StatsSnapshot. */
  | 'STATS_FAILED';

/** A run that started and failed (exit 1). */
export type RunErrorCode =
  | ServerLaunchErrorCode
  /** The result file could not be written (results/writer.ts). */
  | 'RESULT_WRITE'
  /** compare: NEW is not complete, so it cannot pass. */
  | 'INCOMPLETE_NEW'
  /** profile: the unprofiled run failed. */
  | 'RUN_FAILED'
  /** profile: the profiler could not run, failed, or left output that cannot be read. */
  | 'PROFILER_UNAVAILABLE'
  | 'PROFILER_FAILED'
  | 'BAD_CPUPROFILE'
  | 'BAD_PPROF_TOP';
