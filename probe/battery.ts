/**
 * The battery: every probe in order, each bounded in time, each one record whatever happens. A probe that
 * throws becomes an `error` record (or `no-answer` when nothing answered the handshake), a probe past its
 * bound is cut off, and a server that died is restarted before the next probe.
 */
import { HandshakeError } from '../clients/rfc6455/handshake.js';
import type { Findings, ProbeContext, ProbeDefinition, ProbeGroup } from './context.js';
import { backpressureProbe } from './probes/backpressure.js';
import { badInputProbes } from './probes/bad-input.js';
import { closeProbes } from './probes/close.js';
import { handshakeProbes } from './probes/handshake.js';
import { idleCloseProbe, pingPongProbe, serverPingsProbe } from './probes/keepalive.js';
import { fragmentedLimitProbe, fragmentedReassemblyProbe, maxMessageProbe } from './probes/size.js';
import { formatMs } from './reaction.js';
import { ProbeSocket, type ProbeSocketOptions } from './socket.js';
import type { ProbeTarget } from './target.js';
import type { ProbeOutcome, ProbeRecord, ProbeSettings } from './types.js';

/** Every probe, in the order the battery runs them (fragmented-limit builds on max-message). */
export const PROBES: readonly ProbeDefinition[] = [
  maxMessageProbe,
  fragmentedReassemblyProbe,
  fragmentedLimitProbe,
  pingPongProbe,
  serverPingsProbe,
  idleCloseProbe,
  backpressureProbe,
  ...handshakeProbes,
  ...closeProbes,
  ...badInputProbes,
];

export const PROBE_GROUPS: readonly ProbeGroup[] = ['size', 'keepalive', 'backpressure', 'handshake', 'close', 'bad-input'];

/** Thrown by selectProbes for a name that is neither a probe id nor a group. */
export class UnknownProbeError extends Error {
  readonly code = 'UNKNOWN_PROBE';
  constructor(readonly probe: string) {
    super(`unknown probe "${probe}"; known groups: ${PROBE_GROUPS.join(', ')}; probes: ${PROBES.map((p) => p.id).join(', ')}`);
  }
}

/** The probes named by ids or group names (battery order kept); all of them for null. */
export function selectProbes(only: readonly string[] | null): ProbeDefinition[] {
  if (only === null) return [...PROBES];
  for (const name of only) {
    if (!PROBE_GROUPS.includes(name as ProbeGroup) && !PROBES.some((p) => p.id === name)) throw new UnknownProbeError(name);
  }
  return PROBES.filter((p) => only.includes(p.id) || only.includes(p.group));
}

/** Upper bound of the whole battery with these settings, ms (the sum of the probes' bounds). */
export function batteryBoundMs(settings: ProbeSettings): number {
  return selectProbes(settings.only).reduce((sum, p) => sum + p.boundMs(settings), 0);
}

export interface BatteryHooks {
  onProbeStart?(probe: ProbeDefinition): void;
  onProbeDone?(record: ProbeRecord): void;
}

/** Runs the selected probes against target, one after the other. When signal aborts, stops and returns the probes that finished. */
export async function runBattery(target: ProbeTarget, settings: ProbeSettings, hooks: BatteryHooks = {}, signal?: AbortSignal): Promise<ProbeRecord[]> {
  const records: ProbeRecord[] = [];
  const findings: Findings = {};
  const memo = new Map<string, Promise<unknown>>();
  for (const probe of selectProbes(settings.only)) {
    if (signal?.aborted) break;
    hooks.onProbeStart?.(probe);
    const record = await runOne(probe, target, settings, findings, memo, signal);
    // A probe cut short by Ctrl+C observed less than its window: keep only finished probes.
    if (signal?.aborted) break;
    records.push(record);
    hooks.onProbeDone?.(record);
    // A probe that took the server down must not fail every probe after it.
    if (!target.isAlive()) await target.recover().catch(() => false);
  }
  return records;
}

async function runOne(
  probe: ProbeDefinition,
  target: ProbeTarget,
  settings: ProbeSettings,
  findings: Findings,
  memo: Map<string, Promise<unknown>>,
  outer: AbortSignal | undefined,
): Promise<ProbeRecord> {
  const boundMs = probe.boundMs(settings);
  const controller = new AbortController();
  const onOuterAbort = (): void => controller.abort(outer?.reason);
  outer?.addEventListener('abort', onOuterAbort, { once: true });
  const sockets = new Set<ProbeSocket>();
  const ctx: ProbeContext = {
    target,
    settings,
    signal: controller.signal,
    findings,
    async open(options: Partial<ProbeSocketOptions> = {}) {
      const sock = await ProbeSocket.open(target.url, { timeoutMs: settings.answerTimeoutMs, ...options });
      sockets.add(sock);
      // Cut off past the bound: the probe may still be writing on it.
      if (controller.signal.aborted) sock.destroy();
      return sock;
    },
    memo<T>(key: string, fn: () => Promise<T>): Promise<T> {
      let value = memo.get(key);
      if (value === undefined) {
        value = fn();
        memo.set(key, value);
      }
      return value as Promise<T>;
    },
  };

  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const overrun = new Promise<ProbeOutcome>((resolve) => {
    timer = setTimeout(() => {
      controller.abort(new Error('bound'));
      resolve({ observed: `did not finish within its bound of ${formatMs(boundMs)}`, verdict: 'no-answer', details: { boundMs } });
    }, boundMs);
  });
  let outcome: ProbeOutcome;
  try {
    outcome = await Promise.race([probe.run(ctx), overrun]);
  } catch (err) {
    outcome = outcomeOfError(err, settings);
  } finally {
    clearTimeout(timer);
    outer?.removeEventListener('abort', onOuterAbort);
    for (const sock of sockets) sock.destroy();
  }
  return {
    id: probe.id,
    title: probe.title,
    expected: probe.expected,
    observed: outcome.observed,
    verdict: outcome.verdict,
    details: outcome.details,
    durationMs: Math.round(performance.now() - started),
  };
}

/** A handshake nobody answered is an observation (no-answer); anything else thrown is an error. */
export function outcomeOfError(err: unknown, settings: ProbeSettings): ProbeOutcome {
  if (err instanceof HandshakeError) {
    if (err.code === 'HANDSHAKE_TIMEOUT') {
      return {
        observed: `no answer to the handshake within ${formatMs(settings.answerTimeoutMs)}`,
        verdict: 'no-answer',
        details: { error: err.code, message: err.message },
      };
    }
    return { observed: `handshake failed: ${err.message}`, verdict: 'error', details: { error: err.code, message: err.message } };
  }
  const code = (err as NodeJS.ErrnoException | null)?.code;
  const message = err instanceof Error ? err.message : String(err);
  if (code === 'ECONNREFUSED') return { observed: 'connection refused (is the server running?)', verdict: 'error', details: { error: code, message } };
  return { observed: `probe failed: ${message}`, verdict: 'error', details: { error: code ?? (err instanceof Error ? err.name : 'unknown'), message } };
}
