/**
 * The probe battery's data model: what one probe reports, and the settings that bound every probe in time
 * and size. The result section (extra.probe of a result file) is made of these; probe/schema.ts validates it.
 */

/**
 * How an observation compares with RFC 6455's reference behaviour:
 * - `as-rfc`: the server did what the RFC says (or allows);
 * - `differs`: it answered, but not as the RFC says;
 * - `no-answer`: nothing came back within the probe's time bound;
 * - `error`: the probe itself could not run (connection refused, a bug on our side).
 */
export type ProbeVerdict = 'as-rfc' | 'differs' | 'no-answer' | 'error';

/** What a probe's run returns; the battery adds id, title, expected and the duration. */
export interface ProbeOutcome {
  /** One line for the table: what the server did, with the numbers. */
  observed: string;
  verdict: ProbeVerdict;
  /** Probe-specific figures (sizes in bytes, times in ms), JSON-safe. */
  details: Record<string, unknown>;
}

/** One probe's record in the result section. */
export interface ProbeRecord extends ProbeOutcome {
  id: string;
  title: string;
  /** RFC 6455's reference behaviour, with the section. */
  expected: string;
  durationMs: number;
}

/** Everything measured on one server. */
export interface ServerProbeReport {
  server: string;
  /** ws:// URL probed (the first one, when a crash forced a restart). */
  url: string | null;
  knobs: Record<string, string | number | boolean | null>;
  probes: ProbeRecord[];
  /** Why the battery could not run on this server (it did not start, …); null when it ran. */
  error: string | null;
  /** Times the server process died during the battery (and was restarted for the next probe). */
  crashes: number;
  durationMs: number;
}

/** extra.probe of a `kind: 'probe'` result file. */
export interface ProbeSection {
  settings: ProbeSettings;
  servers: ServerProbeReport[];
}

/** Bounds of the battery. Every probe finishes within a known time and sends a known number of bytes. */
export interface ProbeSettings {
  /** Largest message size tried by the size probes, bytes. Default 32 MiB (servers are set to 16 MiB). */
  maxMessageCapBytes: number;
  /** Longest wait for any single reaction (an echo, a close frame, a handshake answer), ms. Default 2000. */
  answerTimeoutMs: number;
  /** Time budget of the max-message bisection after the doubling phase, ms. Default 6000. */
  maxMessageBudgetMs: number;
  /** How long an idle connection is watched for server pings and an idle close, ms. Default 5000. */
  keepaliveWindowMs: number;
  /** Longest the backpressure probe floods a non-reading connection, ms. Default 4000. */
  backpressureWindowMs: number;
  /** Most bytes the backpressure probe sends, bytes. Default 64 MiB. */
  backpressureBytes: number;
  /** Probe ids (or group names) to run; null = all. */
  only: string[] | null;
}

export const DEFAULT_PROBE_SETTINGS: ProbeSettings = {
  maxMessageCapBytes: 32 * 1024 * 1024,
  answerTimeoutMs: 2_000,
  maxMessageBudgetMs: 6_000,
  keepaliveWindowMs: 5_000,
  backpressureWindowMs: 4_000,
  backpressureBytes: 64 * 1024 * 1024,
  only: null,
};
