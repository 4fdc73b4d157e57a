// One step of the capacity search: the scenario run at one load (runner/run.ts with
// ScenarioRunOptions.scale), judged on the SLO, its throughput and latency read off the result,
// and checked for a generator that could not keep up.
import type { LoadScale } from '../dsl/scale.ts';
import { decodeHistogram, mergeEncoded } from '../metrics/histogram.ts';
import { splitHistogramKey } from '../metrics/names.ts';
import type { RunResult, ThresholdOutcome } from '../result/types.ts';
import type { Progress } from '../runner/progress.ts';
import { runScenario, type ScenarioRunOptions } from '../runner/run.ts';
import { busyCpu, type CpuFigures, CpuSampler, disturbed, lateSends, sendWindow } from './generator.ts';
import type { StepFigures } from './search.ts';
import { judgeSlo, mainLatency, type Slo } from './slo.ts';

export interface StepRecord extends StepFigures {
  index: number;
  devices: number;
  /** Main latency the step was judged on ('e2e_latency', 'ack_latency', 'rtt_latency'). */
  latencyMetric: string | undefined;
  slo: ThresholdOutcome[];
  cpu: CpuFigures;
  /** Lost over expected across the step's delivery rows; null when nobody expected anything. */
  loss: number | null;
  errors: number;
  runId: string;
  /**
   * The generator's own delay made up much of the step's p99 (generator.ts disturbed): a failure
   * on latency is then this machine's, and the step is run again once.
   */
  disturbed: string | undefined;
  /** The step's run folder (results.json, report.html), when written. */
  folder?: string;
}

export interface StepRun {
  scale: LoadScale;
  /** From the plan as scaled: the step's sending devices and offered messages per second. */
  offered: { devices: number; perS: number };
  load: number;
  index: number;
  base: Omit<ScenarioRunOptions, 'scale' | 'onProgress'>;
  slo: Slo;
  onProgress?: (p: Progress) => void;
}

export async function runStep(s: StepRun): Promise<{ record: StepRecord; result: RunResult }> {
  const cpu = new CpuSampler();
  let outcome: Awaited<ReturnType<typeof runScenario>>;
  try {
    outcome = await runScenario({ ...s.base, scale: s.scale, ...(s.onProgress ? { onProgress: s.onProgress } : {}) });
  } catch (err) {
    cpu.stop();
    throw err;
  }
  const result = outcome.result;
  const figures = cpu.stop(sendWindow(result));
  const main = mainLatency(result);
  const latency = main ? latencyOf(result, main[1]) : undefined;
  const slo = judgeSlo(s.slo, result);
  const reasons = [lateSends(result), busyCpu(figures)].filter((r): r is string => r !== undefined);
  return {
    result,
    record: {
      index: s.index,
      load: s.load,
      devices: s.offered.devices,
      offeredPerS: s.offered.perS,
      achievedPerS: achieved(result),
      p50Us: latency?.p50,
      p99Us: latency?.p99,
      latencyMetric: main?.[0],
      sloPassed: slo.every((o) => o.passed) && !result.run.partial,
      generatorBound: reasons.length > 0 ? reasons.join('; ') : undefined,
      disturbed: disturbed(result, latency?.p99),
      slo,
      cpu: figures,
      loss: lossOf(result),
      errors: result.errors.reduce((n, e) => n + e.count, 0),
      runId: result.run.id,
    },
  };
}

/** The main latency over the whole step (every pair or group that timed it), merged exactly. */
function latencyOf(result: RunResult, kind: string): { p50: number; p99: number } | undefined {
  const encoded = Object.entries(result.histograms)
    .filter(([k]) => splitHistogramKey(k).kind === kind)
    .map(([, v]) => v);
  if (encoded.length === 0) return undefined;
  const h = encoded.length === 1 ? decodeHistogram(encoded[0] as string) : mergeEncoded(encoded);
  const out = h.totalCount > 0 ? { p50: h.getValueAtPercentile(50), p99: h.getValueAtPercentile(99) } : undefined;
  h.destroy();
  return out;
}

/**
 * Messages per second completed: each sending group's send rate times the share of its expected
 * deliveries that arrived (1 when nobody receives its messages). A broker that accepts every
 * publish but delivers half of them achieves half the offered load.
 */
export function achieved(result: RunResult): number {
  let total = 0;
  for (const [name, f] of Object.entries(result.fleets)) {
    if (f.kind !== 'fleet' && f.kind !== 'command') continue;
    const rows = result.delivery.filter((d) => d.from === name && d.expected > 0);
    const expected = rows.reduce((n, d) => n + d.expected, 0);
    const got = rows.reduce((n, d) => n + Math.min(d.unique, d.expected), 0);
    total += f.rates.sentPerS * (expected > 0 ? got / expected : 1);
  }
  return total;
}

function lossOf(result: RunResult): number | null {
  const rows = result.delivery.filter((d) => d.expected > 0);
  const expected = rows.reduce((n, d) => n + d.expected, 0);
  return expected > 0 ? rows.reduce((n, d) => n + d.lost, 0) / expected : null;
}
