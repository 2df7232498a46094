/**
 * Schema of extra.probe in a `kind: 'probe'` result file. Readers (the dashboard's quirks table) validate
 * the section with it; the battery validates before every write.
 */
import { z } from 'zod';
import type { ProbeSection } from './types.js';

export const probeVerdictSchema = z.enum(['as-rfc', 'differs', 'no-answer', 'error']);

export const probeRecordSchema = z.object({
  id: z.string(),
  title: z.string(),
  /** RFC 6455's reference behaviour. */
  expected: z.string(),
  observed: z.string(),
  verdict: probeVerdictSchema,
  details: z.record(z.string(), z.unknown()),
  durationMs: z.number().nonnegative(),
});

export const serverProbeReportSchema = z.object({
  server: z.string(),
  url: z.string().nullable(),
  knobs: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
  probes: z.array(probeRecordSchema),
  error: z.string().nullable(),
  crashes: z.number().int().nonnegative(),
  durationMs: z.number().nonnegative(),
});

export const probeSettingsSchema = z.object({
  maxMessageCapBytes: z.number().int().positive(),
  answerTimeoutMs: z.number().positive(),
  maxMessageBudgetMs: z.number().nonnegative(),
  keepaliveWindowMs: z.number().positive(),
  backpressureWindowMs: z.number().positive(),
  backpressureBytes: z.number().int().positive(),
  only: z.array(z.string()).nullable(),
});

export const probeSectionSchema = z.object({
  settings: probeSettingsSchema,
  servers: z.array(serverProbeReportSchema),
}) satisfies z.ZodType<ProbeSection>;

/** Validates extra.probe of a result file; throws a ZodError naming the field. */
export function parseProbeSection(value: unknown): ProbeSection {
  return probeSectionSchema.parse(value);
}
