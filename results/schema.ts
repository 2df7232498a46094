import { z } from 'zod';
import type { LoadReport } from '../clients/types.js';
import { backpressureSectionSchema, broadcastSectionSchema, httpEchoSectionSchema, idleSectionSchema, sizesSectionSchema, stormSectionSchema } from './sections.js';

/**
 * The result file format. Versioned: a reader refuses a file whose schemaVersion it does not know, and
 * every file is validated on write and on read. Bump SCHEMA_VERSION on any incompatible change.
 */
export const SCHEMA_VERSION = 1;

/** How a latency histogram is stored; also the JSON Schema's description (results/result.schema.json). */
export const HISTOGRAM_ENCODING =
  "HdrHistogram's standard compressed encoding (V2 compressed, base64; encodeIntoCompressedBase64 in HdrHistogram and hdr-histogram-js), values in microseconds, 3 significant digits";

const latencySummary = z
  .object({
    count: z.number().int().nonnegative().describe('latency samples recorded (messages, or handshakes)'),
    p50Us: z.number().nonnegative().describe('median, µs'),
    p90Us: z.number().nonnegative().describe('90th percentile, µs'),
    p99Us: z.number().nonnegative().describe('99th percentile, µs'),
    p999Us: z.number().nonnegative().describe('99.9th percentile, µs'),
    maxUs: z.number().nonnegative().describe('maximum, µs'),
    meanUs: z.number().nonnegative().describe('mean, µs'),
    encoded: z.string().describe(`the whole histogram: ${HISTOGRAM_ENCODING}`),
  })
  .describe('a latency distribution in microseconds (µs): summary figures and the full histogram')
  .meta({ id: 'LatencySummary' });

const messageMix = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('echo') }),
  z.object({ kind: z.literal('work'), iterations: z.number().int().nonnegative() }),
  z.object({ kind: z.literal('mixed'), iterations: z.number().int().nonnegative(), heavyFraction: z.number().min(0).max(1) }),
]);

const loadPlan = z.object({
  url: z.string(),
  connections: z.number().int().positive(),
  workers: z.number().int().positive(),
  clientCpus: z.string().nullable(),
  mode: z.enum(['closed', 'open']),
  depth: z.number().int().positive(),
  rateHz: z.number().positive().nullable(),
  payloadBytes: z.number().int().nonnegative(),
  mix: messageMix,
  rampPerSec: z.number().positive().nullable(),
  warmupMs: z.number().nonnegative(),
  durationMs: z.number().positive(),
  drainMs: z.number().nonnegative(),
  handshakeTimeoutMs: z.number().positive(),
  localAddresses: z.array(z.string()),
});

export const loadReportSchema = z.object({
  plan: loadPlan,
  connections: z.object({
    attempted: z.number().int().nonnegative(),
    established: z.number().int().nonnegative(),
    errors: z.record(z.string(), z.number().int().nonnegative()),
    unexpectedCloses: z.number().int().nonnegative(),
    handshake: latencySummary,
  }),
  measuredMs: z.number().nonnegative(),
  counts: z.object({
    sent: z.number().int().nonnegative(),
    received: z.number().int().nonnegative(),
    lost: z.number().int().nonnegative(),
    duplicated: z.number().int().nonnegative(),
    corrupted: z.number().int().nonnegative(),
    outOfOrder: z.number().int().nonnegative(),
    unexpected: z.number().int().nonnegative(),
    // Optional: files written before issue 14 have neither.
    late: z.number().int().nonnegative().optional(),
    clientDrops: z.number().int().nonnegative().optional(),
  }),
  targetRateHz: z.number().nullable(),
  achievedRateHz: z.number().nonnegative(),
  corrected: latencySummary.nullable(),
  service: latencySummary,
  byClass: z.record(z.string(), latencySummary).nullable(),
  timeline: z.array(z.object({ second: z.number().int().nonnegative(), sent: z.number(), received: z.number(), p99Us: z.number() })),
  client: z.object({
    workers: z.array(
      z.object({
        pid: z.number().int(),
        connections: z.number().int().nonnegative(),
        cpuCoreFraction: z.number().nonnegative(),
        eventLoopDelayP99Ms: z.number().nonnegative(),
        sendLagP99Us: z.number().nonnegative(),
      }),
    ),
  }),
}) satisfies z.ZodType<LoadReport>;

export const resourceSampleSchema = z.object({
  tMs: z.number().nonnegative(),
  cpuSeconds: z.number().nonnegative(),
  rssBytes: z.number().nonnegative(),
  /** Proportional set size summed over the tree (shared pages split), when readable. */
  pssBytes: z.number().nonnegative().nullable(),
  threads: z.number().int().nonnegative(),
  fds: z.number().int().nonnegative(),
  processes: z.number().int().nonnegative(),
});
export type ResourceSample = z.infer<typeof resourceSampleSchema>;

export const serverResourcesSchema = z.object({
  /** Server tree CPU seconds during the measured window. */
  cpuSeconds: z.number().nonnegative(),
  /** cpuSeconds / window wall time: 1.0 = one full core. */
  cpuCoreFraction: z.number().nonnegative(),
  /** cpuSeconds × 1e6 / messages handled in the window; null when nothing was handled. */
  cpuUsPerMessage: z.number().nonnegative().nullable(),
  /**
   * Context switches (voluntary + nonvoluntary) of every task of the server tree during the window, read
   * from /proc/<pid>/task/<tid>/status at its two edges. A lower bound when tasks exit inside the window
   * (their counts leave with them). Absent in older files; null when not measured.
   */
  contextSwitches: z.number().int().nonnegative().nullable().optional(),
  /** contextSwitches / messages handled in the window; null when nothing was handled. Absent in older files. */
  contextSwitchesPerMessage: z.number().nonnegative().nullable().optional(),
  rssBytesMax: z.number().nonnegative(),
  rssBytesEnd: z.number().nonnegative(),
  threadsMax: z.number().int().nonnegative(),
  fdsMax: z.number().int().nonnegative(),
  processesMax: z.number().int().nonnegative(),
  sampleIntervalMs: z.number().positive(),
  samples: z.array(resourceSampleSchema),
});
export type ServerResources = z.infer<typeof serverResourcesSchema>;

