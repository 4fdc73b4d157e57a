// capacity.json: the steps the search ran and what it concluded (docs/capacity.md#capacityjson).
import { findKnee, type StepFigures, type StepVerdict, type StopReason } from './search.ts';
import type { StepRecord } from './step.ts';

export const CAPACITY_SCHEMA = 'fleetbench.capacity/1';

/** found: a sustainable maximum; none-passed: no step met the SLO; generator-bound: fleetbench was the limit. */
export type CapacityVerdict = 'found' | 'none-passed' | 'generator-bound';

export interface CapacityStep extends Omit<StepRecord, 'slo'> {
  verdict: StepVerdict;
  slo: { expression: string; passed: boolean; actual: string; limit: string; message: string }[];
}

/** A step as the conclusions cite it. */
export interface StepRef {
  step: number;
  load: number;
  devices: number;
  offeredPerS: number;
  achievedPerS: number;
  p50Us: number | null;
  p99Us: number | null;
}

export interface CapacityReport {
  schema: typeof CAPACITY_SCHEMA;
  scenario: { name: string; file: string };
  vary: 'devices' | 'rate';
  slo: string;
  startedAt: string;
  endedAt: string;
  stepMs: number;
  warmupMs: number;
  search: { start: number; max: number; resolution: number; maxSteps: number };
  steps: CapacityStep[];
  verdict: CapacityVerdict;
  stopReason: StopReason;
  /** The highest load that passed (SLO held, throughput kept up, generator not the limit). */
  sustainable: StepRef | null;
  /** The lowest load that failed. */
  firstFailing: (StepRef & { why: string }) | null;
  /** The last step on the flat part of the throughput–latency curve (search.ts findKnee). */
  knee: (StepRef & { next: number | null; reason: string | null; trustworthy: boolean }) | null;
  /** The step where fleetbench itself was the bottleneck, and why. */
  generatorBound: { step: number; load: number; reason: string } | null;
  /** One line, as the console prints it last. */
  summary: string;
}

export interface SummaryInput
  extends Omit<
    CapacityReport,
    'steps' | 'verdict' | 'stopReason' | 'sustainable' | 'firstFailing' | 'knee' | 'generatorBound' | 'summary'
  > {
  records: StepRecord[];
  verdicts: StepVerdict[];
  reason: StopReason;
  sustainable: StepFigures | undefined;
  firstBad: StepFigures | undefined;
}

export function summarize(i: SummaryInput): CapacityReport {
  const { records, verdicts, reason, sustainable, firstBad, ...head } = i;
  const steps: CapacityStep[] = records.map((r, k) => ({
    ...r,
    verdict: verdicts[k] as StepVerdict,
    slo: r.slo.map((o) => ({
      expression: o.expression,
      passed: o.passed,
      actual: o.actualText,
      limit: o.limitText,
      message: o.message,
    })),
  }));
  const ref = (f: StepFigures): StepRef => {
    const r = records.find((x) => x === f) as StepRecord;
    return {
      step: r.index,
      load: r.load,
      devices: r.devices,
      offeredPerS: round(r.offeredPerS),
      achievedPerS: round(r.achievedPerS),
      p50Us: r.p50Us ?? null,
      p99Us: r.p99Us ?? null,
    };
  };
  const gen = records.find((r) => r.generatorBound !== undefined);
  const generatorBound = gen ? { step: gen.index, load: gen.load, reason: gen.generatorBound as string } : null;
  // Steps whose tail was mostly the generator's own delay say nothing about the target's curve.
  const k = findKnee(records.filter((r) => r.disturbed === undefined));
  const knee = k
    ? {
        ...ref(k.step),
        next: k.next ? (k.next as StepRecord).index : null,
        reason: k.reason ?? null,
        // A knee with no step past it, or one below a generator-bound step, is only a lower bound.
        trustworthy: k.next !== undefined && generatorBound === null,
      }
    : null;
  const verdict: CapacityVerdict = generatorBound ? 'generator-bound' : sustainable ? 'found' : 'none-passed';
  const firstFailing = firstBad
    ? { ...ref(firstBad), why: whyFailed(steps.find((s) => s.index === (firstBad as StepRecord).index)) }
    : null;
  const report: CapacityReport = {
    ...head,
    steps,
    verdict,
    stopReason: reason,
    sustainable: sustainable ? ref(sustainable) : null,
    firstFailing,
    knee,
    generatorBound,
    summary: '',
  };
  report.summary = summaryLine(report);
  return report;
}

function whyFailed(s: CapacityStep | undefined): string {
  if (!s) return '';
  if (s.verdict === 'slo')
    return s.slo
      .filter((o) => !o.passed)
      .map((o) => `${o.expression} (${o.actual})`)
      .join(', ');
  if (s.verdict === 'saturated')
    return `throughput saturated: achieved ${round(s.achievedPerS)}/s of ${round(s.offeredPerS)}/s offered`;
  return s.generatorBound ?? '';
}

const round = (x: number): number => Math.round(x * 10) / 10;
const ms = (us: number | null): string => (us === null ? '-' : `${(us / 1000).toFixed(us < 10_000 ? 2 : 1)}ms`);
const loadText = (r: CapacityReport, s: StepRef): string =>
  r.vary === 'devices'
    ? `${s.devices} devices (${round(s.offeredPerS)} msg/s offered)`
    : `${round(s.offeredPerS)} msg/s offered`;

export function summaryLine(r: CapacityReport): string {
  if (r.generatorBound) {
    const below = r.sustainable ? `; highest passing load before it: ${loadText(r, r.sustainable)}` : '';
    return `generator-bound at step ${r.generatorBound.step} (${r.generatorBound.reason}): fleetbench, not the system under test, was the limit${below}; use more --workers, a lighter payload or more machines`;
  }
  if (!r.sustainable)
    return `no step met the SLO ${r.slo}${r.firstFailing ? `: lowest load tried failed ${r.firstFailing.why}` : ''}`;
  const s = r.sustainable;
  const max = `sustainable maximum ${loadText(r, s)}: achieved ${s.achievedPerS} msg/s, p50 ${ms(s.p50Us)}, p99 ${ms(s.p99Us)}`;
  const knee = r.knee
    ? `; knee at step ${r.knee.step} (${loadText(r, r.knee)})${r.knee.reason ? `, past it ${r.knee.reason}` : ', no step past it'}`
    : '';
  const stop =
    r.stopReason === 'max-load'
      ? ' (the highest load allowed passed: raise --max)'
      : r.stopReason === 'max-steps' || r.stopReason === 'time'
        ? ` (search cut short: ${r.stopReason})`
        : '';
  return `${max}${knee}${stop}`;
}
