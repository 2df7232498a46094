/**
 * What a server did after we provoked it: a reply, a close frame, a bare TCP disconnect, a frame we cannot
 * parse, or nothing within the bound. Every probe reduces its observation to one of these.
 */
import type { ProbeEvent, ProbeSocket } from './socket.js';

export type Reaction =
  /** The reply the probe was looking for arrived. */
  | { kind: 'reply'; afterMs: number }
  /** A close frame; tcpClosedAfterMs is when the server then ended TCP (null: not within the bound). */
  | { kind: 'close'; code: number | null; reason: string; afterMs: number; tcpClosedAfterMs: number | null }
  /** TCP ended without a close frame. */
  | { kind: 'disconnect'; how: 'fin' | 'reset'; afterMs: number }
  /** The server sent a frame that breaks RFC 6455. */
  | { kind: 'protocol-error'; code: string; message: string; afterMs: number }
  /** Nothing within windowMs. */
  | { kind: 'none'; windowMs: number };

export interface AwaitReactionOptions {
  /** Events logged before this index are history, not reactions. */
  from: number;
  /** The provocation's time on the socket's clock (ProbeSocket.nowMs()). */
  sinceMs: number;
  timeoutMs: number;
  /** Which event counts as the reply (an echo, a pong); default: none does (only closes and disconnects count). */
  isReply?: (event: ProbeEvent) => boolean;
  signal?: AbortSignal;
}

/**
 * Waits for the first reaction. After a close frame it waits (up to timeoutMs more) for the server to
 * end TCP, as §7.1.1 asks of servers, so the report can say who closed the connection.
 */
export async function awaitReaction(sock: ProbeSocket, options: AwaitReactionOptions): Promise<Reaction> {
  const { from, sinceMs, timeoutMs, isReply, signal } = options;
  const event = await sock.waitFor(
    from,
    (e) => e.type === 'close' || e.type === 'end' || e.type === 'protocol-error' || isReply?.(e) === true,
    timeoutMs,
    signal,
  );
  if (event === null) return { kind: 'none', windowMs: timeoutMs };
  const afterMs = round(event.atMs - sinceMs);
  if (isReply?.(event)) return { kind: 'reply', afterMs };
  switch (event.type) {
    case 'protocol-error':
      return { kind: 'protocol-error', code: event.code, message: event.message, afterMs };
    case 'end':
      return { kind: 'disconnect', how: event.how === 'reset' ? 'reset' : 'fin', afterMs };
    case 'close': {
      const index = sock.events.indexOf(event);
      const end = await sock.waitFor(index + 1, (e) => e.type === 'end', timeoutMs, signal);
      const tcpClosedAfterMs = end !== null && end.type === 'end' && end.how !== 'destroyed' ? round(end.atMs - sinceMs) : null;
      return { kind: 'close', code: event.code, reason: event.reason, afterMs, tcpClosedAfterMs };
    }
    default:
      return { kind: 'none', windowMs: timeoutMs };
  }
}

/** "close 1009 "Max payload size exceeded" after 3 ms", "TCP reset, no close frame, after 2 ms", … */
export function describeReaction(reaction: Reaction): string {
  switch (reaction.kind) {
    case 'reply':
      return `replied after ${formatMs(reaction.afterMs)}`;
    case 'close': {
      const code = reaction.code === null ? 'close frame without a code' : `close ${reaction.code}`;
      const reason = reaction.reason === '' ? '' : ` "${truncate(reaction.reason, 40)}"`;
      return `${code}${reason} after ${formatMs(reaction.afterMs)}`;
    }
    case 'disconnect':
      return `TCP ${reaction.how === 'reset' ? 'reset' : 'FIN'} without a close frame after ${formatMs(reaction.afterMs)}`;
    case 'protocol-error':
      return `sent an invalid frame (${reaction.code}) after ${formatMs(reaction.afterMs)}`;
    case 'none':
      return `no answer within ${formatMs(reaction.windowMs)}`;
  }
}

/** A JSON-safe copy for details. */
export function reactionDetails(reaction: Reaction): Record<string, unknown> {
  return { ...reaction };
}

export function formatMs(ms: number): string {
  if (ms >= 1000) return `${Number((ms / 1000).toFixed(ms >= 10_000 ? 0 : 1))} s`;
  if (ms >= 10) return `${Math.round(ms)} ms`;
  return `${Number(ms.toFixed(1))} ms`;
}

/** 16777216 → "16 MiB", 16777217 → "16 MiB + 1 B", 1536 → "1.5 KiB". */
export function formatSize(bytes: number): string {
  for (const [unit, size] of [
    ['MiB', 1024 * 1024],
    ['KiB', 1024],
  ] as const) {
    if (bytes < size) continue;
    const whole = Math.floor(bytes / size);
    const rest = bytes - whole * size;
    if (rest === 0) return `${whole} ${unit}`;
    // A few bytes past a round size is how limits show up (16 MiB + 1 B): say it exactly.
    if (rest < 1024 && rest * 100 < bytes) return `${whole} ${unit} + ${rest} B`;
    return `${Number((bytes / size).toFixed(2))} ${unit}`;
  }
  return `${bytes} B`;
}

/** For estimates: 3 significant figures, no byte precision claimed ("16.0 MiB", "620 B"). */
export function formatApproxSize(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / (1024 * 1024)).toPrecision(3)} MiB`;
  if (bytes >= 1024) return `${(bytes / 1024).toPrecision(3)} KiB`;
  return `${Math.round(bytes)} B`;
}

export function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
