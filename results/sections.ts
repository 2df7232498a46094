import { z } from 'zod';
import type { AutocannonEchoResult } from '../clients/long-poll/autocannon.js';
import type { LatencySummary } from '../clients/types.js';

/**
 * Per-workload sections of a result cell, for the workloads that are about connections rather than
 * message rate (idle, broadcast, storm, backpressure), the payload sweep (sizes) and autocannon's HTTP
 * request/response run (httpEcho). Each is optional and
 * nullable in cellSchema, so files written before they existed still validate.
 */

const latency = z.object({
  count: z.number().int().nonnegative(),
  p50Us: z.number().nonnegative(),
  p90Us: z.number().nonnegative(),
  p99Us: z.number().nonnegative(),
  p999Us: z.number().nonnegative(),
  maxUs: z.number().nonnegative(),
  meanUs: z.number().nonnegative(),
  encoded: z.string().describe("the whole histogram: HdrHistogram's standard compressed encoding (base64), values in µs"),
}).describe('a latency distribution in microseconds (µs): summary figures and the full histogram') satisfies z.ZodType<LatencySummary>;

const counts = z.record(z.string(), z.number().int().nonnegative());

export const linearFitSchema = z.object({
  n: z.number().int().nonnegative(),
  slope: z.number(),
  intercept: z.number(),
  r2: z.number().min(0).max(1).nullable(),
  slopeStdErr: z.number().nonnegative().nullable(),
});

const sockStat = z.object({
  socketsUsed: z.number().int().nonnegative(),
  tcpInuse: z.number().int().nonnegative(),
  tcpOrphan: z.number().int().nonnegative(),
  tcpTimeWait: z.number().int().nonnegative(),
  tcpAlloc: z.number().int().nonnegative(),
  tcpMemPages: z.number().int().nonnegative(),
  tcpMemBytes: z.number().int().nonnegative(),
});

/**
 * /proc/meminfo kernel figures (bench/meminfo.ts), machine-wide: KernelStack is dominated by server
 * threads (the client has a fixed handful); SUnreclaim also holds both ends' socket structures on loopback.
 */
const kernelMem = z.object({
  kernelStackBytes: z.number().int().nonnegative(),
  slabBytes: z.number().int().nonnegative(),
  sUnreclaimBytes: z.number().int().nonnegative(),
});

const treeSnapshot = z.object({
  rssBytes: z.number().nonnegative(),
  pssBytes: z.number().nonnegative().nullable(),
  fds: z.number().int().nonnegative(),
  threads: z.number().int().nonnegative(),
  processes: z.number().int().nonnegative(),
});

export const idleSectionSchema = z.object({
  params: z.object({
    targetConnections: z.number().int().positive(),
    steps: z.number().int().positive(),
    holdMs: z.number().nonnegative(),
    finalHoldMs: z.number().nonnegative(),
    pingIntervalMs: z.number().positive().nullable(),
    rampPerSec: z.number().positive().nullable(),
    handshakeTimeoutMs: z.number().positive(),
  }),
  /** Point 0 is the baseline before any connection; then one point at the end of each step's hold. */
  points: z.array(
    treeSnapshot.extend({
      step: z.number().int().nonnegative(),
      /** Seconds since the cell's first point. */
      tMs: z.number().nonnegative(),
      targetConnections: z.number().int().nonnegative(),
      /** Open as the client counts them at the end of the hold. */
      open: z.number().int().nonnegative(),
      /** openConnections from GET /stats (null without the contract). */
      serverOpen: z.number().int().nonnegative().nullable(),
      sockstat: sockStat.nullable(),
      /** /proc/meminfo KernelStack, Slab, SUnreclaim at this point (null when unreadable; absent in older files). */
      meminfo: kernelMem.nullable().optional(),
      /** Failed attempts of this step, by type. */
      errors: counts,
    }),
  ),
  /**
   * Least squares against open connections: server tree RSS, PSS (multi-process servers share pages), kernel TCP memory (machine-wide),
   * and from /proc/meminfo (machine-wide; absent in older files): kernelStack (KernelStack), sUnreclaim (SUnreclaim) and kernel (their sum).
   */
  fit: z.object({
    rss: linearFitSchema.nullable(),
    pss: linearFitSchema.nullable(),
    kernelTcpMem: linearFitSchema.nullable(),
    kernelStack: linearFitSchema.nullable().optional(),
    sUnreclaim: linearFitSchema.nullable().optional(),
    kernel: linearFitSchema.nullable().optional(),
  }),
  /** The headline: slope of the memory basis, bytes per open connection (null when no fit). */
  bytesPerConnection: z.number().nullable(),
  r2: z.number().min(0).max(1).nullable(),
  /**
   * Kernel memory per open connection, not in RSS: slope of KernelStack + SUnreclaim (/proc/meminfo) against open
   * connections, beside bytesPerConnection (user memory). System-wide: KernelStack is dominated by server threads
   * (16 KB per thread; the client has a fixed handful), while SUnreclaim also includes the client's socket
   * structures, since both ends of a loopback connection live on this machine. Kernel TCP buffer memory
   * (/proc/net/sockstat, fit.kernelTcpMem) is a separate line. null when no fit; absent in older files.
   */
  kernelBytesPerConnection: z.number().nullable().optional(),
  /** R² of the kernelBytesPerConnection fit. */
  kernelR2: z.number().min(0).max(1).nullable().optional(),
  /** pss for servers of several processes (RSS double-counts shared pages), else rss. */
  memoryBasis: z.enum(['rss', 'pss']),
  /** Most connections open at once. */
  ceiling: z.number().int().nonnegative(),
  /** "target reached", or what stopped the ramp: the error types with their counts. */
  stoppedBy: z.string(),
  /**
   * The machine's and the server's limits as they stood at the most connections open (bench/limits.ts): open
   * files per process, tasks against kernel.pid_max and kernel.threads-max, memory maps per process against
   * vm.max_map_count, RAM. With stoppedBy, the arithmetic of the ceiling. Absent in older files and without a pid.
   */
  limits: z
    .array(
      z.object({
        name: z.enum(['open-files', 'pid-max', 'threads-max', 'max-map-count', 'memory']),
        label: z.string(),
        scope: z.enum(['process', 'system']),
        limit: z.number().nonnegative(),
        used: z.number().nonnegative(),
      }),
    )
    .optional(),
  errors: counts,
  handshake: latency,
  liveness: z.object({
    pingIntervalMs: z.number().positive().nullable(),
    pingsSent: z.number().int().nonnegative(),
    pongsReceived: z.number().int().nonnegative(),
    pongsLate: z.number().int().nonnegative(),
    pongsOverdue: z.number().int().nonnegative(),
    pongRtt: latency,
    unexpectedCloses: z.number().int().nonnegative(),
    closeCodes: counts,
    unexpectedMessages: z.number().int().nonnegative(),
  }),
});
export type IdleSection = z.infer<typeof idleSectionSchema>;

