import { z } from 'zod';
import type { LoadReport } from '../clients/types.js';
import { coresSectionSchema } from './cores.js';
import { segmentRecordSchema } from './segment.js';
import { backpressureSectionSchema, broadcastSectionSchema, httpEchoSectionSchema, idleSectionSchema, sizesSectionSchema, stormSectionSchema } from './sections.js';

/**
 * The result file format. Versioned: a reader refuses a file whose schemaVersion it does not know, and
 * every file is validated on write and on read. Bump SCHEMA_VERSION on any incompatible change, and keep
 * reading the older version: version 2 made a cell a union on status; version 1 files (a flat cell) are
 * validated by results/schema-v1.ts and upgraded by results/upgrade-v1.ts.
 */
export const SCHEMA_VERSION = 2;

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
    /** Whole-core busy fraction of the server's pinned CPUs (/proc/stat), null when not measured; absent in older files. */
    serverCoreBusyFraction: z.number().nullable().optional(),
    /** Busiest client pinned CPU's busy fraction (/proc/stat), null when not measured; absent in older files. */
    clientCoreBusyFractionMax: z.number().nullable().optional(),
  }),
  sharedCores: z.boolean(),
});
export type Verdict = z.infer<typeof verdictSchema>;

/** One agent's part of a merged cell (`wsarena merge`): its share, what it counted and its own verdict. */
export const agentCellSchema = z.object({
  segment: segmentRecordSchema,
  hostname: z.string(),
  status: z.enum(['ok', 'failed', 'skipped', 'interrupted']),
  error: z.string().nullable(),
  counts: loadReportSchema.shape.counts.nullable(),
  achievedRateHz: z.number().nonnegative().nullable(),
  connectionsEstablished: z.number().int().nonnegative().nullable(),
  verdict: verdictSchema.nullable(),
});
export type AgentCell = z.infer<typeof agentCellSchema>;

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

/*
 * The parts the four variants share carry a JSON Schema id, so results/result.schema.json defines each once
 * ($defs) rather than inlining it in every variant.
 */

/** The fields every cell has, whatever its status: what was planned and when it ran. */
const cellIdentity = {
  id: z.string(),
  server: z.string(),
  /** ws://… of a --target run, else null. */
  target: z.string().nullable(),
  params: cellParamsSchema.meta({ id: 'CellParams' }),
  repeat: z.number().int().nonnegative(),
};
const cellTimes = {
  startedAt: z.string(),
  finishedAt: z.string(),
  pinning: pinningSchema.meta({ id: 'Pinning' }),
};
/** Distributed runs: present on segment and merged cells of any status (a skipped agent is still an agent). */
const cellDistribution = {
  /** A segment run (`--segment i/N`): its share of the whole plan (params are the whole plan); absent otherwise. */
  segment: segmentRecordSchema.meta({ id: 'SegmentRecord' }).optional(),
  /** A merged cell: each agent's share, counts and verdict (results/merge.ts); absent otherwise. */
  agents: z.array(agentCellSchema.meta({ id: 'AgentCell' })).optional(),
};

/**
 * What a cell that started its server (or reached its --target) recorded. Kept by failed and interrupted
 * cells too, as far as they got: a failed idle ramp's idle section is its ceiling, a cell that failed
 * mid-load keeps its serverInfo and segment.
 */
const cellMeasurement = {
  serverInfo: z
    .object({
      pid: z.number().int().nullable(),
      url: z.string(),
      knobs: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
    })
    .meta({ id: 'ServerInfo' })
    .nullable(),
  load: loadReportSchema.meta({ id: 'LoadReport' }).nullable(),
  serverResources: serverResourcesSchema.meta({ id: 'ServerResources' }).nullable(),
  /** GET /stats after the window, as the server reported it. */
  serverStats: z.record(z.string(), z.unknown()).nullable(),
  /** Messages the server handled during the window, from /stats deltas (null without /stats). */
  serverMessagesHandled: z.number().nullable(),
  verdict: verdictSchema.meta({ id: 'Verdict' }).nullable(),
  /** Whole-core accounting of the window (results/cores.ts), or why it could not be measured; absent when never measured. */
  cores: coresSectionSchema.meta({ id: 'CoresSection' }).nullable().optional(),
  /** Workload sections (results/sections.ts): present for their workload only. */
  idle: idleSectionSchema.meta({ id: 'IdleSection' }).nullable().optional(),
  broadcast: broadcastSectionSchema.meta({ id: 'BroadcastSection' }).nullable().optional(),
  storm: stormSectionSchema.meta({ id: 'StormSection' }).nullable().optional(),
  backpressure: backpressureSectionSchema.meta({ id: 'BackpressureSection' }).nullable().optional(),
  sizes: sizesSectionSchema.meta({ id: 'SizesSection' }).nullable().optional(),
  httpEcho: httpEchoSectionSchema.meta({ id: 'HttpEchoSection' }).nullable().optional(),
};

/** Ran to the end and its figures stand. No error. */
export const okCellSchema = z.object({ ...cellIdentity, status: z.literal('ok'), ...cellTimes, ...cellMeasurement, ...cellDistribution });
/** Ran, or tried to, and failed: the error says why; whatever was measured before is kept. */
export const failedCellSchema = z.object({ ...cellIdentity, status: z.literal('failed'), error: z.string(), ...cellTimes, ...cellMeasurement, ...cellDistribution });
/** Stopped by Ctrl+C while it ran: not a failure of the server; whatever was measured before is kept. */
export const interruptedCellSchema = z.object({ ...cellIdentity, status: z.literal('interrupted'), error: z.string(), ...cellTimes, ...cellMeasurement, ...cellDistribution });
/** Never ran: the error says why the server has no figure (unavailable, an op or transport it lacks). Nothing measured. */
export const skippedCellSchema = z.object({ ...cellIdentity, status: z.literal('skipped'), error: z.string(), ...cellTimes, ...cellDistribution });

/** One cell of the matrix, a union on status: each status carries exactly its own fields. */
export const cellSchema = z.discriminatedUnion('status', [okCellSchema, failedCellSchema, interruptedCellSchema, skippedCellSchema]);
export type Cell = z.infer<typeof cellSchema>;
export type OkCell = z.infer<typeof okCellSchema>;
export type FailedCell = z.infer<typeof failedCellSchema>;
export type InterruptedCell = z.infer<typeof interruptedCellSchema>;
export type SkippedCell = z.infer<typeof skippedCellSchema>;
export type CellStatus = Cell['status'];
/** A cell that started (ok, failed or interrupted): it has the measurement fields, null where nothing was measured. */
export type MeasuredCell = OkCell | FailedCell | InterruptedCell;

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

/** How a merged file (`wsarena merge`) was made: each agent's file and environment, and what the merge noticed. */
export const mergeInfoSchema = z.object({
  files: z.array(z.object({ path: z.string(), segment: z.number().int().nonnegative(), createdAt: z.string(), environment: environmentSchema })),
  /** Latest minus earliest window start over the agents (on the server's clock when every offset is known), ms. */
  startSpreadMs: z.number().nonnegative().nullable(),
  warnings: z.array(z.string()),
});
export type MergeInfo = z.infer<typeof mergeInfoSchema>;

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
  /** Present in a merge of segment results (`wsarena merge`); absent otherwise. */
  merge: mergeInfoSchema.optional(),
});
export type ResultFile = z.infer<typeof resultFileSchema>;
