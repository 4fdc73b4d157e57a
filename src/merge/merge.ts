// `fleetbench merge`: the shards of one run (--shard i/n, one --run-id) back into the run a
// single process would have reported. It rebuilds the run's build input from what every shard
// kept (result.merge and result.histograms) and calls the run's own buildResult, so delivery
// rows, loss, rates, power, thresholds and health come from the same code as a single run's.
import { ErrorCodes, FleetbenchError } from '../base/errors.ts';
import { loadScenario } from '../dsl/load.ts';
import { readResultFile } from '../result/read.ts';
import type { ClockInfo, RunResult } from '../result/types.ts';
import { buildResult } from '../runner/build-result.ts';
import { achievedPace } from '../runner/connect-pacing.ts';
import { evaluateHealth } from '../thresholds/health.ts';
import { evaluateThresholds } from '../thresholds/index.ts';
import { checkShards, type MergeableFile } from './checks.ts';
import { mergedSendStartS, rebuildAggregator } from './rebuild.ts';

export interface MergeOptions {
  /** The shards' results.json files (or their run folders). */
  files: string[];
  /** The scenario file, when it is not where the shards ran it (result.scenario.file); its hash must match. */
  scenario?: string;
}

export async function mergeShards(options: MergeOptions): Promise<RunResult> {
  const shards = checkShards(options.files.map((path) => readResultFile(path)));
  const first = (shards[0] as MergeableFile).result;
  const file = options.scenario ?? first.scenario.file;
  const loaded = await loadScenario(file, { env: first.scenario.env ?? {}, processEnv: {} });
  if (loaded.hash !== first.scenario.hash)
    throw new FleetbenchError(
      ErrorCodes.MERGE_INVALID,
      `fleetbench merge: ${file} (hash ${loaded.hash}) is not the scenario the shards ran (hash ${first.scenario.hash}); give that one with --scenario`,
    );
  const plan = loaded.plan;
  plan.durationMs = first.run.durationMs;
  for (const { file: f, result } of shards)
    for (const name of Object.keys(result.fleets))
      if (!plan.groups.some((g) => g.name === name))
        throw new FleetbenchError(
          ErrorCodes.MERGE_INVALID,
          `fleetbench merge: ${f} has a group ${name} the scenario does not declare (an embedded server's receiver): shards must share an external target`,
        );
  const sendStartS = mergedSendStartS(shards);
  const partial = shards.filter((s) => s.result.run.partial);
  const result = buildResult({
    plan,
    hash: first.scenario.hash,
    agg: rebuildAggregator(shards),
    shards: shards.flatMap((s) => s.merge.delivery),
    deviceBytes: shards.flatMap((s) => s.merge.deviceBytes),
    wire: shards.flatMap((s) => s.merge.wire),
    unread: shards.flatMap((s) => s.merge.unread.map((u) => u ?? undefined)),
    runId: first.run.id,
    seed: first.run.seed,
    workers: shards.reduce((n, s) => n + s.result.run.workers, 0),
    processes: shards.reduce((n, s) => n + (s.result.run.processes ?? 1), 0),
    shard: { index: 0, count: 1 },
    startedAt: new Date(Math.min(...shards.map((s) => Date.parse(s.result.run.startedAt)))),
    endedAt: new Date(Math.max(...shards.map((s) => Date.parse(s.result.run.endedAt)))),
    sendPhaseMs: Math.max(...shards.map((s) => s.merge.sendPhaseMs)),
    partialReason:
      partial.length === 0
        ? null
        : partial.map((s) => `shard ${s.result.run.shard.index}: ${s.result.run.partialReason}`).join('; '),
    targets: first.targets,
    warnings: shards.flatMap((s) => s.result.warnings.map((w) => `shard ${s.result.run.shard.index}: ${w}`)),
    servers: {},
    ...(plan.warmup && sendStartS !== null
      ? {
          warmup: {
            durationMs: plan.warmup.durationMs,
            included: plan.warmup.include,
            fromS: sendStartS,
            shards: shards.flatMap((s) => s.merge.warmupDelivery),
          },
        }
      : {}),
  });
  if (first.scenario.env) result.scenario.env = first.scenario.env;
  const pace = achievedPace(
    shards.flatMap((s) => s.merge.connectStarts),
    plan.connectRatePerS,
  );
  if (pace) result.run.connect = pace;
  const crossShardUncertaintyUs = crossShardUncertainty(shards.map((s) => s.result.run.clock));
  result.run.clock = {
    reference: first.run.clock?.reference === 'self' ? 'shard 0' : (first.run.clock?.reference ?? null),
    method: 'merged',
    offsetUs: 0,
    uncertaintyUs: crossShardUncertaintyUs,
    samples: 0,
  };
  result.run.merged = { shards: shards.length, files: shards.map((s) => s.file), crossShardUncertaintyUs };
  result.thresholds = evaluateThresholds(plan.thresholds, result);
  result.health = evaluateHealth(result, plan.expect);
  return result;
}

/**
 * ± bound on a latency from a device of one shard to a receiver of another: each end's offset is
 * known to ± its uncertainty, so the worst pair adds the two largest. Exact (0) when every shard
 * ran on one machine (one boot id, one monotonic clock); null (unverified) when a shard other
 * than the reference had no clock reference.
 */
export function crossShardUncertainty(clocks: readonly (ClockInfo | undefined)[]): number | null {
  if (clocks.length <= 1) return 0;
  const boots = new Set(clocks.map((c) => c?.bootId));
  if (boots.size === 1 && !boots.has(undefined)) return 0;
  const bounds: number[] = [];
  for (const c of clocks) {
    if (c === undefined || c.uncertaintyUs === null) return null;
    bounds.push(c.uncertaintyUs);
  }
  bounds.sort((a, b) => b - a);
  return (bounds[0] ?? 0) + (bounds[1] ?? 0);
}
