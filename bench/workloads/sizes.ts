/**
 * sizes: echo swept over payload sizes, one cell per size (the runner plans them). This section turns the
 * cell's load report into the two figures a sweep is read by: messages/s and MiB/s.
 */
import type { LoadReport } from '../../clients/types.js';
import { HEADER_BYTES } from '../../protocol/wire.js';
import type { SizesSection } from '../../results/sections.js';

export function sizesSection(payloadBytes: number, load: LoadReport): SizesSection {
  const messageBytes = HEADER_BYTES + payloadBytes;
  const msgsPerSec = load.achievedRateHz;
  return { payloadBytes, messageBytes, msgsPerSec, mibPerSec: Math.round(((msgsPerSec * messageBytes) / 1048576) * 100) / 100 };
}
