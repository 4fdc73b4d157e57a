// One or two lines on a shard's or a merged result's place in a run spread over processes or
// machines (docs/sharding.md): for the console and the Markdown verdict. None for a single run.
import type { RunResult } from './types.ts';

export function shardLines(result: RunResult): string[] {
  const { run } = result;
  const lines: string[] = [];
  if (run.merged) {
    const u = run.merged.crossShardUncertaintyUs;
    lines.push(
      `merged from ${run.merged.shards} shards of run ${run.id}; ${
        u === null
          ? 'cross-shard latency unverified (a shard had no --clock-ref: its clock against shard 0 is unknown)'
          : `cross-shard latency ± ${u} µs${u === 0 ? ' (one machine, one clock)' : ''}`
      }`,
    );
    return lines;
  }
  const c = run.clock;
  if (run.shard.count > 1 || c) {
    const clock =
      c === undefined
        ? ''
        : c.method === 'none'
          ? '; clock: no reference, latency across machines unverified'
          : c.method === 'reference'
            ? '; clock: the reference (serves it to the other shards)'
            : `; clock: ${c.method} with ${c.reference}, offset ${c.offsetUs} µs ± ${c.uncertaintyUs} µs`;
    lines.push(`shard ${run.shard.index}/${run.shard.count} of run ${run.id}${clock}`);
  }
  if (run.startAt)
    lines.push(
      `start at ${run.startAt.requested}${run.startAt.lateMs > 0 ? `: started ${run.startAt.lateMs} ms late` : ': on time'}`,
    );
  if (run.shard.count > 1) {
    // A shard exits 0 when it ran to its end (run-command.ts verdictOf): say what its slice failed.
    const thresholds = (result.thresholds ?? []).filter((t) => !t.passed).length;
    const health = (result.health ?? []).filter((h) => !h.passed).length;
    if (thresholds + health > 0)
      lines.push(
        `this slice fails ${thresholds} threshold(s) and ${health} health check(s); a shard judges its slice only, so it exits 0: fleetbench merge gives the run's verdict`,
      );
  }
  const foreign = result.delivery.filter((d) => (d.foreign ?? 0) > 0);
  if (foreign.length > 0)
    lines.push(
      `from other shards (judged by fleetbench merge): ${foreign.map((d) => `${d.from} → ${d.to} ${d.foreign}`).join(', ')}`,
    );
  return lines;
}
