/**
 * calibrate's figures (docs/METHOD.md §1). First, closed loop at full speed: round trips per client core of the
 * generator and of a plain `ws` client. Then the equal-offered-load check (issue 12): the generator and the plain `ws` client,
 * each open loop at the same offered rate against the same server, must agree on the achieved rate and the
 * median corrected latency within EQUAL_LOAD_TOLERANCE. If they do, the generator measures what an ordinary
 * client would see; if not, one of the two clients is in the figure.
 */
import type { IoFloorResult } from '../clients/baseline/io-floor.js';
import type { WsBaselineResult } from '../clients/baseline/ws-baseline.js';
import type { LatencySummary, LoadReport } from '../clients/types.js';
import type { CoresSection } from '../results/cores.js';
import type { WholeCoreCost } from './cpu-per-message.js';

/** Largest relative difference (see relativeDifference) at which the two clients still agree. */
export const EQUAL_LOAD_TOLERANCE = 0.1;

/** One client's closed-loop figures, full speed (calibrate's first table). */
export interface CalibrationRow {
  client: string;
  roundTripsPerSec: number;
  clientCpuCoreFraction: number;
  /** roundTripsPerSec / clientCpuCoreFraction: what one client core can drive. */
  roundTripsPerClientCoreSec: number;
  verdict: string;
}

/** The two closed-loop rows (generator first) and the generator's round trips per client core ÷ the ws client's. */
export function closedLoopRows(
  generatorLoad: LoadReport,
  generatorVerdict: string,
  baseline: WsBaselineResult,
): { rows: [CalibrationRow, CalibrationRow]; generatorPerCoreVsBaseline: number } {
  const row = (client: string, roundTripsPerSec: number, cpu: number, verdict: string): CalibrationRow => ({
    client,
    roundTripsPerSec,
    clientCpuCoreFraction: cpu,
    roundTripsPerClientCoreSec: roundTripsPerSec / Math.max(cpu, 1e-6),
    verdict,
  });
  const genCpu = Math.max(...generatorLoad.client.workers.map((w) => w.cpuCoreFraction));
  const rows: [CalibrationRow, CalibrationRow] = [
    row('wsarena generator (raw frames)', generatorLoad.achievedRateHz, genCpu, generatorVerdict),
    row(
      'ws package client (baseline)',
      baseline.roundTripsPerSec,
      baseline.cpuCoreFraction,
      baseline.cpuCoreFraction >= 0.85 ? 'client-bound' : 'not client-bound',
    ),
  ];
  return { rows, generatorPerCoreVsBaseline: rows[0].roundTripsPerClientCoreSec / rows[1].roundTripsPerClientCoreSec };
}

/** What the rule compares of each client at equal offered load. */
export interface EqualLoadFigures {
  /** Achieved rate: replies to messages due in the window, per second of window. */
  rateHz: number;
  /** Median corrected latency (reply − intended send), µs. */
  p50Us: number;
}

export interface EqualLoadComparison {
  /** relativeDifference of the achieved rates. */
  rateDiff: number;
  /** relativeDifference of the medians. */
  medianDiff: number;
  tolerance: number;
  agree: boolean;
  /** Why they disagree, or that both are within the tolerance. */
  reason: string;
}

/** One client's figures at equal offered load, as calibrate records them (extra.calibration.equalLoad). */
export interface EqualLoadSide {
  client: string;
  offeredRateHz: number;
  achievedRateHz: number;
  /** Corrected latency (reply − intended send), µs. */
  corrected: LatencySummary;
  /** Service time (reply − actual send), µs. */
  service: LatencySummary;
}

/** calibrate's record of the check (extra.calibration.equalLoad). */
export interface EqualLoad {
  /** The offered rate both clients ran at, msgs/s. */
  rateHz: number;
  /** `flag`: --equal-rate; `default`: defaultEqualRate of the closed-loop rates. */
  rateFrom: 'flag' | 'default';
  generator: EqualLoadSide;
  baseline: EqualLoadSide;
  comparison: EqualLoadComparison;
}

