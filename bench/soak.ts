/**
 * The soak (issue 14): one long open-loop cell against ws-loop with faults injected, to show that the
 * client's memory stays bounded and that no fault is lost silently.
 *
 *   steady          most of the time: ws-loop drops 1 reply in `dropEvery` (--drop-every); the client
 *                   workers' RSS is sampled from /proc; the drops must show up as `lost`
 *   server-restart  the server is SIGKILLed mid-window and started again on the same port: the cell must
 *                   show every connection closed unexpectedly; a short check after it must reach the new one
 *   worker-kill     one client worker is SIGKILLed mid-window: the engine's crash handling must fail the
 *                   cell naming the worker and its signal, and leave no worker behind
 *
 * Each piece returns data; cli/commands/soak.ts prints it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { runLoad, WorkerCrashError } from '../clients/engine/engine.js';
import type { LoadPlan, LoadReport, MessageCounts } from '../clients/types.js';
import { type RunningServer, startServer } from '../servers/launch.js';
import type { ServerSpec } from '../servers/spec.js';
import { wsLoopSpec } from '../servers/ws-loop/spec.js';

export interface SoakOptions {
  /** Whole soak, all legs. */
  durationMs: number;
  connections: number;
  /** Open-loop target, messages/s over all connections. */
  rateHz: number;
  /** The server leaves every dropEvery-th message unanswered. */
  dropEvery: number;
  clientWorkers: number;
  /** How often the client workers' RSS is read. */
  rssIntervalMs: number;
  /** Progress lines (for the CLI). */
  log?: (line: string) => void;
  signal?: AbortSignal;
}

export const DEFAULT_SOAK: Omit<SoakOptions, 'durationMs'> = { connections: 50, rateHz: 2000, dropEvery: 10_000, clientWorkers: 2, rssIntervalMs: 5000 };
/** Shortest soak with room for its three legs. */
export const MIN_SOAK_MS = 30_000;
/** Goal: client RSS at the end ≤ this × its RSS after the first minute. */
export const RSS_GROWTH_BOUND = 1.2;

export interface RssSample {
  /** Since the steady window began. */
  tMs: number;
  /** Summed over the client worker processes. */
  rssBytes: number;
  workers: number;
}

export interface FaultOutcome {
  fault: 'dropped-replies' | 'server-restart' | 'client-worker-kill';
  injected: string;
  /** How it showed in the result, in words with the numbers. */
  showedAs: string;
  /** The fault is visible in the result (not lost silently). */
  shown: boolean;
}

export interface SoakReport {
  durationMs: number;
  server: string;
  /** The server's ready-line knobs (dropEvery among them: the test mode is recorded, never hidden). */
  serverKnobs: RunningServer['knobs'];
  legs: { steadyMs: number; faultLegMs: number };
  rss: {
    samples: RssSample[];
    /** RSS at the reference point: 1 min into the steady window, or a quarter of it when shorter. */
    referenceAtMs: number;
    referenceBytes: number | null;
    endBytes: number | null;
    ratio: number | null;
    bound: number;
    withinBound: boolean;
  };
  steady: { counts: MessageCounts; achievedRateHz: number; unexpectedCloses: number } | null;
  faults: FaultOutcome[];
  /** Every fault shown and RSS within its bound. */
  ok: boolean;
}

/** Live client worker processes started by this process (clients/engine/ws-load-child.js). */
export function clientWorkerPids(): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) !== process.pid || fields[0] === 'Z') continue;
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes('clients/engine/ws-load-child.js')) pids.push(Number(entry));
    } catch {
      // exited while we looked
    }
  }
  return pids;
}

