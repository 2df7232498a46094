import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../protocol/paths.js';

/** One WORK test vector from protocol/work-vectors.json. */
export interface WorkVector {
  iterations: number;
  seed: number;
  result: number;
}

/** The WORK test vectors every implementation must reproduce. */
export function loadWorkVectors(): WorkVector[] {
  const file = JSON.parse(readFileSync(join(PROJECT_ROOT, 'protocol', 'work-vectors.json'), 'utf8')) as { vectors: WorkVector[] };
  return file.vectors;
}