export const broadcastSectionSchema = z.object({
  params: z.object({
    publishRateHz: z.number().positive(),
    publishes: z.number().int().nonnegative(),
    payloadBytes: z.number().int().nonnegative(),
    durationMs: z.number().positive(),
    drainMs: z.number().nonnegative(),
    /** Global index of the publishing connection. */
    publisher: z.number().int().nonnegative(),
  }),
  openAtStart: z.number().int().nonnegative(),
  openAtEnd: z.number().int().nonnegative(),
  published: z.number().int().nonnegative(),
  /** published × connections open when publishing started (the sender receives its own copy). */
  expected: z.number().int().nonnegative(),
  delivered: z.number().int().nonnegative(),
  /** expected − delivered: copies no receiver got by the end of the drain. */
  lost: z.number().int().nonnegative(),
  duplicated: z.number().int().nonnegative(),
  corrupted: z.number().int().nonnegative(),
  unexpected: z.number().int().nonnegative(),
  /** Per receiver: receive time − the publisher's send time (CLOCK_MONOTONIC, compared across processes). */
  latency: latency,
  /** Per publish that every receiver got: time until the last receiver had it. */
  timeToLast: latency,
  /** Per publish: time until the first receiver had it. */
  timeToFirst: latency,
  completePublishes: z.number().int().nonnegative(),
  incompletePublishes: z.number().int().nonnegative(),
  publishLagP99Us: z.number().nonnegative(),
  clientCpuCoreFraction: z.array(z.number().nonnegative()),
  /** broadcastDeliveries from GET /stats over the phase (null without it). */
  serverDeliveries: z.number().nullable(),
  unexpectedCloses: z.number().int().nonnegative(),
  closeCodes: counts,
});
export type BroadcastSection = z.infer<typeof broadcastSectionSchema>;

export const stormSectionSchema = z.object({
  params: z.object({
    connectionsPerRound: z.number().int().positive(),
    rounds: z.number().int().positive(),
    rampPerSec: z.number().positive().nullable(),
    settleMs: z.number().nonnegative(),
    fdTolerance: z.number().int().nonnegative(),
  }),
  baseline: treeSnapshot,
  rounds: z.array(
    z.object({
      round: z.number().int().nonnegative(),
      attempted: z.number().int().nonnegative(),
      established: z.number().int().nonnegative(),
      errors: counts,
      /** First attempt to last settled handshake. */
      connectMs: z.number().nonnegative(),
      handshakesPerSec: z.number().nonnegative(),
      handshake: latency,
      closeMs: z.number().nonnegative(),
      /** Server tree after closing and settling. */
      after: treeSnapshot,
      serverOpen: z.number().int().nonnegative().nullable(),
      rssDeltaBytes: z.number(),
      fdsDelta: z.number().int(),
    }),
  ),
  /** After the last round, against the baseline. */
  rssDeltaBytes: z.number(),
  fdsDelta: z.number().int(),
  /** fds back within baseline + fdTolerance after the last round. */
  nearBaseline: z.boolean(),
  handshakesPerSecMedian: z.number().nonnegative(),
});
export type StormSection = z.infer<typeof stormSectionSchema>;