/** Resident set size of a process from /proc/<pid>/status (VmRSS), or null when it is gone. */
export function rssBytesOf(pid: number): number | null {
  try {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/** ws-loop that drops every dropEvery-th reply: the spec with the hidden test-mode flag appended. */
export function droppingWsLoop(dropEvery: number): ServerSpec {
  return {
    ...wsLoopSpec,
    command: (o) => {
      const c = wsLoopSpec.command(o);
      return { ...c, args: [...c.args, '--drop-every', String(dropEvery)] };
    },
  };
}

/** Leg lengths: each fault leg a tenth of the soak (10 s to 60 s), the rest steady. */
export function soakLegs(durationMs: number): { steadyMs: number; faultLegMs: number } {
  const faultLegMs = Math.min(60_000, Math.max(10_000, Math.round(durationMs / 10)));
  return { steadyMs: durationMs - 2 * faultLegMs, faultLegMs };
}

/** The RSS reference point: one minute into the steady window, or a quarter of it when that is shorter. */
export function rssReferenceMs(steadyMs: number): number {
  return Math.min(60_000, Math.round(steadyMs / 4));
}

function plan(url: string, o: SoakOptions, durationMs: number): LoadPlan {
  return {
    url,
    connections: o.connections,
    workers: o.clientWorkers,
    clientCpus: null,
    mode: 'open',
    depth: 1,
    rateHz: o.rateHz,
    payloadBytes: 64,
    mix: { kind: 'echo' },
    rampPerSec: null,
    warmupMs: 1000,
    durationMs,
    drainMs: 2000,
    handshakeTimeoutMs: 5000,
    localAddresses: [],
  };
}

/** Calls fn `afterMs` into the measured window of a run (from its 'measuring' event). */
function inWindow(afterMs: number, fn: () => void): { onEvent: (e: { type: string; phase?: string }) => void; cancel: () => void } {
  let timer: NodeJS.Timeout | null = null;
  return {
    onEvent: (e) => {
      if (e.type === 'phase' && e.phase === 'measuring') timer = setTimeout(fn, afterMs);
    },
    cancel: () => {
      if (timer !== null) clearTimeout(timer);
    },
  };
}

/** Steady leg: drops on, RSS sampled. */
export async function steadyLeg(server: RunningServer, o: SoakOptions, steadyMs: number): Promise<{ report: LoadReport; samples: RssSample[] }> {
  const samples: RssSample[] = [];
  let t0 = 0;
  let timer: NodeJS.Timeout | null = null;
  const sample = (): void => {
    const pids = clientWorkerPids();
    let rss = 0;
    for (const pid of pids) rss += rssBytesOf(pid) ?? 0;
    samples.push({ tMs: Math.round(performance.now() - t0), rssBytes: rss, workers: pids.length });
  };
  try {
    const report = await runLoad(
      plan(server.url, o, steadyMs),
      (e) => {
        if (e.type === 'phase' && e.phase === 'measuring') {
          t0 = performance.now();
          sample();
          timer = setInterval(sample, o.rssIntervalMs);
        }
        if (e.type === 'phase' && e.phase === 'draining') {
          sample();
          if (timer !== null) clearInterval(timer);
          timer = null;
        }
      },
      o.signal,
    );
    return { report, samples };
  } finally {
    if (timer !== null) clearInterval(timer);
  }
}

/** What the drops must look like: lost ≥ 1 when the server saw ≥ dropEvery messages, and no more than it dropped. */
export function dropOutcome(counts: MessageCounts, dropEvery: number, warmupSent: number): FaultOutcome {
  const maxDropped = Math.floor((counts.sent + warmupSent) / dropEvery) + 1;
  const minDropped = Math.floor(counts.sent / dropEvery) - 1;
  const shown = counts.lost >= Math.max(1, minDropped) && counts.lost <= maxDropped && counts.sent === counts.received + counts.lost;
  return {
    fault: 'dropped-replies',
    injected: `ws-loop --drop-every ${dropEvery} (1 reply in ${dropEvery} never sent)`,
    showedAs: `lost ${counts.lost} of ${counts.sent} sent (expected about ${Math.round(counts.sent / dropEvery)}); sent = received + lost: ${counts.sent === counts.received + counts.lost}; late ${counts.late ?? 0}, duplicated ${counts.duplicated}, unexpected ${counts.unexpected}`,
    shown,
  };
}

/** Server-restart leg: SIGKILL the server mid-window, start it again on the same port, check it answers. */
export async function serverRestartLeg(
  server: RunningServer,
  spec: ServerSpec,
  o: SoakOptions,
  legMs: number,
): Promise<{ outcome: FaultOutcome; server: RunningServer }> {
  let restarted: Promise<RunningServer> | null = null;
  let restartMs = 0;
  const fault = inWindow(legMs / 2, () => {
    const t = performance.now();
    try {
      process.kill(-server.pid, 'SIGKILL');
    } catch {
      // already gone
    }
    restarted = server.exited.then(async () => {
      const s = await startServer(spec, { port: server.port });
      restartMs = Math.round(performance.now() - t);
      return s;
    });
  });
  let report: LoadReport | null = null;
  let error: string | null = null;
  try {
    report = await runLoad(plan(server.url, o, legMs), fault.onEvent, o.signal);
  } catch (err) {
    error = (err as Error).message;
  } finally {
    fault.cancel();
  }
  const next = restarted === null ? server : await (restarted as Promise<RunningServer>);
  // The restarted server must serve a fresh cell.
  const check = await runLoad({ ...plan(next.url, o, 3000), mode: 'closed', rateHz: null, warmupMs: 300, drainMs: 500 }, undefined, o.signal).catch(
    (e: unknown) => e as Error,
  );
  const closes = report?.connections.unexpectedCloses ?? 0;
  const checkOk = !(check instanceof Error) && check.connections.established === o.connections && check.counts.received > 0;
  const errors = report
    ? Object.entries(report.connections.errors)
        .map(([k, v]) => `${k}: ${v}`)
        .join(', ')
    : '';
  const showedAs =
    report === null
      ? `the cell failed: ${error}`
      : `${closes} of ${report.connections.established} connections closed unexpectedly (${errors || 'no errors'}); achieved ${report.achievedRateHz} of ${o.rateHz} msg/s; ` +
        `lost ${report.counts.lost} of ${report.counts.sent}; restarted in ${restartMs} ms; ` +
        (check instanceof Error
          ? `check after restart failed: ${check.message}`
          : `check after restart: ${check.connections.established} connected, ${check.counts.received} answered`);
  return {
    outcome: {
      fault: 'server-restart',
      injected: `SIGKILL to the server's process group ${legMs / 2000} s into a ${legMs / 1000} s window, then restarted on port ${server.port}`,
      showedAs,
      shown: restarted !== null && (report === null || closes === report.connections.established) && checkOk,
    },
    server: next,
  };
}

/** Worker-kill leg: SIGKILL one client worker mid-window; the engine must fail the cell saying so. */
export async function workerKillLeg(server: RunningServer, o: SoakOptions, legMs: number): Promise<FaultOutcome> {
  let killed: number | null = null;
  const fault = inWindow(legMs / 2, () => {
    const pid = clientWorkerPids()[0];
    if (pid === undefined) return;
    killed = pid;
    process.kill(pid, 'SIGKILL');
  });
  let err: unknown = null;
  try {
    await runLoad(plan(server.url, o, legMs), fault.onEvent, o.signal);
  } catch (e) {
    err = e;
  } finally {
    fault.cancel();
  }
  await new Promise((r) => setTimeout(r, 200));
  const left = clientWorkerPids();
  const crash = err instanceof WorkerCrashError;
  return {
    fault: 'client-worker-kill',
    injected: killed === null ? 'no worker was found to kill' : `SIGKILL to client worker pid ${killed} ${legMs / 2000} s into a ${legMs / 1000} s window`,
    showedAs: crash
      ? `the cell failed: ${(err as Error).message}; workers left behind: ${left.length}`
      : err !== null
        ? `the cell failed otherwise: ${(err as Error).message}`
        : 'the cell completed as if nothing happened',
    shown: killed !== null && crash && (err as WorkerCrashError).pid === killed && left.length === 0,
  };
}

/** Runs the whole soak. */
export async function runSoak(o: SoakOptions): Promise<SoakReport> {
  const log = o.log ?? (() => {});
  const { steadyMs, faultLegMs } = soakLegs(o.durationMs);
  const spec = droppingWsLoop(o.dropEvery);
  let server = await startServer(spec);
  const serverKnobs = server.knobs;
  const faults: FaultOutcome[] = [];
  let steady: SoakReport['steady'] = null;
  let samples: RssSample[] = [];
  try {
    log(`steady: ${steadyMs / 1000} s at ${o.rateHz} msg/s over ${o.connections} connections, ws-loop dropping 1 reply in ${o.dropEvery}`);
    try {
      const r = await steadyLeg(server, o, steadyMs);
      samples = r.samples;
      steady = { counts: r.report.counts, achievedRateHz: r.report.achievedRateHz, unexpectedCloses: r.report.connections.unexpectedCloses };
      // Warmup sends reach the server too (and may be the ones it drops): at most warmup × rate of them.
      faults.push(dropOutcome(r.report.counts, o.dropEvery, Math.ceil(o.rateHz * 1.1)));
    } catch (err) {
      faults.push({
        fault: 'dropped-replies',
        injected: `ws-loop --drop-every ${o.dropEvery}`,
        showedAs: `the steady cell failed: ${(err as Error).message}`,
        shown: false,
      });
    }
    log(faults[0]!.showedAs);
    o.signal?.throwIfAborted();
    log(`server restart: ${faultLegMs / 1000} s`);
    const restart = await serverRestartLeg(server, spec, o, faultLegMs);
    server = restart.server;
    faults.push(restart.outcome);
    log(restart.outcome.showedAs);
    o.signal?.throwIfAborted();
    log(`client worker kill: ${faultLegMs / 1000} s`);
    faults.push(await workerKillLeg(server, o, faultLegMs));
    log(faults[2]!.showedAs);
  } finally {
    await server.stop();
  }
  const referenceAtMs = rssReferenceMs(steadyMs);
  const ref = samples.find((s) => s.tMs >= referenceAtMs && s.workers > 0) ?? null;
  const end = [...samples].reverse().find((s) => s.workers > 0) ?? null;
  const ratio = ref && end && ref.rssBytes > 0 ? end.rssBytes / ref.rssBytes : null;
  const withinBound = ratio !== null && ratio <= RSS_GROWTH_BOUND;
  return {
    durationMs: o.durationMs,
    server: `${wsLoopSpec.name} --drop-every ${o.dropEvery}`,
    serverKnobs,
    legs: { steadyMs, faultLegMs },
    rss: { samples, referenceAtMs, referenceBytes: ref?.rssBytes ?? null, endBytes: end?.rssBytes ?? null, ratio, bound: RSS_GROWTH_BOUND, withinBound },
    steady,
    faults,
    ok: withinBound && faults.length === 3 && faults.every((f) => f.shown),
  };
}
