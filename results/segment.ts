import { z } from 'zod';

/**
 * What a segment run (`wsarena run --segment i/N`) records beside its cell: which share of the whole plan
 * it ran (the whole plan is the cell's params; the share is the cell's load.plan) and when its window
 * began on its own clock, with that clock's estimated offset, so a merge can line the agents up.
 */
export const clockOffsetSchema = z
  .object({
    offsetMs: z.number().nullable().describe("the target server's clock minus this agent's, ms; null when not estimated"),
    uncertaintyMs: z.number().nonnegative().nullable().describe('half-width of the interval the offset lies in, ms'),
    method: z.string().describe('how it was estimated, or why it was not'),
  })
  .describe("this agent's clock against the target server's");
export type ClockOffset = z.infer<typeof clockOffsetSchema>;

export const segmentRecordSchema = z
  .object({
    index: z.number().int().nonnegative().describe('0-based segment index (JOB_COMPLETION_INDEX)'),
    count: z.number().int().positive().describe('segments the whole plan was cut into'),
    connections: z.number().int().positive().describe("this segment's connections: global indices index, index + count, …"),
    rateHz: z.number().positive().nullable().describe("open loop: this segment's share of the whole rate; null in closed loop"),
    startAt: z.string().nullable().describe('the agreed wall-clock start of the measured window (--start-at), ISO 8601; null when none was given'),
    windowStartMs: z.number().nullable().describe("when this agent's measured window began, ms since the epoch on its own clock"),
    clockOffset: clockOffsetSchema,
  })
  .describe('one share of a plan run on one machine');
export type SegmentRecord = z.infer<typeof segmentRecordSchema>;
