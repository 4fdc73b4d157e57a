// A sender's figures as its receivers saw them, read from a finished result (the console
// summary, the report and its ranking show the same numbers).
import type { LatencySummary } from '../metrics/histogram.ts';
import type { DeliveryResult, RunResult } from './types.ts';

/** What the receivers of one sender got, summed over its delivery rows; undefined when it has none. */
export function senderDelivery(
  result: RunResult,
  fleet: string,
): { rows: DeliveryResult[]; expected: number; unique: number; lost: number; kept: boolean } | undefined {
  const rows = result.delivery.filter((d) => d.from === fleet);
  if (rows.length === 0) return undefined;
  return {
    rows,
    expected: rows.reduce((s, d) => s + d.expected, 0),
    unique: rows.reduce((s, d) => s + d.unique, 0),
    lost: rows.reduce((s, d) => s + d.lost, 0),
    kept: rows.every((d) => d.verdict.kept),
  };
}

/** A sender's headline latency (corrected): end to end when it has one receiver, else publish → ack. */
export function senderLatency(
  result: RunResult,
  fleet: string,
): { source: 'e2e' | 'ack'; summary: LatencySummary } | undefined {
  const rows = result.delivery.filter((d) => d.from === fleet);
  if (rows.length === 1 && rows[0]) return { source: 'e2e', summary: rows[0].latency.corrected };
  const ack = result.fleets[fleet]?.latency.ack?.corrected;
  return ack ? { source: 'ack', summary: ack } : undefined;
}
