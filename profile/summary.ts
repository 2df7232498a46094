import { z } from 'zod';

/**
 * The profiler-independent summary of a CPU profile: the functions that cost the most, by self time
 * (time with the function itself on top of the stack) and by total time (time with the function
 * anywhere on the stack, counted once per sample even when it recurses). Built from a .cpuprofile
 * (profile/cpuprofile.ts) or from `go tool pprof -top` (profile/pprof.ts).
 */

/** Where a function's code comes from, so a reader sees at once whether it is ours. */
export const FUNCTION_ORIGINS = ['app', 'dependency', 'platform', 'native', 'runtime'] as const;
export type FunctionOrigin = (typeof FUNCTION_ORIGINS)[number];

export const functionCostSchema = z.object({
  /** Function name; "(anonymous)" for unnamed JS functions; "(program)", "(garbage collector)" for V8's own. */
  name: z.string(),
  /** "dist/servers/ws-loop/main.js:42:7" (project-relative, 1-based) or "node:internal/…:120:5"; null when unknown. */
  location: z.string().nullable(),
  /**
   * app: wsarena's own code; dependency: an npm package or a Go module; platform: Node's or Go's standard
   * library; native: V8 builtins and C++ without a script; runtime: GC, the VM, Go's scheduler.
   */
  origin: z.enum(FUNCTION_ORIGINS),
  /** npm package ("ws") or Go import path ("github.com/gorilla/websocket") for origin "dependency". */
  package: z.string().nullable(),
  selfMs: z.number().nonnegative(),
  /** selfMs / sampledMs. */
  selfFraction: z.number().nonnegative(),
  totalMs: z.number().nonnegative(),
  totalFraction: z.number().nonnegative(),
});
export type FunctionCost = z.infer<typeof functionCostSchema>;

export const profileSummarySchema = z.object({
  source: z.enum(['cpuprofile', 'pprof']),
  /** Profiles merged into this summary (one per thread and process for Node). */
  profiles: z.number().int().nonnegative(),
  /** "measured": only samples inside the load's measured window; "whole": the whole profile. */
  window: z.enum(['measured', 'whole']),
  /** Sampled time over all profiles, in the window, idle included: fractions are of this. */
  sampledMs: z.number().nonnegative(),
  /** Time V8 reported as "(idle)"; null when the profiler does not sample idle time (Go). */
  idleMs: z.number().nonnegative().nullable(),
  samples: z.number().int().nonnegative().nullable(),
  /** Top functions by self time, largest first. */
  bySelf: z.array(functionCostSchema),
  /** Top functions by total time, largest first. */
  byTotal: z.array(functionCostSchema),
});
export type ProfileSummary = z.infer<typeof profileSummarySchema>;

/** How many functions each list keeps by default. */
export const DEFAULT_TOP = 15;
