import { z } from 'zod';
import { coresSectionSchema } from './cores.js';
import { agentCellSchema, cellParamsSchema, loadReportSchema, pinningSchema, resultFileSchema, serverResourcesSchema, verdictSchema } from './schema.js';
import { segmentRecordSchema } from './segment.js';
import { backpressureSectionSchema, broadcastSectionSchema, httpEchoSectionSchema, idleSectionSchema, sizesSectionSchema, stormSectionSchema } from './sections.js';

/**
 * Result files of schemaVersion 1, as they were written: a cell was one flat bag (a status, an error that
 * could be null, and every figure nullable whatever the status). Frozen here so version 1 files are still
 * validated as what they are before results/upgrade-v1.ts turns them into the current union; never used to
 * write. The parts a cell shares with the current schema (load report, resources, sections) are the current
 * ones: their changes since have only added optional fields.
 */
export const cellSchemaV1 = z.object({
  id: z.string(),
  server: z.string(),
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
  serverStats: z.record(z.string(), z.unknown()).nullable(),
  serverMessagesHandled: z.number().nullable(),
  verdict: verdictSchema.nullable(),
  segment: segmentRecordSchema.optional(),
  agents: z.array(agentCellSchema).optional(),
  cores: coresSectionSchema.nullable().optional(),
  idle: idleSectionSchema.nullable().optional(),
  broadcast: broadcastSectionSchema.nullable().optional(),
  storm: stormSectionSchema.nullable().optional(),
  backpressure: backpressureSectionSchema.nullable().optional(),
  sizes: sizesSectionSchema.nullable().optional(),
  httpEcho: httpEchoSectionSchema.nullable().optional(),
});
export type CellV1 = z.infer<typeof cellSchemaV1>;

export const resultFileSchemaV1 = resultFileSchema.extend({
  schemaVersion: z.literal(1),
  cells: z.array(cellSchemaV1),
});
export type ResultFileV1 = z.infer<typeof resultFileSchemaV1>;
