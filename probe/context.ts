/**
 * What a probe gets to work with, and small helpers every probe shares: opening tracked sockets, building
 * contract ECHO messages, and checking that the server still echoes.
 */
import { buildMessage, nowUs, Op } from '../protocol/wire.js';
import type { Reaction } from './reaction.js';
import type { ProbeEvent, ProbeSocket, ProbeSocketOptions } from './socket.js';
import type { ProbeTarget } from './target.js';
import type { ProbeOutcome, ProbeSettings } from './types.js';

/** Groups usable with --only, besides single probe ids. */
export type ProbeGroup = 'size' | 'keepalive' | 'backpressure' | 'handshake' | 'close' | 'bad-input';

export interface ProbeDefinition {
  id: string;
  group: ProbeGroup;
  title: string;
  /** RFC 6455's reference behaviour, with the section. */
  expected: string;
  /** Hard limit on the probe's run, ms: past it the battery records "no answer" and moves on. */
  boundMs(settings: ProbeSettings): number;
  run(ctx: ProbeContext): Promise<ProbeOutcome>;
}

/** Facts one probe finds and a later one builds on. */
export interface Findings {
  /** From max-message: largest size seen accepted and smallest seen refused (null: none up to the cap). */
  maxMessage?: { acceptedBytes: number; refusedBytes: number | null };
}

export interface ProbeContext {
  readonly target: ProbeTarget;
  readonly settings: ProbeSettings;
  /** Aborted when the probe runs past its bound or the user interrupts. */
  readonly signal: AbortSignal;
  readonly findings: Findings;
  /** Opens an RFC 6455 connection to the target; the battery destroys it after the probe. */
  open(options?: Partial<ProbeSocketOptions>): Promise<ProbeSocket>;
  /** Runs fn once per battery and shares its result (probes that read one observation). */
  memo<T>(key: string, fn: () => Promise<T>): Promise<T>;
}

let seq = 0;

/** A contract ECHO message of exactly `bytes` bytes (header included; at least 16). */
export function echoMessage(bytes: number): Buffer {
  return buildMessage(Op.ECHO, ++seq >>> 0, nowUs(), Math.max(0, bytes - 16));
}

/** Matches the echo of `sent`: a binary message with the same bytes. */
export function isEchoOf(sent: Buffer): (event: ProbeEvent) => boolean {
  return (event) => event.type === 'message' && event.binary && event.data.length === sent.length && event.data.equals(sent);
}

/** Sends a 64-byte ECHO on sock and waits for it; returns the round trip in ms, or null. */
export async function echoRoundTrip(sock: ProbeSocket, timeoutMs: number, signal?: AbortSignal): Promise<number | null> {
  if (sock.isEnded) return null;
  const message = echoMessage(64);
  const from = sock.events.length;
  const sentAt = sock.nowMs();
  sock.send(message);
  const match = isEchoOf(message);
  const event = await sock.waitFor(from, (e) => match(e) || e.type === 'end', timeoutMs, signal);
  return event !== null && event.type === 'message' ? Math.round((event.atMs - sentAt) * 10) / 10 : null;
}

/**
 * Whether the server still serves: a fresh connection echoes. `crashed` is true when its process is gone
 * (then the battery restarts it for the next probe).
 */
export async function serverHealth(ctx: ProbeContext): Promise<{ echoes: boolean; crashed: boolean }> {
  if (!ctx.target.isAlive()) return { echoes: false, crashed: true };
  try {
    const sock = await ctx.open();
    const rtt = await echoRoundTrip(sock, ctx.settings.answerTimeoutMs, ctx.signal);
    sock.destroy();
    return { echoes: rtt !== null, crashed: !ctx.target.isAlive() };
  } catch {
    return { echoes: false, crashed: !ctx.target.isAlive() };
  }
}

/**
 * Whether the server process died with this reaction. A dying process resets its connections before the
 * launcher has reaped it, so a disconnect gets a moment for the exit to be noticed.
 */
export async function crashedAfter(ctx: ProbeContext, reaction: Reaction): Promise<boolean> {
  if (ctx.target.pid === null) return false;
  if (reaction.kind === 'disconnect' || reaction.kind === 'none') await sleep(CRASH_NOTICE_MS);
  return !ctx.target.isAlive();
}

/** How long after a disconnect the battery looks for the server's exit. */
const CRASH_NOTICE_MS = 150;

/** Waits ms, or less when signal aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
