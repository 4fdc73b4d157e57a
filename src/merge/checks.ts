// `fleetbench merge` refuses what is not the shards of one run, naming the file at fault: each
// result must carry a merge block, and all must share the run id, the scenario and the shard
// count, with every shard index present exactly once.
import { ErrorCodes, FleetbenchError } from '../base/errors.ts';
import type { MergeData, RunResult } from '../result/types.ts';

export interface ShardFile {
  file: string;
  result: RunResult;
}

/** A shard's result with its merge block present (checkShards proved it). */
export type MergeableFile = ShardFile & { merge: MergeData };

function refuse(message: string): never {
  throw new FleetbenchError(ErrorCodes.MERGE_INVALID, `fleetbench merge: ${message}`);
}

/** The shards in index order; a FleetbenchError naming the file when they are not one run's. */
export function checkShards(files: readonly ShardFile[]): MergeableFile[] {
  const first = files[0];
  if (!first) return refuse('name the results.json of every shard');
  const { id } = first.result.run;
  const { hash } = first.result.scenario;
  const { count } = first.result.run.shard;
  const byIndex = new Map<number, MergeableFile>();
  for (const f of files) {
    const { run, scenario, merge } = f.result;
    if (!merge)
      refuse(
        `${f.file} is not a shard's result (it has no merge block): run each shard with --shard i/n and a common --run-id`,
      );
    if (run.merged) refuse(`${f.file} is already a merged result: merge the shards' own results`);
    if (run.id !== id) refuse(`${f.file} is from run ${run.id}, ${first.file} from run ${id}: not shards of one run`);
    if (scenario.hash !== hash)
      refuse(
        `${f.file} ran scenario ${scenario.file} (hash ${scenario.hash}), ${first.file} ran ${first.result.scenario.file} (hash ${hash}): not shards of one run`,
      );
    if (run.shard.count !== count)
      refuse(`${f.file} is shard ${run.shard.index}/${run.shard.count}, ${first.file} one of ${count} shards`);
    const twin = byIndex.get(run.shard.index);
    if (twin) refuse(`${twin.file} and ${f.file} are both shard ${run.shard.index}/${count}`);
    byIndex.set(run.shard.index, { ...f, merge });
  }
  const missing = Array.from({ length: count }, (_, i) => i).filter((i) => !byIndex.has(i));
  if (missing.length > 0)
    refuse(
      `missing shard${missing.length === 1 ? '' : 's'} ${missing.map((i) => `${i}/${count}`).join(', ')} of run ${id} (given: ${[
        ...byIndex.keys(),
      ]
        .sort((a, b) => a - b)
        .map((i) => `${i}/${count}`)
        .join(', ')})`,
    );
  return [...byIndex.entries()].sort(([a], [b]) => a - b).map(([, f]) => f);
}
