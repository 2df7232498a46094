import { READY_PREFIX, type ReadyAnnouncement } from '../../protocol/wire.js';

/** A knob value as the ready line carries it. */
export type KnobValue = string | number | boolean | null;

/** The ws:// URL clients use for a server listening on host:port (IPv6 literals get brackets). */
export function serverUrl(host: string, port: number): string {
  const hostPart = host.includes(':') ? `[${host}]` : host;
  return `ws://${hostPart}:${port}/`;
}

/**
 * Prints the one readiness line, `READY_PREFIX + JSON(ReadyAnnouncement)`, on stdout. Call exactly once,
 * after the listen socket accepts connections, with the knobs as actually applied.
 */
export function announceReady(server: string, host: string, port: number, knobs: Record<string, KnobValue>): void {
  const announcement: ReadyAnnouncement = { server, url: serverUrl(host, port), port, pid: process.pid, knobs };
  process.stdout.write(`${READY_PREFIX}${JSON.stringify(announcement)}\n`);
}

/** Knobs every Node server reports: its thread count and the test-mode stall it applied (null = none). */
export function baseKnobs(threads: number, stall: { everyMs: number; durationMs: number } | null): Record<string, KnobValue> {
  return {
    threads,
    stallEveryMs: stall === null ? null : stall.everyMs,
    stallMs: stall === null ? null : stall.durationMs,
  };
}
