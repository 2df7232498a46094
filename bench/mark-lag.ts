/**
 * How late the runner took its server-side readings of the measured window (the server tree's CPU and
 * context switches, the pinned cores' /proc/stat, the /stats snapshots), against when the window's edges
 * were due. The client workers time the window on their own clocks; the runner reads the server when its
 * event loop gets to the edge. Measured here: java-threads at 10,000 connections on one core, where each
 * edge reads 10,000 task status files (~0.5–0.8 s) and each periodic sample 30–200 ms, the runner reached
 * the start edge seconds late in 3 of 16 runs — once together with the end edge, so the server's CPU
 * covered ~0 s of a 5 s window and its CPU per message read 0.0 µs.
 */

/** A reading more than this fraction of the window late (or a span off by as much) is not of that window. */
export const SERVER_WINDOW_TOLERANCE = 0.1;

export interface MarkLag {
  /** The client's measured window (its scheduled edges). */
  windowMs: number;
  /** How long after the due edge the runner read the server, at the start and at the end of the window. */
  startLagMs: number;
  endLagMs: number;
}

/** The lag when the runner reached either edge too late for its readings to stand for the window, else null. */
export function lateMarks(lag: MarkLag): MarkLag | null {
  const limitMs = SERVER_WINDOW_TOLERANCE * lag.windowMs;
  return lag.startLagMs > limitMs || lag.endLagMs > limitMs ? lag : null;
}
