// The live progress figures the CLI draws once per interval.
import type { Plan } from '../dsl/plan.ts';
import type { Aggregator, TimelineBucket } from '../metrics/aggregate.ts';
import { splitHistogramKey } from '../metrics/names.ts';
import type { Phase } from '../metrics/recorder.ts';
import { type FleetProgress, fleetProgress } from './progress-fleets.ts';
import { warmGroup } from './warm-window.ts';

export interface Progress {
  phase: Phase;
  /** Seconds since the send phase started (negative while connecting). */
  elapsedS: number;
  durationS: number;
  devices: number;
  connected: number;
  sentPerS: number;
  receivedPerS: number;
  /** p99 of end-to-end latency in the last interval (µs), else of publish → ack. */
  p99Us: number | undefined;
  errors: number;
  /** The same per group (progress-fleets.ts), for the live metrics endpoint. */
  fleets?: FleetProgress[];
}

export function progressOf(
  plan: Plan,
  agg: Aggregator,
  bucket: TimelineBucket,
  originUs: number,
  sendStartUs: number | undefined,
): Progress {
  let sent = 0;
  let received = 0;
  let connected = 0;
  let errors = 0;
  for (const g of plan.groups) {
    // The load as offered: the warm-up's messages too (warm-window.ts).
    for (const c of [bucket.counters[g.name], bucket.counters[warmGroup(g.name)]]) {
      if (!c) continue;
      sent += c.sent;
      received += c.received;
    }
    connected += agg.connected(g.name);
    errors += agg.total(g.name).errors;
  }
  let p99e2e: number | undefined;
  let p99ack: number | undefined;
  for (const [key, h] of bucket.histograms) {
    const { kind } = splitHistogramKey(key);
    const p99 = h.getValueAtPercentile(99);
    if (kind === 'e2e') p99e2e = Math.max(p99e2e ?? 0, p99);
    else if (kind === 'ack') p99ack = Math.max(p99ack ?? 0, p99);
  }
  const nowS = bucket.t + originUs / 1e6;
  return {
    phase: bucket.phase,
    elapsedS: sendStartUs === undefined ? -1 : Math.max(0, nowS - sendStartUs / 1e6),
    durationS: plan.durationMs / 1000,
    devices: plan.groups.reduce((n, g) => n + g.count, 0),
    connected,
    sentPerS: sent,
    receivedPerS: received,
    p99Us: p99e2e ?? p99ack,
    errors,
    fleets: fleetProgress(plan, agg, bucket),
  };
}