export const backpressureSectionSchema = z.object({
  params: z.object({
    slowFraction: z.number().min(0).max(1),
    durationMs: z.number().positive(),
    slowPayloadBytes: z.number().int().nonnegative(),
    slowRateHz: z.number().positive(),
    healthyPayloadBytes: z.number().int().nonnegative(),
    resumeWaitMs: z.number().nonnegative(),
    slowSendBufferCapBytes: z.number().int().positive(),
  }),
  /** The server's own settings that decide what happens (maxBackpressureBytes, closeOnBackpressureLimit, …). */
  knobs: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
  server: z.object({
    rssBaselineBytes: z.number().nonnegative(),
    /** Just before the slow readers resume: what the server holds for them. */
    rssAtResumeBytes: z.number().nonnegative(),
    rssPeakBytes: z.number().nonnegative(),
    rssAfterBytes: z.number().nonnegative(),
    rssGrowthBytes: z.number(),
    timeline: z.array(z.object({ tMs: z.number().nonnegative(), rssBytes: z.number().nonnegative() })),
    /** `extra` of GET /stats at the end (uws: sendDrops). */
    statsExtra: z.record(z.string(), z.unknown()).nullable(),
  }),
  healthy: z.object({
    connections: z.number().int().nonnegative(),
    sent: z.number().int().nonnegative(),
    received: z.number().int().nonnegative(),
    lost: z.number().int().nonnegative(),
    corrupted: z.number().int().nonnegative(),
    msgsPerSec: z.number().nonnegative(),
    latency: latency,
    closes: counts,
  }),
  slow: z.object({
    connections: z.number().int().nonnegative(),
    sent: z.number().int().nonnegative(),
    sentBytes: z.number().nonnegative(),
    sendsSkipped: z.number().int().nonnegative(),
    received: z.number().int().nonnegative(),
    receivedBytes: z.number().nonnegative(),
    /** Replies never received (dropped, or lost with a closed connection). */
    missing: z.number().int().nonnegative(),
    corrupted: z.number().int().nonnegative(),
    closes: counts,
    openAtEnd: z.number().int().nonnegative(),
    drainedAfterMs: z.number().nonnegative().nullable(),
  }),
  /** One sentence: what the server did with the slow readers. */
  outcome: z.string(),
  clientCpuCoreFraction: z.array(z.number().nonnegative()),
});
export type BackpressureSection = z.infer<typeof backpressureSectionSchema>;

export const sizesSectionSchema = z.object({
  payloadBytes: z.number().int().nonnegative(),
  /** Header + payload: the application message each way. */
  messageBytes: z.number().int().positive(),
  msgsPerSec: z.number().nonnegative(),
  /** Round trips/s × messageBytes, one direction, MiB/s (2^20). */
  mibPerSec: z.number().nonnegative(),
});
export type SizesSection = z.infer<typeof sizesSectionSchema>;

/** http-echo: autocannon against the long-poll server's POST /echo (clients/long-poll/autocannon.ts). */
export const httpEchoSectionSchema = z.object({
  /** autocannon version loaded, e.g. "autocannon@8.0.0". */
  tool: z.string(),
  url: z.string(),
  connections: z.number().int().positive(),
  pipelining: z.literal(1),
  /** Always true: autocannon without a rate is a closed loop, so its latency understates stalls (coordinated omission). */
  closedLoop: z.literal(true),
  /** Request body: one contract ECHO message (16-byte header + payload). */
  bodyBytes: z.number().int().positive(),
  /** Discarded autocannon run before the measured one. */
  warmupMs: z.number().nonnegative(),
  /** Wall time autocannon measured, ms. */
  durationMs: z.number().nonnegative(),
  /** Completed requests / measured duration: the figure. */
  requestsPerSec: z.number().nonnegative(),
  requestsCompleted: z.number().int().nonnegative(),
  requestsSent: z.number().int().nonnegative(),
  errors: z.number().int().nonnegative(),
  timeouts: z.number().int().nonnegative(),
  non2xx: z.number().int().nonnegative(),
  /** autocannon's latency, ms (1 ms resolution, not corrected): indicative only. */
  latencyMs: z.object({
    p50: z.number().nonnegative(),
    p90: z.number().nonnegative(),
    p99: z.number().nonnegative(),
    p999: z.number().nonnegative(),
    max: z.number().nonnegative(),
    mean: z.number().nonnegative(),
  }),
  bytesPerSec: z.number().nonnegative(),
  /** CPU of the autocannon process over the measured run / its wall time (1.0 = one core); ≥ 0.85: client-bound. */
  clientCpuCoreFraction: z.number().nonnegative(),
});
export type HttpEchoSection = z.infer<typeof httpEchoSectionSchema>;
// The section is AutocannonEchoResult plus the warmup: keep the two in step.
type SameShape<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
const httpEchoMatches: SameShape<HttpEchoSection, AutocannonEchoResult & { warmupMs: number }> = true;
void httpEchoMatches;
