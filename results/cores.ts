import { z } from 'zod';

/**
 * Whole-core accounting of a cell (docs/METHOD.md §3): the pinned cores' time from /proc/stat over the
 * measured window. On loopback the kernel's receive work (softirq) for one side's packets runs on the
 * sender's core and is charged to no process, so a core can be busier than its processes' CPU says.
 */
const fraction = z.number().min(0).max(1);

export const coreUsageSchema = z
  .object({
    cpus: z.array(z.number().int().nonnegative()).describe('the CPUs this side was pinned to'),
    ticks: z.number().int().nonnegative().describe('USER_HZ ticks of the window summed over these CPUs (all fields): the resolution of the fractions below'),
    busyFraction: fraction.describe('1 − (idle + iowait) / ticks over these CPUs together: 1.0 = every one of them fully busy'),
    busyFractionMax: fraction.describe('the busiest single CPU of these'),
    user: fraction.describe('fraction of ticks in user mode (guest included, as the kernel counts it)'),
    nice: fraction.describe('fraction of ticks in user mode at a positive nice'),
    system: fraction.describe('fraction of ticks in kernel mode for a process (syscalls)'),
    irq: fraction.describe('fraction of ticks in hard interrupts'),
    softirq: fraction.describe('fraction of ticks in softirq: on loopback, mostly the receive work for packets this core sent'),
    steal: fraction.describe('fraction of ticks the hypervisor gave another guest (counted as busy)'),
    idle: fraction.describe('fraction of ticks idle'),
    iowait: fraction.describe('fraction of ticks idle with disk I/O pending (counted as idle)'),
    perCpu: z
      .array(z.object({ cpu: z.number().int().nonnegative(), busyFraction: fraction, softirq: fraction }))
      .describe('each CPU of this side on its own: busy and softirq fractions of its ticks'),
  })
  .describe('one side\u2019s pinned cores over the measured window, from /proc/stat')
  .meta({ id: 'CoreUsage' });
export type CoreUsage = z.infer<typeof coreUsageSchema>;

export const coresSectionSchema = z
  .union([
    z.object({ server: coreUsageSchema, client: coreUsageSchema }),
    z.object({ unavailable: z.string().describe('why whole cores could not be measured (unpinned, shared cores, no /proc/stat, …)') }),
  ])
  .describe('whole-core accounting of the measured window (docs/METHOD.md §3), or why it could not be measured');
export type CoresSection = z.infer<typeof coresSectionSchema>;

/** The section's usage when both sides were measured, else null. */
export function measuredCores(section: CoresSection | null | undefined): { server: CoreUsage; client: CoreUsage } | null {
  return section && 'server' in section ? section : null;
}
