/**
 * CPU lists in taskset syntax ("0", "0,1", "0-3", "0,2-3"): the one reading of them. Flags are validated by
 * core/parse.ts parseCpuList (with messages for people); the runner, the report and pool-overhead read the
 * canonical lists it produced, recorded in requests and result files, through cpusOf.
 */

/** One element of a list: "3" or "0-3" (the range may run backwards; callers decide). null when neither. */
export function parseCpuRange(part: string): { from: number; to: number } | null {
  const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
  if (!m) return null;
  const from = Number(m[1]);
  return { from, to: m[2] === undefined ? from : Number(m[2]) };
}

/** The CPUs a list names, ascending and each once; null when an element is malformed or a range runs backwards. */
export function cpusOf(list: string): number[] | null {
  const cpus = new Set<number>();
  for (const part of list.split(',')) {
    const range = parseCpuRange(part);
    if (range === null || range.to < range.from) return null;
    for (let c = range.from; c <= range.to; c++) cpus.add(c);
  }
  return [...cpus].sort((a, b) => a - b);
}

/** How many CPUs a list names; null when unpinned (no list) or malformed. */
export function cpuListSize(list: string | null): number | null {
  return list === null ? null : (cpusOf(list)?.length ?? null);
}

/** True when the two lists share a CPU, or when either side is unpinned (then they may share any core). */
export function cpusOverlap(a: string | null, b: string | null): boolean {
  if (a === null || b === null) return true;
  const mine = new Set(cpusOf(a) ?? []);
  return (cpusOf(b) ?? []).some((c) => mine.has(c));
}