/**
 * The relative difference of two non-negative figures: |a − b| / max(a, b). Symmetric (neither client is the
 * reference), in [0, 1]; 0 when both are 0. 0.10 means the smaller is 10% below the larger.
 */
export function relativeDifference(a: number, b: number): number {
  const larger = Math.max(a, b);
  return larger === 0 ? 0 : Math.abs(a - b) / larger;
}

const percent = (fraction: number): string => `${(fraction * 100).toFixed(1)}%`;

/**
 * The rule: the two clients agree when both the achieved rates and the medians differ by at most `tolerance`
 * (relativeDifference; exactly 10% still agrees). A client with no replies in the window never agrees.
 */
export function compareEqualLoad(generator: EqualLoadFigures, baseline: EqualLoadFigures, tolerance = EQUAL_LOAD_TOLERANCE): EqualLoadComparison {
  const rateDiff = relativeDifference(generator.rateHz, baseline.rateHz);
  const medianDiff = relativeDifference(generator.p50Us, baseline.p50Us);
  const reasons: string[] = [];
  if (generator.rateHz <= 0) reasons.push('the generator had no replies in the window');
  if (baseline.rateHz <= 0) reasons.push('the ws client had no replies in the window');
  if (reasons.length === 0) {
    const limit = `> ${percent(tolerance)}`;
    if (rateDiff > tolerance) reasons.push(`achieved rates differ by ${percent(rateDiff)} ${limit}`);
    if (medianDiff > tolerance) reasons.push(`medians differ by ${percent(medianDiff)} ${limit}`);
  }
  const agree = reasons.length === 0;
  return { rateDiff, medianDiff, tolerance, agree, reason: agree ? `rates and medians within ${percent(tolerance)}` : reasons.join('; ') };
}

/**
 * calibrate's default equal offered rate: a quarter of the lower of the two clients' closed-loop rates, rounded
 * to 3 significant figures. A quarter, not a half: at half its capacity the ws client's own queueing was in its
 * median (docs/METHOD.md §1), and the check is about the clients agreeing on the server, not about their load.
 */
export function defaultEqualRate(generatorRateHz: number, baselineRateHz: number): number {
  return Number((Math.min(generatorRateHz, baselineRateHz) / 4).toPrecision(3));
}

function side(client: string, offeredRateHz: number | null, achievedRateHz: number, corrected: LatencySummary | null, service: LatencySummary): EqualLoadSide {
  if (offeredRateHz === null || corrected === null) throw new Error(`${client} ran closed loop: no offered rate or corrected latency to compare`);
  return { client, offeredRateHz, achievedRateHz, corrected, service };
}

/** Both clients' open-loop figures at rateHz and the rule's verdict on them. */
export function equalLoadOf(rateHz: number, rateFrom: EqualLoad['rateFrom'], generatorLoad: LoadReport, baselineResult: WsBaselineResult): EqualLoad {
  const g = generatorLoad;
  const b = baselineResult;
  const generator = side('wsarena generator (raw frames)', g.targetRateHz, g.achievedRateHz, g.corrected, g.service);
  const baseline = side('ws package client (baseline)', b.offeredRateHz, b.roundTripsPerSec, b.corrected, b.service);
  const figures = (s: EqualLoadSide): EqualLoadFigures => ({ rateHz: s.achievedRateHz, p50Us: s.corrected.p50Us });
  return { rateHz, rateFrom, generator, baseline, comparison: compareEqualLoad(figures(generator), figures(baseline)) };
}

/** The I/O floor run (clients/baseline/io-floor.ts): its own figures, the pinned cores over its window, their cost. */
export interface IoFloor {
  result: IoFloorResult;
  cores: CoresSection;
  cost: WholeCoreCost;
}