export const verdictSchema = z.object({
  verdict: z.enum(['server-bound', 'client-bound', 'inconclusive']),
  /** Plain sentences: why this verdict, with the numbers. */
  reasons: z.array(z.string()),
  numbers: z.object({
    serverCpuCoreFraction: z.number().nullable(),
    serverCpuCount: z.number().nullable(),
    clientCpuCoreFractionMax: z.number(),
    clientEventLoopDelayP99Ms: z.number(),
    clientSendLagP99Us: z.number(),
    achievedToTargetRatio: z.number().nullable(),
  }),
  sharedCores: z.boolean(),
});
export type Verdict = z.infer<typeof verdictSchema>;

export const pinningSchema = z.object({
  serverCpus: z.string().nullable(),
  clientCpus: z.string().nullable(),
  /** Whether taskset was actually applied; when not, why. */
  applied: z.boolean(),
  reason: z.string().nullable(),
  sharedCores: z.boolean(),
});

export const cellParamsSchema = z.object({
  workload: z.string(),
  connections: z.number().int().positive(),
  mode: z.enum(['closed', 'open']),
  depth: z.number().int().positive(),
  rateHz: z.number().positive().nullable(),
  payloadBytes: z.number().int().nonnegative(),
  durationMs: z.number().positive(),
  warmupMs: z.number().nonnegative(),
  clientWorkers: z.number().int().positive(),
  serverThreads: z.number().int().positive().nullable(),
  /** The server's own flags (`--server-arg name=value`, e.g. java-threads' max-threads); absent = none. */
  serverArgs: z.record(z.string(), z.number()).optional(),
  workIterations: z.number().int().nonnegative().nullable(),
  heavyFraction: z.number().min(0).max(1).nullable(),
});
export type CellParams = z.infer<typeof cellParamsSchema>;

export const cellSchema = z.object({
  id: z.string(),
  server: z.string(),
  /** ws://… of a --target run, else null. */
  target: z.string().nullable(),
  params: cellParamsSchema,
  repeat: z.number().int().nonnegative(),
  status: z.enum(['ok', 'failed', 'skipped']),
  error: z.string().nullable(),
  startedAt: z.string(),
  finishedAt: z.string(),
  pinning: pinningSchema,
  serverInfo: z
    .object({
      pid: z.number().int().nullable(),
      url: z.string(),
      knobs: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
    })
    .nullable(),
  load: loadReportSchema.nullable(),
  serverResources: serverResourcesSchema.nullable(),
  /** GET /stats after the window, as the server reported it. */
  serverStats: z.record(z.string(), z.unknown()).nullable(),
  /** Messages the server handled during the window, from /stats deltas (null without /stats). */
  serverMessagesHandled: z.number().nullable(),
  verdict: verdictSchema.nullable(),
  /** Workload sections (results/sections.ts): present for their workload only; absent in older files. */
  idle: idleSectionSchema.nullable().optional(),
  broadcast: broadcastSectionSchema.nullable().optional(),
  storm: stormSectionSchema.nullable().optional(),
  backpressure: backpressureSectionSchema.nullable().optional(),
  sizes: sizesSectionSchema.nullable().optional(),
  httpEcho: httpEchoSectionSchema.nullable().optional(),
});
export type Cell = z.infer<typeof cellSchema>;

export const environmentSchema = z.object({
  hostname: z.string(),
  os: z.string(),
  kernel: z.string(),
  cpuModel: z.string(),
  cpuCount: z.number().int().positive(),
  memTotalBytes: z.number().nonnegative(),
  node: z.string(),
  go: z.string().nullable(),
  libraries: z.record(z.string(), z.string()),
  ulimitNofile: z.object({ soft: z.number().nullable(), hard: z.number().nullable() }),
  ephemeralPortRange: z.tuple([z.number(), z.number()]).nullable(),
  tasksetAvailable: z.boolean(),
  clockTicksPerSecond: z.number().positive(),
});
export type Environment = z.infer<typeof environmentSchema>;

export const resultFileSchema = z.object({
  /** Where the JSON Schema of this file is (results/result.schema.json); written by results/writer.ts, absent in older files. */
  $schema: z.string().optional().describe('the JSON Schema of this file (results/result.schema.json in the wsarena repository)'),
  schemaVersion: z.literal(SCHEMA_VERSION),
  kind: z.enum(['run', 'suite', 'calibrate', 'probe']),
  tool: z.object({ name: z.literal('wsarena'), version: z.string(), gitCommit: z.string().nullable(), gitDirty: z.boolean().nullable() }),
  /** argv after `wsarena`, so the run can be repeated. */
  command: z.array(z.string()),
  createdAt: z.string(),
  updatedAt: z.string(),
  /** 'running' until the last cell is written; 'interrupted' after Ctrl+C. */
  state: z.enum(['running', 'complete', 'interrupted', 'failed']),
  environment: environmentSchema,
  cells: z.array(cellSchema),
  /** Free-form section for other commands (calibrate, probe) in the same schema family. */
  extra: z.record(z.string(), z.unknown()).nullable(),
});
export type ResultFile = z.infer<typeof resultFileSchema>;
