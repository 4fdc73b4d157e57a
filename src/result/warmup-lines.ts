// The warm-up window in one line, for the console summary: how long, and what was measured in
// it apart from the figures that follow (result.warmup, docs/results.md#warm-up).
import { formatCount, formatDurationMs, formatUs } from '../base/format.ts';
import type { RunResult } from './types.ts';

export function warmupLines(result: RunResult): string[] {
  const w = result.warmup;
  if (!w) return [];
  const first = `warm-up: the first ${formatDurationMs(w.durationMs)} of the send phase`;
  if (w.included) return [`${first}, counted in the figures below (warmup.include)`];
  const parts = [`${formatCount(w.sent)} sent`];
  if (w.acked > 0) parts.push(`${formatCount(w.acked)} acked`);
  if (w.received > 0) parts.push(`${formatCount(w.received)} received`);
  const lost = w.delivery.reduce((n, d) => n + d.lost, 0);
  if (w.delivery.length > 0) parts.push(`${formatCount(lost)} lost`);
  const worst = [...w.delivery].sort((a, b) => b.latency.corrected.p99 - a.latency.corrected.p99)[0];
  if (worst && worst.latency.corrected.count > 0)
    parts.push(`e2e p99 ${formatUs(worst.latency.corrected.p99)} (${worst.from} → ${worst.to})`);
  return [`${first}, kept out of the figures below: ${parts.join(', ')}`];
}
